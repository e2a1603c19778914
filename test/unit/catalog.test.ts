import { describe, it, expect } from 'vitest';
import { PROVIDER_CATALOG, PROVIDER_IDS, catalogEntry } from '../../src/modules/providers/catalog';
import { type GatewayFieldName, ProviderId, SpecStatus, Support } from '../../src/modules/providers/catalog.types';
import { PROVIDER_IDS_IN_ORDER } from '../support/providers';

const FIELD_NAMES: readonly GatewayFieldName[] = [
  'login',
  'password',
  'senderName',
  'serviceId',
  'host',
  'certificatePem',
  'apiBaseUrl',
  'webhookToken',
  'destinationNumber',
  'genericHttp',
];

const entries = Object.values(PROVIDER_CATALOG);

type Op = 'send' | 'test' | 'inboundPush' | 'inboundPolling' | 'deliveryReports' | 'mms';
const { YES, NO, UNKNOWN } = Support;

/**
 * What each spec in shared/providers/ confirms, operation by operation, written down here independently
 * of the catalog: YES only where the wire format is DOCUMENTED or INFERRED from a source no one here
 * wrote; UNVERIFIED, PLACEHOLDER or not found is UNKNOWN; NO where the spec says the operation does not
 * exist. A guess in the catalog cannot become YES without someone changing this table and its source.
 */
const CONFIRMED: Record<ProviderId, Record<Op, Support> & { source: string }> = {
  // send, verify: official smsapi/* clients. Inbound: third-party test script and integrations. Reports:
  // one third-party production integration. MMS payload UNVERIFIED; no inbound polling described.
  SMSAPI: {
    send: YES,
    test: YES,
    inboundPush: YES,
    inboundPolling: UNKNOWN,
    deliveryReports: YES,
    mms: UNKNOWN,
    source: 'smsapi.md',
  },
  // send, verify, reports and inbox polling (MMS included): dev.serwersms.pl and SerwerSMSpl/* clients.
  // ND/NDI push placeholders: NAT page and a live third-party integration (INFERRED).
  SERWERSMS: {
    send: YES,
    test: YES,
    inboundPush: YES,
    inboundPolling: YES,
    deliveryReports: YES,
    mms: YES,
    source: 'serwersms.md',
  },
  // REST v2 send, points, reply polling, report polling: official digitalvirgo/justsend client.
  // No push format found; MMS absence UNVERIFIED.
  JUSTSEND: {
    send: YES,
    test: YES,
    inboundPush: UNKNOWN,
    inboundPolling: YES,
    deliveryReports: YES,
    mms: UNKNOWN,
    source: 'justsend.md',
  },
  // SMS method and field names are PLACEHOLDER; no verify, inbound or report format found; no MMS offered.
  TELECUBE: {
    send: UNKNOWN,
    test: UNKNOWN,
    inboundPush: UNKNOWN,
    inboundPolling: UNKNOWN,
    deliveryReports: UNKNOWN,
    mms: NO,
    source: 'telecube.md',
  },
  // Premium SMS only: no outbound API, no authenticated check, no reports. Forward-to-URL: one third-party bundle.
  DOTPAY: {
    send: NO,
    test: NO,
    inboundPush: YES,
    inboundPolling: UNKNOWN,
    deliveryReports: NO,
    mms: UNKNOWN,
    source: 'dotpay.md',
  },
  // Everything INFERRED (consistent) from several independent clients; polling only; MMS never mentioned.
  MULTIINFO: {
    send: YES,
    test: YES,
    inboundPush: NO,
    inboundPolling: YES,
    deliveryReports: YES,
    mms: UNKNOWN,
    source: 'multiinfo.md',
  },
  // send: one third-party client and the public Swagger UI; verify: Swagger UI notes. Inbound and report
  // callbacks exist (DOCUMENTED) but their payloads are placeholders.
  PEOPLEFONE: {
    send: YES,
    test: YES,
    inboundPush: UNKNOWN,
    inboundPolling: UNKNOWN,
    deliveryReports: UNKNOWN,
    mms: UNKNOWN,
    source: 'peoplefone.md',
  },
  // send request DOCUMENTED, answer and balance.php INFERRED from third-party clients; no report or MO API found.
  MOBITEX: {
    send: YES,
    test: YES,
    inboundPush: UNKNOWN,
    inboundPolling: UNKNOWN,
    deliveryReports: UNKNOWN,
    mms: UNKNOWN,
    source: 'mobitex.md',
  },
  // No public API spec at all.
  TIDE: {
    send: UNKNOWN,
    test: UNKNOWN,
    inboundPush: UNKNOWN,
    inboundPolling: UNKNOWN,
    deliveryReports: UNKNOWN,
    mms: UNKNOWN,
    source: 'tide.md',
  },
  THREE_S: {
    send: UNKNOWN,
    test: UNKNOWN,
    inboundPush: UNKNOWN,
    inboundPolling: UNKNOWN,
    deliveryReports: UNKNOWN,
    mms: UNKNOWN,
    source: '3s.md',
  },
  // Not a provider: our own templated adapter, whose format the admin supplies.
  GENERIC_HTTP: {
    send: YES,
    test: NO,
    inboundPush: YES,
    inboundPolling: NO,
    deliveryReports: NO,
    mms: NO,
    source: 'DESIGN.md',
  },
};

function field(id: ProviderId, name: GatewayFieldName) {
  return catalogEntry(id).fields.find((f) => f.name === name);
}

describe('provider catalog', () => {
  it('has exactly one entry per provider id, keyed by its own id', () => {
    expect(PROVIDER_IDS).toEqual(PROVIDER_IDS_IN_ORDER);
    expect(Object.keys(PROVIDER_CATALOG).sort()).toEqual([...PROVIDER_IDS].sort());
    expect(entries).toHaveLength(11);
    expect(new Set(entries.map((e) => e.id)).size).toBe(11);
    for (const id of PROVIDER_IDS) {
      expect(PROVIDER_CATALOG[id].id).toBe(id);
      expect(catalogEntry(id)).toBe(PROVIDER_CATALOG[id]);
    }
  });

  it('rejects a value that is not a provider id', () => {
    expect(() => catalogEntry('NOPE' as ProviderId)).toThrow(/Unknown provider id/);
    expect(() => catalogEntry('toString' as ProviderId)).toThrow(/Unknown provider id/);
  });

  it('uses the product names', () => {
    expect(catalogEntry(ProviderId.SMSAPI).displayName).toBe('SMSAPI.pl');
    expect(catalogEntry(ProviderId.MULTIINFO).displayName).toBe('Plus MultiInfo');
    expect(catalogEntry(ProviderId.THREE_S).displayName).toBe('3S (platformy2.3s.pl)');
    expect(new Set(entries.map((e) => e.displayName)).size).toBe(11);
  });

  it('describes Plus MultiInfo as a polled, certificate-authenticated provider', () => {
    const multiinfo = catalogEntry(ProviderId.MULTIINFO);
    for (const name of ['login', 'password', 'serviceId', 'host', 'certificatePem', 'destinationNumber'] as const) {
      expect(field(ProviderId.MULTIINFO, name)?.required, name).toBe(true);
    }
    expect(multiinfo.capabilities.inboundPolling).toBe(Support.YES);
    expect(multiinfo.capabilities.inboundPush).toBe(Support.NO);
    expect(multiinfo.webhookPath).toBeNull();
    expect(field(ProviderId.MULTIINFO, 'webhookToken')).toBeUndefined();
    expect(field(ProviderId.MULTIINFO, 'host')?.help).toMatch(/api1\.multiinfo\.plus\.pl/);
  });

  it('explains the two SMSAPI password forms', () => {
    expect(field(ProviderId.SMSAPI, 'password')?.required).toBe(true);
    expect(field(ProviderId.SMSAPI, 'password')?.help).toMatch(/MD5/);
    expect(field(ProviderId.SMSAPI, 'password')?.help).toMatch(/OAuth token/);
    expect(field(ProviderId.SMSAPI, 'login')?.required).toBe(false);
    // MMS receiving exists (DOCUMENTED), but its payload is UNVERIFIED.
    expect(catalogEntry(ProviderId.SMSAPI).capabilities.mms).toBe(Support.UNKNOWN);
  });

  it('puts Tide on the generic HTTP settings', () => {
    for (const id of [ProviderId.TIDE]) {
      const entry = catalogEntry(id);
      expect(entry.specStatus).toBe(SpecStatus.NO_PUBLIC_SPEC);
      expect(field(id, 'genericHttp')?.required).toBe(true);
      expect(entry.defaultApiBaseUrl).toBeNull();
      expect(entry.notes.join(' ')).toMatch(/generic HTTP/);
      expect(Object.values(entry.capabilities).every((s) => s === Support.UNKNOWN)).toBe(true);
    }
    expect(field(ProviderId.GENERIC_HTTP, 'genericHttp')?.required).toBe(true);
  });

  it('describes 3S as its SOAP flow, with what is unconfirmed marked so', () => {
    const entry = catalogEntry(ProviderId.THREE_S);
    expect(entry.specStatus).toBe(SpecStatus.PARTIAL);
    expect(entry.defaultApiBaseUrl).toBe('https://platformy2.3s.pl/userpanel_webservices.php/mvnoservices');
    for (const name of ['login', 'password', 'senderName'] as const) expect(field(entry.id, name)?.required).toBe(true);
    expect(field(entry.id, 'genericHttp')?.required).toBe(false);
    // Only a third-party client shows the flow: nothing is claimed as confirmed.
    expect(Object.values(entry.capabilities).every((s) => s === Support.UNKNOWN)).toBe(true);
    const notes = entry.notes.join(' ');
    expect(notes).toMatch(/INFERRED .*yii2-adescom/);
    expect(notes).toMatch(/UNVERIFIED: the SOAP namespace/);
  });

  it('gives every entry with inbound push a webhook path under /panel/tickets/incoming/', () => {
    const pushing = entries.filter((e) => e.capabilities.inboundPush === Support.YES);
    expect(pushing.map((e) => e.id)).toEqual(
      expect.arrayContaining([ProviderId.SMSAPI, ProviderId.SERWERSMS, ProviderId.DOTPAY]),
    );
    for (const entry of pushing) {
      expect(entry.webhookPath, entry.id).toMatch(/^\/panel\/tickets\/incoming\//);
    }
    for (const entry of entries) {
      if (entry.webhookPath !== null) {
        expect(entry.webhookPath).toBe(`/panel/tickets/incoming/${entry.id.toLowerCase()}`);
        expect(entry.capabilities.inboundPush, entry.id).not.toBe(Support.NO);
      }
      // A webhook token only makes sense where there is a webhook to protect.
      expect(
        entry.fields.some((f) => f.name === 'webhookToken'),
        entry.id,
      ).toBe(entry.webhookPath !== null);
    }
  });

  it('has valid, unique fields with labels and help in every entry', () => {
    for (const entry of entries) {
      const names = entry.fields.map((f) => f.name);
      expect(new Set(names).size, entry.id).toBe(names.length);
      for (const f of entry.fields) {
        expect(FIELD_NAMES, `${entry.id}.${f.name}`).toContain(f.name);
        expect(f.label.trim(), `${entry.id}.${f.name}`).not.toBe('');
        expect(f.help.trim(), `${entry.id}.${f.name}`).not.toBe('');
      }
      expect(field(entry.id, 'apiBaseUrl')?.required, entry.id).toBe(false);
    }
  });

  it('requires the destination number wherever inbound SMS are known to arrive', () => {
    for (const entry of entries) {
      const receives =
        entry.capabilities.inboundPush === Support.YES || entry.capabilities.inboundPolling === Support.YES;
      if (receives) expect(field(entry.id, 'destinationNumber')?.required, entry.id).toBe(true);
    }
  });

  it('has a default API base URL for every provider except the generic ones', () => {
    const generic = new Set<ProviderId>([ProviderId.GENERIC_HTTP, ProviderId.TIDE]);
    for (const entry of entries) {
      if (generic.has(entry.id)) {
        expect(entry.defaultApiBaseUrl, entry.id).toBeNull();
      } else {
        expect(entry.defaultApiBaseUrl, entry.id).toMatch(/^https:\/\/[^/]+/);
      }
    }
  });

  it("says JustSend's own sender name needs the dynamic-SMS service", () => {
    expect(field(ProviderId.JUSTSEND, 'senderName')?.help).toMatch(/dynamic-SMS|dynamic SMS|SMS dynamiczny/i);
  });

  it('keeps notes short and present, and prefixes sensible', () => {
    for (const entry of entries) {
      expect(entry.notes.length, entry.id).toBeGreaterThanOrEqual(2);
      expect(entry.notes.length, entry.id).toBeLessThanOrEqual(6);
      for (const note of entry.notes) expect(note.length, note).toBeLessThanOrEqual(200);
      for (const prefix of entry.defaultPrefixesToRemove) expect(prefix, entry.id).toMatch(/^\+?\d+$/);
      // A prefix must not be shadowed by a shorter one listed before it.
      entry.defaultPrefixesToRemove.forEach((p, i) => {
        for (const earlier of entry.defaultPrefixesToRemove.slice(0, i)) {
          expect(p.startsWith(earlier), `${entry.id}: ${earlier} before ${p}`).toBe(false);
        }
      });
    }
  });

  it('claims no more than the specs confirm, operation by operation', () => {
    const ops: Op[] = ['send', 'test', 'inboundPush', 'inboundPolling', 'deliveryReports', 'mms'];
    for (const entry of entries) {
      const confirmed = CONFIRMED[entry.id];
      expect(Object.keys(entry.capabilities).sort(), entry.id).toEqual([...ops].sort());
      for (const op of ops)
        expect(entry.capabilities[op], `${entry.id}.${op} (${confirmed.source})`).toBe(confirmed[op]);
    }
  });

  it('says in the notes why a known operation is UNKNOWN, and TeleCube does not claim to send', () => {
    expect(catalogEntry(ProviderId.TELECUBE).capabilities.send).toBe(Support.UNKNOWN);
    expect(catalogEntry(ProviderId.TELECUBE).notes.join(' ')).toMatch(/PLACEHOLDER/);
    expect(catalogEntry(ProviderId.JUSTSEND).notes.join(' ')).toMatch(/justsend\.io\/api/);
    expect(catalogEntry(ProviderId.JUSTSEND).defaultApiBaseUrl).toBe('https://justsend.pl/api/rest');
    expect(field(ProviderId.JUSTSEND, 'apiBaseUrl')).toBeDefined();
  });

  it('is frozen so callers cannot change it by accident', () => {
    expect(Object.isFrozen(PROVIDER_CATALOG)).toBe(true);
    expect(Object.isFrozen(catalogEntry(ProviderId.SMSAPI).defaultPrefixesToRemove)).toBe(true);
    expect(Object.isFrozen(catalogEntry(ProviderId.SMSAPI).fields[0])).toBe(true);
  });
});

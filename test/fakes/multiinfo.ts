import { ProviderId } from '../../src/modules/providers/catalog.types';
import { FakeServer, nextId, pem, type Answer, type Recorded } from './base';
import { mailbox, type FakeEntry } from './entry';

/**
 * Fake Plus MultiInfo (shared/providers/multiinfo.md, all INFERRED): HTTPS that demands a client
 * certificate signed by the test CA (handshakes without one fail), the certificate CN must equal the
 * login (-85), login/password (-1), serviceId (-24), sender activated for the user (-14). Scripts at
 * the host root (legacy) and under /Api61/, by GET query, POST form or POST with a query string,
 * parameter names case-insensitive. Plain-text lines, HTTP 200 for business errors.
 */
export interface MultiInfoSent {
  ids: number[];
  dest: string;
  text: string;
  orig?: string;
  advancedEncoding: boolean;
  /** Per-part status (3 = waiting for delivery confirmation) and API 6.1 substatus. */
  status: number;
  substatus: number;
}

export class FakeMultiInfo extends FakeServer {
  login = 'smsdesk-test'; // = CN of test/fixtures/certs/client.pem
  password = 'mi-secret';
  serviceId = 24138;
  senders = new Set(['ACME']);
  readonly sent: MultiInfoSent[] = [];

  constructor(opts: { rejectUnauthorized?: boolean } = {}) {
    super({ requestClientCert: true, rejectUnauthorized: opts.rejectUnauthorized ?? true });
  }

  private lines(...l: (string | number)[]): Answer {
    return { status: 200, body: l.join('\r\n') + '\r\n', contentType: 'text/plain; charset=utf-8' };
  }

  protected handle(r: Recorded): Answer | Promise<Answer> {
    const api61 = /^\/api61\//i.test(r.path);
    const script = r.path.replace(/^\/api61/i, '').toLowerCase();
    const f: Record<string, string> = {};
    for (const [k, v] of Object.entries(r.fields)) f[k.toLowerCase()] = v;
    if (!r.clientCn) return this.lines(-80, 'Brak certyfikatu klienta');
    if (f.login !== this.login || f.password !== this.password) return this.lines(-1, 'Błąd logowania');
    if (r.clientCn !== f.login) return this.lines(-85, 'Certyfikat nie odpowiada użytkownikowi');

    if (script === '/sendsms.aspx' || script === '/sendsmslong.aspx') {
      if (Number(f.serviceid) !== this.serviceId)
        return this.lines(-24, 'Usługa o podanym identyfikatorze nie jest aktywna');
      if (f.orig && !this.senders.has(f.orig)) return this.lines(-14, 'Nie masz prawa ustawić takiego nadawcy');
      if (!/^[0-9]{9,15}$/.test(f.dest ?? '')) return this.lines(-14, 'Nieprawidłowa wartość parametru dest');
      const text = f.text ?? '';
      const long = script === '/sendsmslong.aspx';
      if ((!long && text.length > 160) || text.length > 1377)
        return this.lines(-14, 'Nieprawidłowa wartość parametru text');
      const perPart = f.advancedencoding === 'true' ? 67 : 153;
      const parts =
        long && text.length > (f.advancedencoding === 'true' ? 70 : 160) ? Math.ceil(text.length / perPart) : 1;
      const ids = Array.from({ length: parts }, () => 8_800_000 + nextId());
      this.sent.push({
        ids,
        dest: f.dest,
        text,
        orig: f.orig,
        advancedEncoding: f.advancedencoding === 'true',
        status: 3,
        substatus: 0,
      });
      return this.lines(0, ...ids);
    }
    if (script === '/infosms.aspx') {
      const id = Number(f.smsid);
      const m = this.sent.find((s) => s.ids.includes(id));
      if (!m) return this.lines(-31, 'Nieprawidłowa wartość identyfikatora wiadomości');
      const info = [
        id,
        1,
        m.text,
        0,
        m.advancedEncoding ? 8 : 0,
        this.serviceId,
        1,
        -1,
        1,
        api61 ? '20261124120001' : '241126120001',
        '',
        'True',
        m.orig ?? '',
        m.dest,
        m.status,
      ];
      return this.lines(0, ...info, ...(api61 ? [m.substatus, '2026-11-24 12:00:09'] : ['2026-11-24 12:00:09']));
    }
    return { status: 404, body: 'Not Found' };
  }

  setStatus(firstId: string, status: number, substatus = 0): void {
    const m = this.sent.find((s) => s.ids.includes(Number(firstId.split(',')[0])));
    if (!m) throw new Error(`no MultiInfo message ${firstId}`);
    m.status = status;
    m.substatus = substatus;
  }
}

export const multiinfoFake: FakeEntry<FakeMultiInfo> = {
  provider: ProviderId.MULTIINFO,
  create: () => new FakeMultiInfo(),
  mailbox: (f) =>
    mailbox(ProviderId.MULTIINFO, {
      baseUrl: `${f.url}/Api61`,
      login: f.login,
      password: f.password,
      serviceId: f.serviceId,
      senderName: 'ACME',
      certificatePem: pem('client-bundle.pem'),
    }),
  badAuth: (f) =>
    mailbox(ProviderId.MULTIINFO, {
      baseUrl: `${f.url}/Api61`,
      login: f.login,
      password: 'wrong',
      serviceId: f.serviceId,
      certificatePem: pem('client-bundle.pem'),
    }),
  gatewayInput: (f) => ({
    name: 'MultiInfo',
    provider: 'MULTIINFO',
    login: f.login,
    password: f.password,
    serviceId: f.serviceId,
    host: 'api1.multiinfo.plus.pl',
    certificatePem: pem('client-bundle.pem'),
    senderName: 'ACME',
    apiBaseUrl: `${f.url}/Api61`,
  }),
  checkRequest: (f, s, expect) => {
    const r = f.calls('/sendsms.aspx').at(-1)!;
    expect(r.path).toBe('/Api61/sendsms.aspx');
    expect(r.clientCn).toBe('smsdesk-test');
    expect(r.fields).toMatchObject({
      login: f.login,
      password: f.password,
      serviceId: String(f.serviceId),
      dest: '48500600700',
      text: s.text,
      orig: 'ACME',
      advancedEncoding: 'true',
      delivNotifRequest: 'true',
    });
  },
  sentCount: (f) => f.sent.length,
  returnsMessageId: true,
  verifies: true,
};

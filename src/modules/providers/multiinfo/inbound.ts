import type { Mailbox } from '../adapter';
import {
  ProviderPollError,
  warsawTime,
  type InboundAdapter,
  type InboundSms,
  type PollBatch,
  type PolledSms,
} from '../adapter-inbound';
import { ProviderFailure } from '../adapter-outbound';
import { httpCall, providerSaid, type HttpOptions } from '../outbound-http';
import { clientCert, parseLines, SPEC } from './outbound';

/**
 * Plus MultiInfo inbound, in one place (spec: shared/providers/multiinfo.md, all INFERRED from several
 * consistent third-party clients). No push exists: `getsms.aspx` long-polls the oldest waiting message
 * (one per call; `0` then `-1` when empty), and with `manualconfirm=true` the message stays pending until
 * `confirmsms.aspx` (re-offered after about 9 minutes otherwise). We confirm only after our commit, so a
 * crash in between re-delivers and the message id makes the re-delivery a duplicate.
 * Line layout after the `0` line: 0 id, 1 sender, 2 recipient, 3 content type (1 text, 2 binary),
 * 4 content (form-URL-encoded), 5 protocol id, 6 coding scheme, 7 service id, 8 connector id, 9 received at
 * (`yyyyMMddHHmmss` under /Api61/, `ddMMyyHHmmss` at the legacy root; Europe/Warsaw).
 */
export const MULTIINFO_INBOUND = {
  getsms: '/getsms.aspx',
  confirmsms: '/confirmsms.aspx',
  line: { id: 0, from: 1, to: 2, contentType: 3, content: 4, receivedAt: 9 },
  emptyMarker: '-1',
  binaryContentType: '2',
  /** Messages fetched per job run before the job yields (the next run follows at once). */
  maxPerRun: 50,
  /**
   * Least time between two getsms runs when the queue was empty: a long poll that held this long is
   * followed at once; a server that answers at once (ignoring `timeout`) is not hammered.
   */
  intervalMs: 1_000,
  /** Codes that mean the configuration is wrong (login, service, certificate), not that MultiInfo is down. */
  configErrorCodes: [-1, -14, -23, -24, -80, -81, -82, -83, -84, -85, -86],
} as const;

const L = MULTIINFO_INBOUND.line;

/** `yyyyMMddHHmmss` (API 6.1) or `ddMMyyHHmmss` (legacy), Warsaw time. */
function receivedAt(text: string | undefined): Date | undefined {
  const s = text?.trim() ?? '';
  if (/^\d{14}$/.test(s))
    return warsawTime(
      +s.slice(0, 4),
      +s.slice(4, 6),
      +s.slice(6, 8),
      +s.slice(8, 10),
      +s.slice(10, 12),
      +s.slice(12, 14),
    );
  if (/^\d{12}$/.test(s))
    return warsawTime(
      2000 + +s.slice(4, 6),
      +s.slice(2, 4),
      +s.slice(0, 2),
      +s.slice(6, 8),
      +s.slice(8, 10),
      +s.slice(10, 12),
    );
  return undefined;
}

function formDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

export type GetsmsResult =
  | { kind: 'empty' }
  | { kind: 'error'; code: number; text: string }
  | { kind: 'message'; smsId: string; sms: InboundSms };

/** One getsms answer (exported for unit tests). */
export function parseGetsms(body: string): GetsmsResult {
  const lines = body.replace(/\r\n/g, '\n').replace(/\n+$/, '').split('\n');
  const code = Number(lines[0]?.trim());
  if (!Number.isInteger(code) || code < 0)
    return {
      kind: 'error',
      code: Number.isInteger(code) ? code : NaN,
      text: providerSaid(lines.slice(1).join(' ')) || `an answer of ${Buffer.byteLength(body)} bytes`,
    };
  const data = lines.slice(1);
  if (!data.length || data[0].trim() === MULTIINFO_INBOUND.emptyMarker) return { kind: 'empty' };
  const id = data[L.id].trim();
  const binary = data[L.contentType]?.trim() === MULTIINFO_INBOUND.binaryContentType;
  const content = data[L.content] ?? '';
  return {
    kind: 'message',
    smsId: id,
    sms: {
      kind: 'SMS',
      from: data[L.from]?.trim() ?? '',
      to: data[L.to]?.trim() || undefined,
      // A binary message (hex header + data) is kept as sent: there is no text to read.
      text: binary ? `[binary] ${content}` : formDecode(content),
      providerMessageId: id,
      providerTimestamp: receivedAt(data[L.receivedAt]),
    },
  };
}

async function call(
  m: Mailbox,
  script: string,
  fields: Record<string, string | number | undefined>,
  http: HttpOptions,
): Promise<string> {
  if (!m.baseUrl)
    throw new ProviderPollError('the MultiInfo mailbox has neither an API host nor an API base URL', false);
  let cert: { cert: string; key: string };
  try {
    cert = clientCert(m);
  } catch (e) {
    throw new ProviderPollError((e as Error).message, false);
  }
  try {
    const res = await httpCall(
      {
        provider: 'MultiInfo',
        method: 'POST',
        url: m.baseUrl + script,
        form: { login: m.login, password: m.password, ...fields },
        clientCert: cert,
        tlsMaxVersion: SPEC.tlsMaxVersion,
      },
      http,
    );
    if (res.status !== 200) throw new ProviderPollError(`MultiInfo answered HTTP ${res.status}`);
    return res.text;
  } catch (e) {
    if (e instanceof ProviderFailure) throw new ProviderPollError(e.reason, e.kind !== 'permanent');
    throw e;
  }
}

function codeError(code: number, text: string): ProviderPollError {
  return new ProviderPollError(
    `MultiInfo error ${code}${text ? `: ${text}` : ''}`,
    !(MULTIINFO_INBOUND.configErrorCodes as readonly number[]).includes(code),
  );
}

/** Inbound half of the MultiInfo adapter: getsms long polls, confirmsms after our commit. */
export const inbound: InboundAdapter = {
  poller: {
    intervalMs: MULTIINFO_INBOUND.intervalMs,
    async poll(m, opts): Promise<PollBatch> {
      const http: HttpOptions = {
        timeoutMs: opts.waitMs + 15_000,
        extraCa: opts.extraCa,
        signal: opts.signal,
        allowPrivateAddresses: opts.allowPrivateAddresses,
      };
      const messages: PolledSms[] = [];
      for (let i = 0; i < MULTIINFO_INBOUND.maxPerRun; i++) {
        // Wait only while nothing came yet: with messages in hand, store them first.
        const wait = messages.length ? 0 : opts.waitMs;
        const r = parseGetsms(
          await call(
            m,
            MULTIINFO_INBOUND.getsms,
            { serviceId: m.serviceId, timeout: wait, manualconfirm: 'true' },
            http,
          ),
        );
        if (r.kind === 'error') throw codeError(r.code, r.text);
        if (r.kind === 'empty') return { messages, more: false };
        messages.push({
          ...r.sms,
          ack: async () => {
            const text = await call(
              m,
              MULTIINFO_INBOUND.confirmsms,
              { smsId: r.smsId },
              { ...http, timeoutMs: 15_000 },
            );
            let c: { code: number; lines: string[] };
            try {
              c = parseLines(text);
            } catch {
              throw new ProviderPollError(`MultiInfo answered confirmsms with something else than its line format`);
            }
            // -31: unknown id, i.e. already confirmed (e.g. by an earlier run that died after confirming).
            if (c.code < 0 && c.code !== -31) throw codeError(c.code, c.lines.join(' '));
          },
        });
        if (opts.signal?.aborted) break;
      }
      return { messages, more: true };
    },
  },
};

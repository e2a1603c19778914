import type { Mailbox } from '../adapter';
import {
  ProviderPollError,
  warsawDate,
  warsawDateTime,
  type InboundAdapter,
  type PollBatch,
  type PolledSms,
  type PollOptions,
} from '../adapter-inbound';
import { ProviderFailure } from '../adapter-outbound';
import { httpCall, providerSaid, type HttpResponse } from '../outbound-http';

/**
 * JustSend inbound, in one place (spec: shared/providers/justsend.md). No push format exists in any
 * source, so replies are polled: `GET /v2/report/response/messages/{prefix}/{from}/{to}` with dates
 * `yyyy-MM-dd` and the `App-Key` header, answering the usual envelope with `data` = a list of
 * `{prefix, msisdn, message, createDate}` (DOCUMENTED, official client). The optional `la` (the number
 * the SMS went to) is INFERRED from the panel variant; `createDate`'s format is UNVERIFIED, so it goes into
 * the dedupe hash exactly as sent. Replies belong to a prefix (keyword); the mailbox's `login` holds it.
 * The items carry no id: the same reply is recognised by (mailbox, sender, text, createDate).
 */
export const JUSTSEND_INBOUND = {
  path: (prefix: string, from: string, to: string) =>
    `/v2/report/response/messages/${encodeURIComponent(prefix)}/${from}/${to}`,
  item: { from: 'msisdn', text: 'message', date: 'createDate', to: 'la' },
  intervalMs: 30_000,
  /** errorId values that mean the configuration is wrong, not that JustSend is down (DOCUMENTED codes). */
  configErrorIds: [101, 102, 103, 104, 105],
} as const;

interface Envelope {
  responseCode?: string;
  errorId?: number;
  message?: string;
  data?: unknown;
}

async function fetchReplies(
  m: Mailbox,
  from: string,
  to: string,
  opts: PollOptions,
): Promise<Record<string, unknown>[]> {
  if (!m.baseUrl) throw new ProviderPollError('no API base URL', false);
  if (!m.login) throw new ProviderPollError('the mailbox has no reply prefix (keyword) in its login field', false);
  let res: HttpResponse;
  try {
    res = await httpCall(
      {
        provider: 'JustSend',
        method: 'GET',
        url: m.baseUrl + JUSTSEND_INBOUND.path(m.login, from, to),
        headers: { 'App-Key': m.password ?? '', 'content-type': 'application/json' },
      },
      {
        timeoutMs: 30_000,
        extraCa: opts.extraCa,
        signal: opts.signal,
        allowPrivateAddresses: opts.allowPrivateAddresses,
      },
    );
  } catch (e) {
    if (e instanceof ProviderFailure)
      throw new ProviderPollError(`JustSend unreachable: ${e.reason}`, e.kind !== 'permanent');
    throw e;
  }
  if (res.status < 200 || res.status > 299) throw new ProviderPollError(`JustSend answered HTTP ${res.status}`);
  const env = res.json<Envelope>();
  if (env === undefined) throw new ProviderPollError('JustSend answered something that is not JSON');
  if (env?.errorId) {
    throw new ProviderPollError(
      `JustSend error ${env.errorId} ${env.responseCode ?? ''}: ${providerSaid(env.message ?? '')}`.trim(),
      !(JUSTSEND_INBOUND.configErrorIds as readonly number[]).includes(env.errorId),
    );
  }
  return Array.isArray(env.data) ? (env.data as Record<string, unknown>[]) : [];
}

/** One reply of the list as a neutral message (exported for unit tests). */
export function replyItem(item: Record<string, unknown>): PolledSms | null {
  const I = JUSTSEND_INBOUND.item;
  const from = item[I.from];
  if (typeof from !== 'string' && typeof from !== 'number') return null;
  const date = typeof item[I.date] === 'string' ? (item[I.date] as string) : undefined;
  const to = item[I.to];
  return {
    kind: 'SMS',
    from: String(from),
    to: typeof to === 'string' || typeof to === 'number' ? String(to) : undefined,
    text: typeof item[I.text] === 'string' ? (item[I.text] as string) : '',
    providerTimestamp: warsawDateTime(date),
    dedupeMaterial: date ?? JSON.stringify(item),
  };
}

/** Inbound half of the JustSend adapter: polling the replies to the mailbox's prefix. */
export const inbound: InboundAdapter = {
  poller: {
    intervalMs: JUSTSEND_INBOUND.intervalMs,
    async poll(m, opts): Promise<PollBatch> {
      // The cursor is the first day that may still get replies: the day of the last successful poll, so a
      // poll after midnight still reads the end of yesterday.
      const today = warsawDate(opts.now);
      const from = opts.cursor && /^\d{4}-\d{2}-\d{2}$/.test(opts.cursor) && opts.cursor <= today ? opts.cursor : today;
      const items = await fetchReplies(m, from, today, opts);
      const messages = items.map(replyItem).filter((x): x is PolledSms => x !== null);
      return { messages, nextCursor: today, more: false };
    },
  },
};

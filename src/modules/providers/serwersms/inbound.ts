import type { Mailbox } from '../adapter';
import {
  field,
  ProviderPollError,
  warsawDateTime,
  warsawDateTimeText,
  type InboundAdapter,
  type InboundFile,
  type ParseResult,
  type PollBatch,
  type PolledSms,
  type PollOptions,
  type WebhookRequest,
} from '../adapter-inbound';
import { ProviderFailure } from '../adapter-outbound';
import { httpCall, providerSaid, type HttpResponse } from '../outbound-http';

/**
 * SerwerSMS inbound facts and our choices, in one place (spec: shared/providers/serwersms.md).
 *
 * Push: SerwerSMS calls a URL *template* the admin types into its panel, with `#…#` placeholders that
 * SerwerSMS fills in with URL-encoded values (GET). Two placeholder conventions exist: for messages to
 * numbers (ND/NDI) `#NUMER#` (sender), `#WIADOMOSC#`, `#DATA#`, `#ID#` (INFERRED: dev.serwersms.pl "nat"
 * page and a live third-party integration's `?wiadomosc=#WIADOMOSC#&numer=#NUMER#&data=#DATA#&id=#ID#`;
 * serwersms.md, Update 2026-12-05), and for Premium SMS `#NUMEROD#`, `#IDSMS#` (DOCUMENTED, Premium only).
 * The template we show uses the ND/NDI names; the parser also reads a template pasted with the Premium
 * names and the parameter names of either (`tresc`, `z_numeru`, `idsms`). SerwerSMS is not known to send
 * our own number, so the template carries it as a fixed parameter (INFERRED, Open question 2). The
 * parameter names are ours (the template is ours). The `OK` answer in text/plain is DOCUMENTED (Premium);
 * the refusal answer is our choice (no source).
 *
 * Pull: `POST messages/recived` (sic) with `type`, `ndi`, `date_from`, paging, answer `items[]` with `id`,
 * `type`, `phone`, `recived`, `text`, `message_id` (ECO+ replies: our outgoing message answered), MMS
 * `to_number`, `title`, `attachments[]`: DOCUMENTED. `ndi` keeps only messages that hit that NDI number
 * (DOCUMENTED), so it filters out ECO+ replies and ND messages: a poll asks for everything that hit the
 * mailbox's number, then for every ECO+ reply and ND message of the account, which name no number of ours
 * (an account with several mailboxes sees those in each). Premium (`pre`) is another service. The date
 * format of `date_from` is not stated; we send `YYYY-MM-DD HH:MM:SS` like the reports page (INFERRED). We
 * never send `read=true`: it would mark messages read before our commit, and a crash in between would
 * lose them.
 *
 * A mailbox may get one message both ways (push, and the poller's safety net). Whether the push's #ID#
 * equals the pull's `id` is not documented, so both also deduplicate by (sender, text, receive time),
 * which both channels carry (`dedupeByContent`).
 */
export const SERWERSMS_INBOUND = {
  template: {
    ourNumber: 'ournumber',
    token: 'token',
    /** Shown to the admin, in this order, after the fixed parameters. */
    from: { param: 'numer', placeholder: '#NUMER#' },
    text: { param: 'wiadomosc', placeholder: '#WIADOMOSC#' },
    date: { param: 'data', placeholder: '#DATA#' },
    id: { param: 'id', placeholder: '#ID#' },
  },
  /** Every parameter name each value is read from (ours and the Premium example's), first found wins. */
  accepted: {
    from: ['numer', 'z_numeru'],
    text: ['wiadomosc', 'tresc'],
    date: ['data'],
    id: ['id', 'idsms'],
  },
  acceptedBody: 'OK',
  refused: { status: 403, body: 'ERROR' },
  pull: {
    action: 'messages/recived',
    pageSize: 100,
    /**
     * The queries of one poll: everything that hit the mailbox's number (NDI SMS and MMS; `type` left empty
     * means all kinds), then the kinds that name no number of ours.
     */
    queries: [{ ndi: true }, { type: 'eco', ndi: false }, { type: 'nd', ndi: false }] as {
      type?: string;
      ndi: boolean;
    }[],
    /** Each poll re-reads this much before the previous one: late-filed messages are not skipped; ids dedupe. */
    overlapMs: 10 * 60_000,
    /** On the first poll of a mailbox, look back this far. */
    firstLookBackMs: 60 * 60_000,
    intervalMs: 15_000,
    /** Error codes that mean the configuration is wrong, not that SerwerSMS is down (DOCUMENTED codes). */
    configErrorCodes: [1001, 1002, 1003, 1005, 1007, 1008],
  },
} as const;

const T = SERWERSMS_INBOUND.template;

const A = SERWERSMS_INBOUND.accepted;

/** A bare `#NAME#`: a placeholder SerwerSMS does not fill for this kind of message (either convention). */
const UNFILLED = /^#[A-Z]+#$/;

function filled(fields: Record<string, string>, names: readonly string[]): string | undefined {
  const v = field(fields, ...names);
  return v === undefined || UNFILLED.test(v) ? undefined : v;
}

function parsePush(req: WebhookRequest): ParseResult {
  const f = req.fields;
  const to = field(f, T.ourNumber);
  // A "+" SerwerSMS might leave unencoded arrives as a space (INFERRED: the ND/NDI number format is unknown).
  const from = filled(f, A.from)?.replace(/^ (?=[0-9])/, '+');
  // Text may be empty, so it is read directly; only the bare placeholder means "not filled".
  const textParam = A.text.find((n) => f[n] !== undefined);
  const text = textParam === undefined || UNFILLED.test(f[textParam]) ? undefined : f[textParam];
  const missing = [!to && T.ourNumber, !from && T.from.param, text === undefined && T.text.param].filter(Boolean);
  if (missing.length)
    return { ok: false, reason: `missing ${missing.join(', ')} (is the URL template pasted as shown by smsdesk?)` };
  return {
    ok: true,
    messages: [
      {
        kind: 'SMS',
        from: from!,
        to: to!,
        text: text!,
        providerMessageId: filled(f, A.id),
        providerTimestamp: warsawDateTime(filled(f, A.date)),
        dedupeByContent: true,
      },
    ],
  };
}

/**
 * The URL template to paste into the SerwerSMS panel: our number written in as a fixed value (digits,
 * no "+", which a URL would turn into a space), the placeholders for the rest, and the token parameter
 * when the mailbox has a token (its value is write-only, so the admin types it in).
 */
export function serwersmsTemplateUrl(
  webhookUrl: string,
  destinationE164: string | undefined,
  token: string | undefined,
): string {
  const ours = destinationE164 ? destinationE164.replace(/^\+/, '') : 'YOUR_NUMBER';
  // Fixed values first: should SerwerSMS leave a placeholder unfilled, its "#" starts a URL fragment and
  // everything after it is lost, so the token and our number must come before any placeholder; the ones
  // most likely to be filled (sender, text) come next.
  const parts = [`${T.ourNumber}=${ours}`];
  if (token) parts.push(`${T.token}=${encodeURIComponent(token)}`);
  parts.push(
    `${T.from.param}=${T.from.placeholder}`,
    `${T.text.param}=${T.text.placeholder}`,
    `${T.date.param}=${T.date.placeholder}`,
    `${T.id.param}=${T.id.placeholder}`,
  );
  return `${webhookUrl}?${parts.join('&')}`;
}

// ---- Pull (messages/recived) ----

interface PullItem {
  id?: number | string;
  type?: string;
  phone?: string;
  recived?: string;
  text?: string;
  message_id?: number | string;
  to_number?: string;
  title?: string;
  attachments?: { id?: number | string; name?: string; content_type?: string; data?: string }[];
}

function authFields(m: Mailbox): { headers: Record<string, string>; body: Record<string, unknown> } {
  // The catalog: an empty login means the password field holds an API token (Bearer).
  if (!m.login) return { headers: { authorization: `Bearer ${m.password ?? ''}` }, body: {} };
  return { headers: {}, body: { username: m.login, password: m.password } };
}

async function pull(m: Mailbox, body: Record<string, unknown>, opts: PollOptions): Promise<{ items: PullItem[] }> {
  if (!m.baseUrl) throw new ProviderPollError('no API base URL', false);
  const auth = authFields(m);
  let res: HttpResponse;
  try {
    res = await httpCall(
      {
        provider: 'SerwerSMS',
        method: 'POST',
        url: `${m.baseUrl}/${SERWERSMS_INBOUND.pull.action}`,
        headers: auth.headers,
        json: { ...auth.body, ...body },
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
      throw new ProviderPollError(`SerwerSMS unreachable: ${e.reason}`, e.kind !== 'permanent');
    throw e;
  }
  const text = res.text;
  if (res.status < 200 || res.status > 299) throw new ProviderPollError(`SerwerSMS answered HTTP ${res.status}`);
  let json: { error?: { code?: number; message?: string }; items?: PullItem[] };
  try {
    json = JSON.parse(text);
  } catch {
    throw new ProviderPollError('SerwerSMS answered something that is not JSON');
  }
  if (json.error) {
    const code = Number(json.error.code);
    throw new ProviderPollError(
      `SerwerSMS error ${code}: ${providerSaid(json.error.message ?? '')}`.trim(),
      !(SERWERSMS_INBOUND.pull.configErrorCodes as readonly number[]).includes(code),
    );
  }
  return { items: Array.isArray(json.items) ? json.items : [] };
}

function attachmentsOf(item: PullItem): InboundFile[] {
  return (item.attachments ?? []).map((a, i) => {
    const data = Buffer.from(a.data ?? '', 'base64');
    return {
      field: `attachment${i + 1}`,
      filename: a.name,
      contentType: a.content_type || 'application/octet-stream',
      data,
      truncated: false,
      size: data.length,
    };
  });
}

/** One item of the pull answer as a neutral message (exported for unit tests). */
export function pulledItem(item: PullItem): PolledSms | null {
  if (!item.phone || item.id === undefined) return null;
  const mms = item.type === 'mms';
  return {
    kind: mms ? 'MMS' : 'SMS',
    from: String(item.phone),
    to: item.to_number || undefined,
    text: item.text ?? '',
    subject: mms ? item.title || undefined : undefined,
    providerMessageId: String(item.id),
    providerTimestamp: warsawDateTime(item.recived),
    dedupeByContent: true,
    repliesTo: item.message_id != null && item.message_id !== '' ? String(item.message_id) : undefined,
    attachments: mms ? attachmentsOf(item) : undefined,
  };
}

/** Inbound half of the SerwerSMS adapter: the URL-template push and the messages/recived poller. */
export const inbound: InboundAdapter = {
  webhook: {
    parse: parsePush,
    accepted: () => ({ status: 200, body: SERWERSMS_INBOUND.acceptedBody, contentType: 'text/plain' }),
    refused: { ...SERWERSMS_INBOUND.refused, contentType: 'text/plain' },
  },
  poller: {
    intervalMs: SERWERSMS_INBOUND.pull.intervalMs,
    async poll(m, opts): Promise<PollBatch> {
      const p = SERWERSMS_INBOUND.pull;
      const since = opts.cursor ? new Date(opts.cursor) : new Date(opts.now.getTime() - p.firstLookBackMs);
      const from = new Date(Math.max(0, since.getTime() - p.overlapMs));
      const messages: PolledSms[] = [];
      for (const q of p.queries) {
        for (let page = 1; page <= 50; page++) {
          const { items } = await pull(
            m,
            {
              ...(q.type ? { type: q.type } : {}),
              ...(q.ndi ? { ndi: m.destinationNumber } : {}),
              date_from: warsawDateTimeText(from),
              page,
              limit: p.pageSize,
              order: 'asc',
            },
            opts,
          );
          for (const item of items) {
            const sms = pulledItem(item);
            if (sms) messages.push(sms);
          }
          if (items.length < p.pageSize) break;
        }
      }
      // The next poll starts `overlapMs` before this one, so a message SerwerSMS files late (or stamps with a
      // clock a little behind ours) is still read; ids make the re-read harmless.
      const cursor = opts.now.toISOString();
      return { messages, nextCursor: cursor, more: false };
    },
  },
};

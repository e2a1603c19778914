import type { Mailbox } from '../adapter';
import { ProviderFailure, type OutboundAdapter, type OutboundSms, type VerifyResult } from '../adapter-outbound';
import { httpCall, providerSaid, statusFailure, unexpectedAnswer, type HttpResponse } from '../outbound-http';

/**
 * Outbound half of the generic HTTP adapter, also used by Tide and 3S (no public API spec). It sends
 * exactly what the mailbox's genericHttp settings describe: method, URL template, headers, body
 * template with {to} {text} {from} {id} {login} {password}, the success rule and the message-id path.
 */
export const SPEC = {
  // Unknown for any provider behind this adapter: 6 parts assumed.
  maxParts: 6,
} as const;

const PLACEHOLDER = /\{(to|text|from|id|login|password)\}/g;

type Encoder = (v: string) => string;

/** Fills a template; each value is encoded for where it lands (URL, form, JSON string, raw). */
export function fill(
  template: string,
  mb: Mailbox,
  sms: Pick<OutboundSms, 'to' | 'text' | 'idempotencyKey'>,
  enc: Encoder,
): string {
  const values: Record<string, string> = {
    to: sms.to, // E.164 with "+"
    text: sms.text,
    from: mb.senderName ?? '',
    id: sms.idempotencyKey,
    login: mb.login ?? '',
    password: mb.password ?? '',
  };
  return template.replace(PLACEHOLDER, (_m, k: string) => enc(values[k]));
}

const jsonString: Encoder = (v) => JSON.stringify(v).slice(1, -1);

/**
 * What a provider behind the generic settings said about a refusal: the first string in an error-like field
 * of its JSON answer (`message`, `error`…), sanitised and short; nothing from any other answer, whose content
 * can be anything (see statusFailure).
 */
export function refusalSaid(res: HttpResponse): string | undefined {
  const body = res.json<unknown>();
  if (!body || typeof body !== 'object' || Array.isArray(body)) return undefined;
  for (const [k, v] of Object.entries(body)) {
    if (typeof v === 'string' && /^(error|message|error_?message|description|reason|detail)s?$/i.test(k) && v.trim())
      return providerSaid(v, 100);
  }
  return undefined;
}

/** The value at a dot path ("data.0.id") of a JSON value. */
export function atPath(value: unknown, path: string): unknown {
  let cur = value;
  for (const key of path.split('.').filter(Boolean)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

export const outbound: OutboundAdapter = {
  sending: { supported: true },
  // {id} may serve as a key if the provider dedupes on it, but nothing tells us it does.
  idempotency: 'none',
  maxParts: SPEC.maxParts,
  maxPartsSource:
    'the provider behind the generic HTTP settings publishes no part limit; smsdesk assumes 6 parts (unknown)',
  senderProblem: (s) =>
    s && s.length > 11 ? `sender "${s}" is longer than the 11 characters an alphanumeric SMS sender can have` : null,

  async send(mb, sms, http) {
    const g = mb.genericHttp;
    if (!g)
      throw new ProviderFailure(
        'permanent',
        'config',
        'NO_SETTINGS',
        `mailbox "${mb.name}" has no generic HTTP settings`,
      );
    const contentType = g.contentType || 'application/x-www-form-urlencoded';
    const bodyEnc: Encoder = /json/i.test(contentType)
      ? jsonString
      : /x-www-form-urlencoded/i.test(contentType)
        ? encodeURIComponent
        : (v) => v;
    const url = fill(g.urlTemplate, mb, sms, encodeURIComponent);
    const headers = Object.fromEntries(g.headers.map((h) => [h.name.toLowerCase(), fill(h.value, mb, sms, (v) => v)]));
    const res = await httpCall(
      {
        provider: mb.name,
        method: g.method === 'GET' ? 'GET' : 'POST',
        url,
        headers,
        body:
          g.bodyTemplate && g.method !== 'GET'
            ? { text: fill(g.bodyTemplate, mb, sms, bodyEnc), contentType }
            : undefined,
      },
      http,
    );
    const statusOk = g.successStatus ? res.status === g.successStatus : res.status >= 200 && res.status < 300;
    const bodyOk = g.successBodyPattern ? new RegExp(g.successBodyPattern).test(res.text) : true;
    if (!statusOk || !bodyOk) {
      const f = res.status === 429 || res.status >= 500 ? statusFailure(mb.name, res.status) : null;
      if (f) throw f;
      const auth = res.status === 401 || res.status === 403;
      const said = refusalSaid(res);
      throw new ProviderFailure(
        'permanent',
        auth ? 'auth' : 'other',
        `HTTP ${res.status}`,
        `${mb.name}${auth ? ' refused the credentials and' : ''} did not confirm the message (${unexpectedAnswer(res)}${!bodyOk ? `, body does not match /${g.successBodyPattern}/` : ''})${said ? `: "${said}"` : ''}`,
      );
    }
    const id = g.messageIdPath ? atPath(res.json(), g.messageIdPath) : undefined;
    return { providerMessageId: typeof id === 'string' || typeof id === 'number' ? String(id) : undefined };
  },

  async verify(mb): Promise<VerifyResult> {
    return {
      checks: [
        {
          name: 'Settings',
          ok: !!mb.genericHttp,
          detail: mb.genericHttp
            ? `sends ${mb.genericHttp.method} ${mb.genericHttp.urlTemplate.replace(/\{password\}/g, '***')}`
            : 'no generic HTTP settings',
        },
        {
          name: 'Credentials',
          ok: false,
          detail:
            'not checked: a generic HTTP provider has no known call that checks credentials without sending; give a number to send a test SMS',
        },
      ],
    };
  },

  deliveryReports: 'none',
};

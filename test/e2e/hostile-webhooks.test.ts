import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, createQueue, ok } from '../support/api';
import { startTestApp, type TestApp } from '../support/app';
import { PROVIDER_CATALOG } from '../../src/modules/providers/catalog';
import { smsapiSms } from '../fakes/push/providers';
import { RAW_KEEP_CHARS } from '../../src/webhooks/event-log';

/*
 * Hostile input against every webhook route (inbound SMS of each provider, SMSAPI MMS, delivery reports):
 * random methods, query strings, content types, charsets, bodies, multipart parts and oversized fields.
 * Invariants: never a 5xx while the database is up, never a stack trace or path in the answer, nothing stored
 * from a request that was not accepted, and an inbound event (the log admins read) for each inbound request.
 */

let t: TestApp;
const TOKEN = 'wh-Very-Secret-Token-7781';
const OUR = '48732123456';
const INBOUND_ROUTES = Object.values(PROVIDER_CATALOG)
  .filter((e) => e.webhookPath)
  .map((e) => e.webhookPath!)
  .concat('/panel/tickets/incoming/smsapi/mms');
const DLR_ROUTES = Object.values(PROVIDER_CATALOG)
  .filter((e) => e.webhookPath)
  .map((e) => `${e.webhookPath}/dlr`);
/** Field names providers use, so random requests get past the first checks and into the parsers. */
const FIELD_NAMES = [
  'sms_to',
  'sms_from',
  'sms_text',
  'sms_date',
  'MsgId',
  'username',
  'from',
  'to',
  'text',
  'message',
  'tresc',
  'nadawca',
  'odbiorca',
  'id',
  'msgid',
  'MsgId[]',
  'sms_text[0]',
  '__proto__',
  'constructor',
  'status',
  'idx',
  'token',
  'phone',
  'date',
  'data',
];
const STACK = /\n\s+at \S|\bat \S+ \(|\.[jt]s:\d+|node_modules|\/work\/|"stack"|Error: .*\n/;

async function counts() {
  const [r] = await t.sql<{ messages: number; events: number; attachments: number; customers: number }>(
    `select (select count(*)::int from message) messages, (select count(*)::int from inbound_event) events,
            (select count(*)::int from attachment) attachments, (select count(*)::int from customer) customers`,
  );
  return r;
}

beforeAll(async () => {
  // Thousands of refused requests from one address: the per-address budget of refusals has its own tests below.
  t = await startTestApp({ WEBHOOK_REFUSALS_PER_IP: '1000000' });
  const admin = await t.login();
  const queueId = await createQueue(t, admin, 'Hostile');
  // Every pushing provider has an active mailbox on our number, guarded by a token the generators never produce:
  // whatever arrives is well past routing, but nothing may be stored.
  for (const e of Object.values(PROVIDER_CATALOG).filter((x) => x.webhookPath)) {
    const input: Record<string, unknown> = {
      name: `${e.id} box`,
      provider: e.id,
      destinationNumber: OUR,
      incomingActive: true,
      webhookToken: TOKEN,
      password: 'p4ss-word-xyz',
      login: 'login',
    };
    if (['GENERIC_HTTP', 'TIDE', 'THREE_S'].includes(e.id))
      input.genericHttp = { method: 'POST', urlTemplate: 'https://example.com/send?to={to}&text={text}' };
    const r = await t.gql(`mutation($i: GatewayInput!) { createGateway(input: $i) { id } }`, { i: input }, admin);
    if (r.errors) {
      // A provider that needs more settings: fall back to the minimal input, still with the token.
      await createGateway(t, admin, {
        name: `${e.id} box`,
        provider: e.id,
        destinationNumber: OUR,
        incomingActive: true,
        webhookToken: TOKEN,
        ...(input.genericHttp ? { genericHttp: input.genericHttp } : {}),
        serviceId: 1,
        host: 'api.example.com',
      }).catch(() => undefined);
    }
  }
  ok(
    await t.gql(
      `mutation($i: MessageRuleInput!) { createMessageRule(input: $i) { id } }`,
      { i: { name: 'all', position: 0, queueId } },
      admin,
    ),
  );
});
afterAll(() => t?.close());

/** A random string with the characters that break parsers: escapes, separators, quotes, controls, non-BMP. */
const nasty = (max = 40) =>
  fc.oneof(
    fc.string({ maxLength: max }),
    fc.string({ unit: 'grapheme', maxLength: max }),
    fc.string({
      unit: fc.constantFrom(
        '%',
        '&',
        '=',
        '+',
        ';',
        '"',
        "'",
        '\\',
        '\u0000',
        '\n',
        '\r',
        '\t',
        '[',
        ']',
        '{',
        '}',
        'ą',
        'ł',
        '😀',
        '\uFFFD',
        '%zz',
        '%C5',
        '%B3',
        '%',
        'a',
        '1',
        ' ',
      ),
      maxLength: max,
    }),
    fc.constantFrom(
      '',
      '48500600700',
      '+48500600700',
      OUR,
      `+${OUR}`,
      '0',
      '-1',
      'NaN',
      '1e999',
      'null',
      '[]',
      '{}',
      'true',
      '2024-13-45T99:99:99Z',
      '9999999999999999999999',
    ),
  );
const big = fc.integer({ min: 10_000, max: 300_000 }).map((n) => 'ż'.repeat(n));
const fieldName = fc.oneof(fc.constantFrom(...FIELD_NAMES), nasty(12));
const fields = fc.dictionary(fieldName, fc.oneof({ weight: 8, arbitrary: nasty() }, { weight: 1, arbitrary: big }), {
  maxKeys: 8,
});

/** A raw query string: sometimes well-formed, sometimes not (broken escapes, repeated keys, empty pairs). */
const queryString = fc.oneof(
  fields.map((f) =>
    new URLSearchParams(Object.entries(f).map(([k, v]): [string, string] => [k, v.slice(0, 2000)])).toString(),
  ),
  fc
    .array(fc.tuple(fieldName, nasty()), { maxLength: 6 })
    .map((pairs) => pairs.map(([k, v]) => `${encodeURIComponent(k)}=${v.replace(/[#\s]/g, '')}`).join('&')),
  fc.constant(''),
);

const charset = fc.constantFrom(
  '',
  '; charset=utf-8',
  '; charset=ISO-8859-2',
  '; charset=windows-1250',
  '; charset=bogus-42',
  '; charset="utf-16le"',
  '; charset=',
);

interface RawRequest {
  method: 'GET' | 'POST';
  path: string;
  query: string;
  contentType?: string;
  body?: Uint8Array | string;
}

function multipart(
  boundary: string,
  parts: { name: string; value: string; file?: { filename: string; type: string; size: number } }[],
  broken: boolean,
): string {
  const out: string[] = [];
  for (const p of parts) {
    out.push(`--${boundary}\r\n`);
    if (p.file) {
      out.push(
        `Content-Disposition: form-data; name="${p.name.replace(/["\r\n]/g, '')}"; filename="${p.file.filename.replace(/["\r\n]/g, '')}"\r\nContent-Type: ${p.file.type}\r\n\r\n`,
      );
      out.push('x'.repeat(p.file.size) + '\r\n');
    } else {
      out.push(`Content-Disposition: form-data; name="${p.name.replace(/["\r\n]/g, '')}"\r\n\r\n${p.value}\r\n`);
    }
  }
  if (!broken) out.push(`--${boundary}--\r\n`);
  return out.join('');
}

const body = fc.oneof(
  // JSON, valid or not
  fc
    .tuple(fc.jsonValue({ maxDepth: 3 }), charset)
    .map(([v, cs]) => ({ contentType: `application/json${cs}`, body: JSON.stringify(v) })),
  fc
    .tuple(fc.string({ maxLength: 200 }), charset)
    .map(([s, cs]) => ({ contentType: `application/json${cs}`, body: s })),
  fc.tuple(fields, charset).map(([f, cs]) => ({ contentType: `application/json${cs}`, body: JSON.stringify(f) })),
  // forms, well-formed or raw
  fc.tuple(fields, charset).map(([f, cs]) => ({
    contentType: `application/x-www-form-urlencoded${cs}`,
    body: new URLSearchParams(f).toString(),
  })),
  fc.tuple(queryString, charset).map(([q, cs]) => ({ contentType: `application/x-www-form-urlencoded${cs}`, body: q })),
  // raw bytes under any content type (or none)
  fc
    .tuple(
      fc.uint8Array({ maxLength: 2000 }),
      fc.constantFrom(
        undefined,
        'text/plain',
        'application/octet-stream',
        'text/xml',
        'application/xml',
        'image/png',
        'x/y',
        'application/json',
        'application/x-www-form-urlencoded',
        'multipart/form-data',
        'multipart/form-data; boundary=',
      ),
    )
    .map(([b, ct]) => ({ contentType: ct, body: b })),
  // multipart, sometimes truncated, with text parts and files (some over the 256 KiB field limit, some over
  // the 1 MiB file and 2 MiB MMS request limits)
  fc
    .tuple(
      fc.stringMatching(/^[A-Za-z0-9'()+_,-]{1,40}$/),
      fc.array(
        fc.record({
          name: fieldName,
          value: fc.oneof(
            { weight: 6, arbitrary: nasty(100) },
            { weight: 1, arbitrary: fc.constant('y'.repeat(300 * 1024)) },
            { weight: 1, arbitrary: fc.constant('w'.repeat(1100 * 1024)) },
          ),
          file: fc.option(
            fc.record({
              filename: nasty(20),
              type: fc.constantFrom('image/jpeg', 'text/plain', 'application/x-msdownload', '', 'a/b'),
              size: fc.oneof(
                { weight: 8, arbitrary: fc.integer({ min: 0, max: 64 * 1024 }) },
                { weight: 1, arbitrary: fc.integer({ min: 900 * 1024, max: 3 * 1024 * 1024 }) },
              ),
            }),
            { nil: undefined },
          ),
        }),
        { maxLength: 6 },
      ),
      fc.boolean(),
    )
    .map(([boundary, parts, broken]) => ({
      contentType: `multipart/form-data; boundary=${boundary}`,
      body: multipart(boundary, parts, broken),
    })),
);

const request: fc.Arbitrary<RawRequest> = fc.oneof(
  fc.record({
    method: fc.constant('GET' as const),
    path: fc.constantFrom(...INBOUND_ROUTES, ...DLR_ROUTES),
    query: queryString,
  }),
  fc
    .tuple(fc.constantFrom(...INBOUND_ROUTES, ...DLR_ROUTES), queryString, body)
    .map(([path, query, b]) => ({ method: 'POST' as const, path, query, ...b })),
);

async function send(r: RawRequest): Promise<{ status: number; text: string }> {
  const headers: Record<string, string> = {};
  if (r.contentType !== undefined) headers['content-type'] = r.contentType;
  const res = await fetch(`${t.url}${r.path}${r.query ? '?' + r.query : ''}`, {
    method: r.method,
    headers,
    body: r.method === 'POST' ? (r.body as string | Uint8Array<ArrayBuffer> | undefined) : undefined,
  });
  return { status: res.status, text: await res.text() };
}

describe('webhooks under random input', () => {
  it('never answer 5xx or a stack trace, store nothing, and log an inbound event for each inbound request', async () => {
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const before = await counts();
        const res = await send(r);
        expect(res.status, `${r.method} ${r.path} → ${res.status} ${res.text.slice(0, 200)}`).toBeLessThan(500);
        expect(res.text).not.toMatch(STACK);
        const after = await counts();
        // Nothing had the mailbox's token: nothing stored, whatever the answer.
        expect(after.messages).toBe(before.messages);
        expect(after.attachments).toBe(before.attachments);
        expect(after.customers).toBe(before.customers);
        // 431: Node's HTTP parser refuses a request line over 16 KiB before any of our code runs; nothing to log.
        if (INBOUND_ROUTES.includes(r.path) && res.status !== 431)
          expect(after.events, `${r.method} ${r.path} ${r.contentType} → ${res.status}`).toBe(before.events + 1);
      }),
      { numRuns: 250, seed: Number(process.env.FC_SEED) || undefined },
    );
  });

  it('refuse a body over 1 MiB with 413, and still log it', async () => {
    for (const [ct, b] of [
      ['application/x-www-form-urlencoded', `sms_text=${'a'.repeat(1024 * 1024 + 10)}`],
      ['application/json', JSON.stringify({ sms_text: 'b'.repeat(1024 * 1024 + 10) })],
      ['text/plain', 'c'.repeat(2 * 1024 * 1024)],
    ]) {
      const before = await counts();
      const res = await send({
        method: 'POST',
        path: '/panel/tickets/incoming/smsapi',
        query: `token=${TOKEN}`,
        contentType: ct,
        body: b,
      });
      expect(res.status).toBe(413);
      expect(res.text).not.toMatch(STACK);
      const after = await counts();
      expect(after.messages).toBe(before.messages);
      expect(after.events).toBe(before.events + 1);
    }
  });

  it('keep only the hash and start of a large refused request, and say so on replay', async () => {
    const text = 'ż'.repeat(100_000);
    const res = await send({
      method: 'POST',
      path: '/panel/tickets/incoming/smsapi',
      query: 'token=wrong',
      contentType: 'application/x-www-form-urlencoded',
      body: new URLSearchParams({ sms_to: OUR, sms_from: '48500600700', sms_text: text, MsgId: 'large-1' }).toString(),
    });
    expect(res.status).toBe(403);
    const [ev] = await t.sql(
      `select id, length(raw_sealed) as sealed, payload::text as payload from inbound_event order by id desc limit 1`,
    );
    // Sealed: base64 of at most RAW_KEEP_CHARS of the form plus its hash, not the 100,000 characters.
    expect(ev.sealed).toBeLessThan(4 * RAW_KEEP_CHARS);
    expect(ev.payload.length).toBeLessThan(4 * RAW_KEEP_CHARS);
    const admin = await t.login();
    const r = await t.gql(`mutation($id: ID!) { replayInboundEvent(id: $id) { id } }`, { id: String(ev.id) }, admin);
    expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(r.errors?.[0]?.message).toMatch(
      /only its first 8192 and its SHA-256 hash were kept, so it cannot be replayed/,
    );
  });

  it('keep multipart within limits: too many parts, a file over the size limit, a huge text field', async () => {
    const boundary = 'b0undary';
    const cases = [
      multipart(
        boundary,
        Array.from({ length: 300 }, (_, i) => ({ name: `f${i}`, value: 'v' })),
        false,
      ),
      multipart(
        boundary,
        Array.from({ length: 25 }, (_, i) => ({
          name: `file${i}`,
          value: '',
          file: { filename: `a${i}.jpg`, type: 'image/jpeg', size: 10 },
        })),
        false,
      ),
      multipart(boundary, [{ name: 'sms_text', value: 'z'.repeat(600 * 1024) }], false),
      multipart(
        boundary,
        [{ name: 'file', value: '', file: { filename: 'big.jpg', type: 'image/jpeg', size: 6 * 1024 * 1024 } }],
        false,
      ),
    ];
    for (const b of cases) {
      const before = await counts();
      const res = await send({
        method: 'POST',
        path: '/panel/tickets/incoming/smsapi/mms',
        query: '',
        contentType: `multipart/form-data; boundary=${boundary}`,
        body: b,
      });
      expect(res.status, res.text).toBeLessThan(500);
      expect(res.text).not.toMatch(STACK);
      const after = await counts();
      expect(after.messages).toBe(before.messages);
      expect(after.attachments).toBe(before.attachments);
      expect(after.events).toBe(before.events + 1);
    }
  });

  it('with the right token, store only what was accepted (random SMSAPI fields)', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          sms_to: fc.oneof(fc.constant(OUR), nasty(20)),
          sms_from: fc.oneof(fc.constant('48500600700'), nasty(20), fc.constant('9'.repeat(5000))),
          sms_text: fc.oneof(nasty(200), big, fc.constant('')),
          sms_date: fc.oneof(fc.constant(String(Math.floor(Date.now() / 1000))), nasty(12)),
          MsgId: fc.oneof(fc.constant(''), nasty(30), fc.constant('m'.repeat(10_000))),
        }),
        fc.constantFrom('application/x-www-form-urlencoded', 'application/json'),
        async (f, ct) => {
          const msgId = f.MsgId ? `${f.MsgId}-${++n}` : '';
          const fields = { ...f, MsgId: msgId };
          const before = await counts();
          const res = await send({
            method: 'POST',
            path: '/panel/tickets/incoming/smsapi',
            query: `token=${TOKEN}`,
            contentType: ct,
            body: ct.includes('json') ? JSON.stringify(fields) : new URLSearchParams(fields).toString(),
          });
          expect(res.status, res.text.slice(0, 200)).toBeLessThan(500);
          expect(res.text).not.toMatch(STACK);
          const after = await counts();
          expect(after.events).toBe(before.events + 1);
          const [ev] = await t.sql(`select outcome from inbound_event order by id desc limit 1`);
          if (ev.outcome === 'ACCEPTED') {
            expect(res.status).toBe(200);
            expect(after.messages).toBe(before.messages + 1);
          } else {
            expect(after.messages, `${ev.outcome}: ${res.status} ${res.text.slice(0, 100)}`).toBe(before.messages);
          }
        },
      ),
      { numRuns: 120, seed: Number(process.env.FC_SEED) || undefined },
    );
  });
});

describe('refused requests per client address', () => {
  let u: TestApp;
  beforeAll(async () => {
    u = await startTestApp({ WEBHOOK_REFUSALS_PER_IP: '5', WEBHOOK_REFUSAL_WINDOW_SECONDS: '60' });
    const admin = await u.login();
    await createGateway(u, admin, {
      name: 'SMSAPI',
      provider: 'SMSAPI',
      destinationNumber: OUR,
      incomingActive: true,
      webhookToken: TOKEN,
      password: 'p4ss-word-xyz',
      login: 'login',
    });
  });
  afterAll(() => u?.close());

  const events = async () => (await u.sql<{ n: number }>(`select count(*)::int as n from inbound_event`))[0].n;
  const messages = async () => (await u.sql<{ n: number }>(`select count(*)::int as n from message`))[0].n;

  it('answers 429 without logging once an address used up its refusals, while its accepted requests and other addresses go on', async () => {
    const attacker = { localAddress: '127.0.0.3' };
    const sms = (i: number) => ({ to: OUR, from: '48500600700', text: `forged ${i}`, msgId: `forged-${i}` });
    for (let i = 0; i < 5; i++)
      expect((await smsapiSms(u.url, sms(i), { ...attacker, token: 'wrong' })).status).toBe(403);
    expect(await events()).toBe(5);
    // Over the budget: refused at once, nothing written.
    const over = await smsapiSms(u.url, sms(5), { ...attacker, token: 'wrong' });
    expect(over.status).toBe(429);
    const malformed = await smsapiSms(u.url, { ...sms(6), to: '' }, attacker);
    expect(malformed.status).toBe(429);
    expect(await events()).toBe(5);
    // The same address with the right token is never held back.
    const right = await smsapiSms(u.url, { ...sms(7), text: 'a real reply' }, { ...attacker, token: TOKEN });
    expect(right).toMatchObject({ status: 200, body: 'OK' });
    expect(await messages()).toBe(1);
    // A burst at once from a fresh address: no more refusals are logged than its budget allows.
    const burst = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        smsapiSms(u.url, sms(100 + i), { localAddress: '127.0.0.8', token: 'wrong' }),
      ),
    );
    expect(burst.filter((r) => r.status === 403)).toHaveLength(5);
    expect(burst.filter((r) => r.status === 429)).toHaveLength(15);
    expect(await events()).toBe(11);
    // Another address still gets its refusals logged.
    const other = await smsapiSms(u.url, sms(8), { localAddress: '127.0.0.4', token: 'wrong' });
    expect(other.status).toBe(403);
    expect(await events()).toBe(12);
  });
});

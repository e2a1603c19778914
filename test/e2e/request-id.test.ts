import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import WebSocket from 'ws';
import { createClient } from 'graphql-ws';
import { TEST_WEBHOOK_TOKEN } from '../fakes/push/providers';
import { createGateway } from '../support/api';
import { startTestApp, type TestApp } from '../support/app';

/*
 * Every request has an id: the caller's X-Request-Id when it is a sane token, else one of ours. It comes back
 * in the X-Request-Id header of every answer, on the GraphQL errors (extensions.requestId) and on the log
 * lines of the request, so that a user quoting it leads an operator to the lines.
 */

let t: TestApp;
let admin: string;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

beforeAll(async () => {
  t = await startTestApp();
  admin = await t.login();
  await createGateway(t, admin, {
    name: 'SMSAPI',
    provider: 'SMSAPI',
    password: 'oauth-token-123',
    destinationNumber: '48732123456',
    incomingActive: true,
  });
});
afterAll(async () => {
  await t?.close();
});

/** The errors of a GraphQL answer. */
const errorsOf = async (r: Response) =>
  ((await r.json()) as { errors: { extensions: Record<string, unknown> }[] }).errors;
const get = (path: string, headers: Record<string, string> = {}) => fetch(`${t.url}${path}`, { headers });
const graphql = (query: string, headers: Record<string, string> = {}) =>
  fetch(`${t.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query }),
  });

describe('X-Request-Id', () => {
  it('keeps a sane id the caller sends and answers with it on every kind of route', async () => {
    const cases: [string, Promise<Response>][] = [
      ['healthz-1', get('/healthz', { 'x-request-id': 'healthz-1' })],
      ['metrics:2', get('/metrics', { 'x-request-id': 'metrics:2' })],
      ['gql.3', graphql('{ __typename }', { 'x-request-id': 'gql.3' })],
      [
        'hook_4',
        fetch(`${t.url}/panel/tickets/incoming/smsapi?token=${TEST_WEBHOOK_TOKEN}`, {
          method: 'POST',
          headers: { 'x-request-id': 'hook_4', 'content-type': 'application/x-www-form-urlencoded' },
          body: 'sms_to=48732123456&sms_from=48500600700&sms_text=Hi&MsgId=RID-4',
        }),
      ],
      ['nope-5', get('/no/such/route', { 'x-request-id': 'nope-5' })],
    ];
    for (const [id, answer] of cases) {
      const res = await answer;
      expect(res.headers.get('x-request-id'), id).toBe(id);
    }
  });

  it('makes an id when there is none, a new one each time', async () => {
    const [a, b] = await Promise.all([get('/healthz'), get('/healthz')]);
    expect(a.headers.get('x-request-id')).toMatch(UUID);
    expect(b.headers.get('x-request-id')).toMatch(UUID);
    expect(a.headers.get('x-request-id')).not.toBe(b.headers.get('x-request-id'));
  });

  it.each([
    ['spaces', 'two words'],
    ['too long', 'x'.repeat(129)],
    ['markup', '<script>'],
    ['a quote', 'a"b'],
    ['empty', ''],
  ])('replaces an id with %s by one of its own', async (_what, id) => {
    const res = await get('/healthz', { 'x-request-id': id });
    expect(res.headers.get('x-request-id')).toMatch(UUID);
  });

  it('keeps the longest sane id whole', async () => {
    const id = 'A'.repeat(128);
    expect((await get('/healthz', { 'x-request-id': id })).headers.get('x-request-id')).toBe(id);
  });
});

describe('GraphQL errors', () => {
  it('carry the request id: a refused token, a query that does not validate, a request without a query', async () => {
    const refused = await graphql('{ me { id } }', { authorization: 'Bearer nope', 'x-request-id': 'err-1' });
    expect(refused.status).toBe(401);
    expect((await errorsOf(refused))[0].extensions).toMatchObject({ code: 'UNAUTHENTICATED', requestId: 'err-1' });

    const invalid = await graphql('{ noSuchField }', { 'x-request-id': 'err-2' });
    expect((await errorsOf(invalid))[0].extensions).toMatchObject({
      code: 'GRAPHQL_VALIDATION_FAILED',
      requestId: 'err-2',
    });

    const empty = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'err-3' },
      body: JSON.stringify({ variables: {} }),
    });
    expect(empty.status).toBe(400);
    expect((await errorsOf(empty))[0].extensions).toMatchObject({ requestId: 'err-3' });
  });

  it('a generated id is the one in the header', async () => {
    const res = await graphql('{ me { id } }');
    const id = res.headers.get('x-request-id');
    expect(id).toMatch(UUID);
    expect((await errorsOf(res))[0].extensions.requestId).toBe(id);
  });

  it('over graphql-ws carry the id of the socket, from its upgrade request', async () => {
    // The upgrade answers with the id.
    const raw = new WebSocket(`${t.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws', {
      headers: { 'x-request-id': 'socket-1' },
    });
    const upgradeId = await new Promise<string | undefined>((resolve, reject) => {
      raw.once('upgrade', (res) => resolve(res.headers['x-request-id'] as string | undefined));
      raw.once('error', reject);
    });
    raw.close();
    expect(upgradeId).toBe('socket-1');

    class WithRequestId extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols, { headers: { 'x-request-id': 'socket-2' } });
      }
    }
    const client = createClient({
      url: `${t.url.replace('http', 'ws')}/graphql`,
      webSocketImpl: WithRequestId,
      connectionParams: { authorization: `Bearer ${admin}` },
      retryAttempts: 0,
    });
    try {
      const errors = await new Promise<{ extensions?: Record<string, unknown> }[]>((resolve, reject) => {
        client.subscribe(
          { query: 'subscription { noSuchSubscription }' },
          { next: () => reject(new Error('expected an error')), error: (e) => resolve(e as never), complete() {} },
        );
      });
      expect(errors[0].extensions).toMatchObject({ code: 'GRAPHQL_VALIDATION_FAILED', requestId: 'socket-2' });
    } finally {
      await client.dispose();
    }
  });
});

describe('log lines', () => {
  /** The JSON lines of this app's log that carry `reqId`. */
  const linesOf = async (reqId: string) => {
    // pino writes synchronously to the file (sync: true): the lines of an answered request are there.
    const lines = fs
      .readFileSync(t.logFile!, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    return lines.filter((l) => l.reqId === reqId);
  };

  it.skipIf(!inject('logDir'))('carry the request id on every line of a GraphQL request', async () => {
    await graphql('{ __typename }', { 'x-request-id': 'log-gql-1' });
    const msgs = (await linesOf('log-gql-1')).map((l) => l.msg);
    expect(msgs).toEqual(expect.arrayContaining(['incoming request', 'request completed']));
  });

  it.skipIf(!inject('logDir'))('carry the request id of a refused webhook', async () => {
    const res = await fetch(`${t.url}/panel/tickets/incoming/smsapi?token=wrong-token`, {
      method: 'POST',
      headers: { 'x-request-id': 'log-hook-1', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'sms_to=48732123456&sms_from=48500600700&sms_text=Hi&MsgId=RID-LOG',
    });
    expect(res.headers.get('x-request-id')).toBe('log-hook-1');
    const lines = await linesOf('log-hook-1');
    expect(lines.map((l) => l.msg)).toContain('webhook');
    expect(lines.find((l) => l.msg === 'webhook')).toMatchObject({ outcome: 'refused', provider: 'SMSAPI' });
  });

  it.skipIf(!inject('logDir'))('never carry an id that was replaced', async () => {
    const res = await get('/healthz', { 'x-request-id': 'forged line' });
    const id = res.headers.get('x-request-id')!;
    expect(await linesOf('forged line')).toEqual([]);
    expect((await linesOf(id)).map((l) => l.msg)).toContain('incoming request');
  });
});

import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app';
import { WEBHOOK_PREFIX } from '../../src/modules/providers/catalog-fields';

/*
 * A frontend on another origin (CORS_ORIGINS): CORS on /graphql only, the Origin check of graphql-ws
 * upgrades, and the keep-alive pings that keep idle agent sockets open through proxies.
 */

const DESK = 'https://desk.example.com';
const EVIL = 'https://evil.example';
let t: TestApp;
let admin: string;

beforeAll(async () => {
  t = await startTestApp({ CORS_ORIGINS: `${DESK},http://localhost:5173`, WS_KEEPALIVE_SECONDS: '1' });
  admin = await t.login();
});
afterAll(() => t?.close());

const preflight = (path: string, origin: string) =>
  fetch(`${t.url}${path}`, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type,authorization',
    },
  });

const post = (path: string, origin: string, body: string, headers: Record<string, string> = {}) =>
  fetch(`${t.url}${path}`, { method: 'POST', headers: { origin, ...headers }, body });

describe('CORS over HTTP', () => {
  it('answers the preflight of a listed origin on /graphql, for the headers a frontend sends', async () => {
    const r = await preflight('/graphql', DESK);
    expect(r.status).toBe(204);
    expect(r.headers.get('access-control-allow-origin')).toBe(DESK);
    expect(r.headers.get('access-control-allow-methods')).toBe('GET, POST');
    expect(r.headers.get('access-control-allow-headers')).toBe('content-type,authorization');
    expect(r.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('lets a listed origin read GraphQL answers, and no other origin', async () => {
    const query = JSON.stringify({ query: '{ me { email } }' });
    const json = { 'content-type': 'application/json', authorization: `Bearer ${admin}` };
    const ok = await post('/graphql', DESK, query, json);
    expect(ok.headers.get('access-control-allow-origin')).toBe(DESK);
    expect(ok.headers.get('access-control-expose-headers')).toBe('X-Request-Id');
    expect(((await ok.json()) as { data: { me: { email: string } } }).data.me.email).toBe('admin@test.local');
    const foreign = await post('/graphql', EVIL, query, json);
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    expect((await preflight('/graphql', EVIL)).headers.get('access-control-allow-origin')).toBeNull();
  });

  it('gives webhook routes no CORS headers and no preflight answers: providers are servers, not browsers', async () => {
    const path = `${WEBHOOK_PREFIX}/smsapi`;
    const pre = await preflight(path, DESK);
    expect(pre.status).toBe(404);
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
    const hook = await post(path, DESK, 'sms_to=48700000000&sms_from=48500000000&sms_text=x', {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(hook.headers.get('access-control-allow-origin')).toBeNull();
    const health = await fetch(`${t.url}/healthz`, { headers: { origin: DESK } });
    expect(health.headers.get('access-control-allow-origin')).toBeNull();
  });
});

/** A raw graphql-ws socket (no client library), so the test controls Origin and whether pongs are sent. */
function socket(opts: { origin?: string; autoPong?: boolean } = {}): WebSocket {
  return new WebSocket(`${t.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws', {
    ...(opts.origin ? { origin: opts.origin } : {}),
    autoPong: opts.autoPong ?? true,
  });
}

/** Opens and acknowledges a socket, or resolves with the HTTP status that refused the upgrade. */
function connect(ws: WebSocket): Promise<'ack' | number> {
  return new Promise((resolve, reject) => {
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('error', reject);
    ws.once('open', () =>
      ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${admin}` } })),
    );
    ws.on('message', (m) => JSON.parse(String(m)).type === 'connection_ack' && resolve('ack'));
  });
}

describe('graphql-ws upgrades by Origin', () => {
  it('accepts clients without Origin, the listed origins and its own; refuses a foreign page with 403', async () => {
    const sockets = [socket(), socket({ origin: DESK }), socket({ origin: t.url }), socket({ origin: EVIL })];
    expect(await Promise.all(sockets.map(connect))).toEqual(['ack', 'ack', 'ack', 403]);
    sockets.forEach((s) => s.terminate());
  });
});

describe('keep-alive pings (WS_KEEPALIVE_SECONDS=1)', () => {
  it('pings an idle socket every second, which stays open while it answers', async () => {
    const ws = socket();
    expect(await connect(ws)).toBe('ack');
    const pings: number[] = [];
    ws.on('ping', () => pings.push(Date.now()));
    let closed = false;
    ws.on('close', () => (closed = true));
    await new Promise((r) => setTimeout(r, 3500));
    expect(pings.length).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < pings.length; i++) {
      expect(pings[i] - pings[i - 1]).toBeGreaterThan(700);
      expect(pings[i] - pings[i - 1]).toBeLessThan(1600);
    }
    expect(closed).toBe(false);
    // Still a working socket: a query over it is answered.
    const answer = new Promise((r) => ws.on('message', (m) => JSON.parse(String(m)).type === 'next' && r(String(m))));
    ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: '{ me { email } }' } }));
    expect(await answer).toContain('admin@test.local');
    ws.close();
  });

  it('drops a socket that does not answer pings', async () => {
    const ws = socket({ autoPong: false });
    expect(await connect(ws)).toBe('ack');
    let pinged = 0;
    ws.on('ping', () => pinged++);
    const started = Date.now();
    const code = await new Promise<number>((r) => ws.once('close', (c) => r(c)));
    // Terminated without a close frame (1006) after one unanswered ping and the next round: within ~2 s.
    expect(code).toBe(1006);
    expect(pinged).toBeGreaterThanOrEqual(1);
    expect(Date.now() - started).toBeLessThan(3500);
  });
});

import { spawn } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../support/app';
import { login, must } from '../support/api';
import { createHelpdesk, type Helpdesk } from '../support/fault-setup';
import { newSecretKey, spawnMain, startService, type ServiceProcess } from '../support/process';
import { NOTIFICATION_ADDED, subscribe } from '../support/ws';
import { waitFor } from '../support/wait';
import { smsapiSms } from '../fakes/push/providers';
import { FakeSmsapi } from '../fakes/smsapi';

/*
 * The recipe of docs/operations.md, with the compiled service as an operator runs it: `npm run migrate` once
 * on a fresh database, then a web instance (INSTANCE_ROLE=web: API, webhooks, sockets, no background work) and
 * a worker instance (INSTANCE_ROLE=worker: background work, health and metrics only) on that database, in
 * production mode.
 */

const MIGRATE = path.join(__dirname, '../../dist/src/scripts/migrate.js');
const smsapi = new FakeSmsapi();
let dbUrl: string;
let secretKey: string;
let db: pg.Pool;
let web: ServiceProcess | undefined;
let worker: ServiceProcess | undefined;

/** The production environment every process of the recipe shares. */
const production = () => ({
  NODE_ENV: 'production',
  DATABASE_URL: dbUrl,
  SECRET_KEY: secretKey,
  PUBLIC_URL: 'https://smsdesk.example.com',
  CORS_ORIGINS: 'https://desk.example.com',
});

/** `npm run migrate` (its compiled script) with only `env` and PATH: exit code and everything it printed. */
function migrate(env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  const proc = spawn(process.execPath, [MIGRATE], { env: { PATH: process.env.PATH!, ...env } });
  let out = '';
  proc.stdout.on('data', (d) => (out += d));
  proc.stderr.on('data', (d) => (out += d));
  return new Promise((r) => proc.once('exit', (code) => r({ code, out })));
}

beforeAll(async () => {
  await smsapi.start();
  dbUrl = await createTestDatabase();
  secretKey = newSecretKey();
  db = new pg.Pool({ connectionString: dbUrl, max: 2 });
});

afterAll(async () => {
  await web?.kill();
  await worker?.kill();
  await db?.end();
  await smsapi.stop();
});

describe('npm run migrate', () => {
  it('applies every migration and the database functions once, prints them, and exits without serving', async () => {
    const first = await migrate(production());
    expect(first.code, first.out).toBe(0);
    const applied = [...first.out.matchAll(/^ {2}(Migration\w+)$/gm)].map((m) => m[1]);
    const rows = await db.query<{ name: string }>('select name from mikro_orm_migrations order by id');
    expect(applied.length).toBeGreaterThan(0);
    expect(applied).toEqual(rows.rows.map((r) => r.name));
    expect(first.out).toMatch(/applied \d+ database function file\(s\): .*message_status\.sql/);
    expect((await db.query(`select 1 from pg_proc where proname = 'inbound_file'`)).rowCount).toBe(1);
    const again = await migrate(production());
    expect(again.code, again.out).toBe(0);
    expect(again.out).toContain('no pending migrations');
  });
});

describe('a web instance and a worker instance on one database', () => {
  let admin: string;
  let desk: Helpdesk;

  it('web: serves webhooks and live notifications, and sends nothing', async () => {
    web = await startService({
      databaseUrl: dbUrl,
      secretKey,
      env: { ...production(), INSTANCE_ROLE: 'web' },
      readyTimeoutMs: 60_000,
    });
    // The migrations ran before: the instance found nothing to apply.
    expect(web.out()).not.toContain('applied pending migrations');
    expect(web.out()).toMatch(/"role":"web".*smsdesk ready/);
    admin = await login(web.url);
    desk = await createHelpdesk(web.url, admin, { password: smsapi.token, apiBaseUrl: smsapi.url });

    const sub = await subscribe({ url: web.url }, desk.agents[0].token, NOTIFICATION_ADDED);
    const hook = await smsapiSms(web.url, { to: desk.our, from: '48500600700', text: 'Is my order shipped?' });
    expect(hook.body).toBe('OK');
    expect((await sub.take(1))[0].notificationAdded.title).toBe('[SMS] +48500600700: Is my order shipped?');
    await sub.close();

    const sent = await must(
      web.url,
      `mutation($i: SendSmsInput!) { sendSms(input: $i) { status } }`,
      { i: { to: '+48500600700', text: 'Shipped today', gatewayId: desk.gatewayId } },
      admin,
    );
    expect(sent.sendSms.status).toBe('QUEUED');
    // No sender runs here: however long it waits (OUTBOUND_POLL_MS is 1 s), the message stays queued.
    await new Promise((r) => setTimeout(r, 2500));
    expect(smsapi.sent).toHaveLength(0);
    const [m] = (await db.query(`select status from message where text = 'Shipped today'`)).rows;
    expect(m.status).toBe('QUEUED');
    // Nor does it queue the work of workers (the poll supervisor).
    const jobs = await db.query(`select 1 from graphile_worker.jobs where task_identifier = 'inbound_poll_supervisor'`);
    expect(jobs.rowCount).toBe(0);
  }, 60_000);

  it('worker: sends what the web instance queued, its status pushed to a subscriber on the web instance', async () => {
    const [{ ticket_id: ticketId }] = (await db.query(`select ticket_id from message where text = 'Shipped today'`))
      .rows;
    const statuses = await subscribe(
      { url: web!.url },
      admin,
      `subscription($t: ID!) { messageStatusChanged(ticketId: $t) { status text } }`,
      { t: String(ticketId) },
    );
    worker = await startService({
      databaseUrl: dbUrl,
      secretKey,
      env: { ...production(), INSTANCE_ROLE: 'worker' },
      readyTimeoutMs: 60_000,
    });
    await waitFor(() => smsapi.sent.length === 1, 'the worker to send the queued SMS');
    expect(smsapi.sent[0]).toMatchObject({ to: '48500600700', message: 'Shipped today' });
    const [event] = await statuses.take(1);
    expect(event.messageStatusChanged).toEqual({ status: 'SENT', text: 'Shipped today' });
    await statuses.close();
    // The worker made the provider call; the web instance never did.
    expect(worker.out()).toContain('outbound: sent');
    expect(web!.out()).not.toContain('outbound: sent');
  }, 60_000);

  it('worker: answers health, and nothing of the API (GraphQL, webhooks, sockets)', async () => {
    const w = worker!;
    expect(await (await fetch(`${w.url}/healthz`)).json()).toEqual({ status: 'ok' });
    expect(await (await fetch(`${w.url}/readyz`)).json()).toEqual({ status: 'ready' });
    const graphql = await fetch(`${w.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(graphql.status).toBe(404);
    const preflight = await fetch(`${w.url}/graphql`, {
      method: 'OPTIONS',
      headers: { origin: 'https://desk.example.com', 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(404);
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    const hook = await smsapiSms(w.url, { to: desk.our, from: '48500600701', text: 'To the worker' });
    expect(hook.status).toBe(404);
    expect((await db.query(`select 1 from message where text = 'To the worker'`)).rowCount).toBe(0);
    const upgrade = await new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(`${w.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.once('open', () => reject(new Error('a worker instance accepted a socket')));
      ws.once('error', reject);
    });
    expect(upgrade).toBe(404);
  });

  it('both stop cleanly on SIGTERM', async () => {
    expect(await web!.stop()).toBe(0);
    expect(await worker!.stop()).toBe(0);
  });
});

describe('production refuses to start without the settings instances need', () => {
  it.each([
    ['PUBLIC_URL', /PUBLIC_URL is required when NODE_ENV=production: webhook URLs/],
    [
      'DATABASE_URL',
      /DATABASE_URL is required when NODE_ENV=production: without it each instance starts its own embedded PostgreSQL/,
    ],
  ])('without %s: exit 2 and a message naming it', async (variable, message) => {
    const env: Record<string, string> = { ...production() };
    delete env[variable];
    const s = await spawnMain(env, { ready: null });
    expect(await s.exit).toBe(2);
    expect(s.out()).toMatch(message);
    expect(s.out()).not.toMatch(/smsdesk ready/);
  });
});

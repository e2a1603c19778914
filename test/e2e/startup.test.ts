import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { gql } from '../support/api';
import { createTestDatabase } from '../support/app';
import { spawnMain } from '../support/process';

/**
 * The service as an operator runs it: the compiled `dist/src/main.js` (built by `npm test` first),
 * an embedded PostgreSQL under a data directory, signals for shutdown.
 */
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** The service with only `env` (and PATH, port, host, log level); the test's own timeout bounds the wait. */
const start = (env: Record<string, string>, ready: RegExp | null = /smsdesk ready/) =>
  spawnMain(env, { ready, readyTimeoutMs: 120_000 });

function tmpDataDir(): string {
  // Under /tmp: the embedded server runs as the OS user "postgres", which must traverse the parents.
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'smsdesk-start-'));
  fs.chmodSync(d, 0o755);
  dirs.push(d);
  return path.join(d, 'data');
}

describe('npm start (compiled service, embedded PostgreSQL)', () => {
  const dataDir = tmpDataDir();
  let password = '';

  it('first start: creates .data, prints a generated admin password once, serves health and GraphQL', async () => {
    const s = await start({ DATA_DIR: dataDir });
    try {
      const m = /password: (\S+)/.exec(s.out());
      expect(m, s.out()).not.toBeNull();
      password = m![1];
      expect(s.out()).toContain('admin@smsdesk.local');
      expect(fs.existsSync(path.join(dataDir, 'pg', 'PG_VERSION'))).toBe(true);
      expect(fs.existsSync(path.join(dataDir, 'secret.key'))).toBe(true);
      expect(await (await fetch(`${s.url}/healthz`)).json()).toEqual({ status: 'ok' });
      expect(await (await fetch(`${s.url}/readyz`)).json()).toEqual({ status: 'ready' });
      const login = await gql(
        s.url,
        `mutation { login(email: "admin@smsdesk.local", password: "${password}") { token user { role } } }`,
      );
      expect(login.data.login.user.role).toBe('ADMIN');
      // The playground (GraphiQL from the built assets) for a browser, on the same path as HTTP and graphql-ws.
      const page = await fetch(`${s.url}/graphql`, { headers: { accept: 'text/html' } });
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain('<div id="graphiql">');
      const script = /src="(\/playground\/assets\/[^"]+\.js)"/.exec(html);
      expect(script, html).not.toBeNull();
      expect((await fetch(`${s.url}${script![1]}`)).status).toBe(200);
      // The generated password is printed, but the JSON log lines never carry it.
      const logLines = s
        .out()
        .split('\n')
        .filter((l) => l.startsWith('{'));
      expect(logLines.join('\n')).not.toContain(password);
    } finally {
      s.proc.kill('SIGTERM');
      expect(await s.exit).toBe(0);
    }
    // The embedded server was stopped with the service.
    expect(fs.existsSync(path.join(dataDir, 'pg', 'postmaster.pid'))).toBe(false);
  });

  it('restart on the existing .data: same admin, no new password printed', async () => {
    const s = await start({ DATA_DIR: dataDir });
    try {
      expect(s.out()).not.toMatch(/password: /);
      const login = await gql(
        s.url,
        `mutation { login(email: "admin@smsdesk.local", password: "${password}") { token } }`,
      );
      expect(login.data.login.token).toMatch(/^smsd_/);
    } finally {
      s.proc.kill('SIGINT');
      expect(await s.exit).toBe(0);
    }
  });

  it('refuses to start with a SECRET_KEY other than the one the data was sealed with', async () => {
    const s = await start({ DATA_DIR: dataDir, SECRET_KEY: 'ab'.repeat(32) }, null);
    expect(await s.exit).toBe(1);
    expect(s.out()).toMatch(/SECRET_KEY does not match/);
    expect(fs.existsSync(path.join(dataDir, 'pg', 'postmaster.pid'))).toBe(false);
  });
});

describe('configuration errors stop start-up with a message naming the variable', () => {
  it.each([
    [{ NODE_ENV: 'production', DATABASE_URL: 'postgresql://x@127.0.0.1:1/x' }, /SECRET_KEY is required/],
    [{ SECRET_KEY: 'too-short' }, /SECRET_KEY must be 32 random bytes/],
    [{ PORT: 'eighty' }, /PORT must be a whole number/],
    [{ TRUSTED_PROXIES: '10.0.0.0/8,nonsense' }, /TRUSTED_PROXIES has "nonsense"/],
  ])('%j', async (env, message) => {
    const s = await start({ DATA_DIR: tmpDataDir(), ...env } as Record<string, string>, null);
    expect(await s.exit).toBe(2);
    expect(s.out()).toMatch(message);
  });
});

describe('with DATABASE_URL', () => {
  it('uses that server instead of the embedded one, with ADMIN_EMAIL/ADMIN_PASSWORD', async () => {
    const dataDir = tmpDataDir();
    const s = await start({
      DATA_DIR: dataDir,
      DATABASE_URL: await createTestDatabase(),
      SECRET_KEY: 'cd'.repeat(32),
      ADMIN_EMAIL: 'boss@example.com',
      ADMIN_PASSWORD: 'boss-password',
    });
    try {
      expect(fs.existsSync(path.join(dataDir, 'pg'))).toBe(false);
      const login = await gql(
        s.url,
        `mutation { login(email: "boss@example.com", password: "boss-password") { user { email } } }`,
      );
      expect(login.data.login.user.email).toBe('boss@example.com');
      expect(s.out()).not.toContain('boss-password');
    } finally {
      s.proc.kill('SIGTERM');
      expect(await s.exit).toBe(0);
    }
  });
});

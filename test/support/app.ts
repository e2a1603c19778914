import crypto from 'node:crypto';
import pg from 'pg';
import path from 'node:path';
import pino from 'pino';
import { inject } from 'vitest';
import { MikroORM } from '@mikro-orm/postgresql';
import { loadConfig, type Config } from '../../src/config';
import { SecretBox } from '../../src/common/secret-box';
import { ormConfig } from '../../src/db/mikro-orm.config';
import { migrate } from '../../src/db/database';
import { buildApp, REDACT, type App, type AppDeps } from '../../src/app';
import { ensureAdmin } from '../../src/modules/auth/bootstrap';
import { ADMIN, gql, login, type Api } from './api';

export interface TestApp extends Api {
  app: App;
  orm: MikroORM;
  config: Config;
  key: Buffer;
  dbUrl: string;
  /** The pino JSON log of this app at info level (see global-setup's log scan); undefined when TEST_LOGS=off. */
  logFile?: string;
  /** Plain SQL on the test database, for asserting what is (not) stored. */
  sql<R = any>(text: string, params?: unknown[]): Promise<R[]>;
  close(): Promise<void>;
}

/** Creates a fresh database on the run's PostgreSQL server (one per test file). */
export async function createTestDatabase(): Promise<string> {
  const adminUrl = inject('pgAdminUrl');
  const name = `t_${crypto.randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`create database ${name}`);
  } finally {
    await client.end();
  }
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Changes to a loaded Config: whole values, or some fields of a group (`outbound`, `inboundPoll`). */
export type ConfigOverrides = {
  [K in keyof Config]?: Config[K] extends Config['outbound'] | Config['inboundPoll'] ? Partial<Config[K]> : Config[K];
};

/** `config` with `overrides` applied; the groups are merged field by field. */
export function withOverrides(config: Config, overrides: ConfigOverrides = {}): Config {
  return {
    ...config,
    ...overrides,
    outbound: { ...config.outbound, ...overrides.outbound },
    inboundPoll: { ...config.inboundPoll, ...overrides.inboundPoll },
  };
}

export interface TestAppOptions {
  /** A second instance on another app's database (and its secret key), as behind a load balancer. */
  on?: { dbUrl: string; key: Buffer };
  /** Settings without a variable (inbound poll waits and backoff), applied after the environment is read. */
  config?: ConfigOverrides;
  /** Parts of the app to leave out or tune: no job worker, the slow-subscriber limits. */
  app?: Pick<AppDeps, 'worker' | 'slowConsumer'>;
}

/** The environment a test instance on `dbUrl` reads: a free port on loopback, quiet logs, the test admin. */
export function testEnv(dbUrl: string, key: Buffer): Record<string, string> {
  return {
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    PUBLIC_URL: 'https://smsdesk.example.com',
    DATABASE_URL: dbUrl,
    SECRET_KEY: key.toString('hex'),
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    LOG_LEVEL: 'silent',
    // Tests send many SMS as one or two users; the send rate has its own test (send-limits.test.ts).
    SEND_MAX_PER_USER: '100000',
    // The fake providers run on 127.0.0.1, over https and http; the address rule's own tests turn this off.
    ALLOW_PRIVATE_PROVIDER_URLS: 'true',
    // Alerts to admins only where a test asks for them (alerts.test.ts checks with its own clock); many tests
    // refuse webhooks on purpose, and an alert would be one more notification than they expect.
    ALERT_CHECK_MS: '3600000',
  };
}

/**
 * Boots the real app (Fastify + Apollo + graphql-ws) on a fresh database, on a free port. `env` holds
 * settings as the service reads them from its environment (validated the same way); the process's own
 * environment is never read or changed.
 */
export async function startTestApp(env: Record<string, string> = {}, opts: TestAppOptions = {}): Promise<TestApp> {
  const { on } = opts;
  const dbUrl = on?.dbUrl ?? (await createTestDatabase());
  const key = on?.key ?? crypto.randomBytes(32);
  const loaded = loadConfig({ ...testEnv(dbUrl, key), ...env });
  const config = withOverrides(loaded, opts.config);
  const orm = await MikroORM.init(ormConfig(dbUrl, { pool: { min: 0, max: 10 } }));
  await migrate(orm);
  // Logs at info level to a file of the run's log directory: production's level, so the log scan sees what it would write.
  const logDir = inject('logDir');
  const logFile = logDir ? path.join(logDir, `${path.basename(dbUrl)}.ndjson`) : undefined;
  const logger = logFile
    ? pino(
        { level: 'info', redact: { paths: REDACT, censor: '[redacted]' } },
        pino.destination({ dest: logFile, sync: true, mkdir: true }),
      )
    : undefined;
  const app = await buildApp({
    config,
    orm,
    databaseUrl: dbUrl,
    box: new SecretBox(config.secretKey!, { previous: config.secretKeyPrevious }),
    ...opts.app,
    ...(logger ? { logger } : {}),
  });
  await ensureAdmin(orm, config, app.services.auth);
  const url = await app.listen();
  const pool = new pg.Pool({ connectionString: dbUrl, max: 2 });

  return {
    url,
    app,
    orm,
    config,
    key: config.secretKey!,
    dbUrl,
    logFile,
    sql: async (text, params) => (await pool.query(text, params as unknown[])).rows,
    gql: (query, variables, token) => gql(url, query, variables, token),
    login: (email, password) => login(url, email, password),
    async close() {
      await app.close();
      await orm.close(true);
      await pool.end();
    },
  };
}

/** How many rows `table` holds, for asserting that a refused request stored nothing. */
export async function rowCount(t: Pick<TestApp, 'sql'>, table: string): Promise<number> {
  return (await t.sql<{ n: number }>(`select count(*)::int as n from ${table}`))[0].n;
}

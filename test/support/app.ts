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
import { buildApp, REDACT, type App } from '../../src/app';
import { ensureAdmin } from '../../src/modules/auth/bootstrap';

export const ADMIN = { email: 'admin@test.local', password: 'admin-password-1' };

export interface GqlResult<T = any> {
  status: number;
  data?: T;
  errors?: { message: string; extensions?: { code?: string; violations?: { field: string; rule: string; message: string }[] } }[];
}

export interface TestApp {
  url: string;
  app: App;
  orm: MikroORM;
  config: Config;
  key: Buffer;
  dbUrl: string;
  /** The pino JSON log of this app at info level (see global-setup's log scan); undefined when TEST_LOGS=off. */
  logFile?: string;
  /** Plain SQL on the test database, for asserting what is (not) stored. */
  sql<R = any>(text: string, params?: unknown[]): Promise<R[]>;
  gql<T = any>(query: string, variables?: Record<string, unknown>, token?: string): Promise<GqlResult<T>>;
  login(email?: string, password?: string): Promise<string>;
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
  const loaded = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    PUBLIC_URL: 'https://smsdesk.example.com',
    DATABASE_URL: dbUrl,
    SECRET_KEY: key.toString('hex'),
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    LOG_LEVEL: 'silent',
    ...env,
  });
  const config = withOverrides(loaded, opts.config);
  const orm = await MikroORM.init(ormConfig(dbUrl, { pool: { min: 0, max: 10 } }));
  await migrate(orm);
  // Logs at info level to a file of the run's log directory: production's level, so the log scan sees what it would write.
  const logDir = inject('logDir');
  const logFile = logDir ? path.join(logDir, `${path.basename(dbUrl)}.ndjson`) : undefined;
  const logger = logFile
    ? pino({ level: 'info', redact: { paths: REDACT, censor: '[redacted]' } }, pino.destination({ dest: logFile, sync: true, mkdir: true }))
    : undefined;
  const app = await buildApp({ config, orm, databaseUrl: dbUrl, box: new SecretBox(key), ...(logger ? { logger } : {}) });
  await ensureAdmin(orm, config, app.services.auth);
  const url = await app.listen();
  const pool = new pg.Pool({ connectionString: dbUrl, max: 2 });

  const gql = async (query: string, variables?: Record<string, unknown>, token?: string) => {
    const res = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as GqlResult;
    return { ...body, status: res.status };
  };
  const login = async (email = ADMIN.email, password = ADMIN.password) => {
    const r = await gql(`mutation($e:String!,$p:String!){ login(email:$e,password:$p){ token } }`, { e: email, p: password });
    if (!r.data?.login) throw new Error(`login failed: ${JSON.stringify(r.errors)}`);
    return r.data.login.token as string;
  };
  return {
    url,
    app,
    orm,
    config,
    key,
    dbUrl,
    logFile,
    sql: async (text, params) => (await pool.query(text, params as unknown[])).rows,
    gql,
    login,
    async close() {
      await app.close();
      await orm.close(true);
      await pool.end();
    },
  };
}

/** The codes of a result's errors, for compact assertions. */
export const codes = (r: GqlResult) => (r.errors ?? []).map((e) => e.extensions?.code);
/** The violated fields of a BAD_USER_INPUT result. */
export const fields = (r: GqlResult) => (r.errors ?? []).flatMap((e) => (e.extensions?.violations ?? []).map((v) => v.field));

import fs from 'node:fs';
import path from 'node:path';
import { BlockList } from 'node:net';
import { parseIpOrCidr } from './common/ip';

/** The largest HTTP body any route reads (GraphQL, webhooks; multipart webhooks are held to it too). */
export const BODY_LIMIT_BYTES = 1024 * 1024;

/** The whole service configuration, read from the environment once and validated. */
export interface Config {
  env: 'development' | 'production' | 'test';
  host: string;
  port: number;
  /** Base of the URLs we show admins (webhook URLs to paste into provider panels). */
  publicUrl: string;
  /** External PostgreSQL; when absent, an embedded server runs under `dataDir`. */
  databaseUrl?: string;
  dataDir: string;
  /** 32-byte key for secrets at rest; when absent on the embedded default it is generated under `dataDir`. */
  secretKey?: Buffer;
  /**
   * The key before a rotation (SECRET_KEY_PREVIOUS): secrets it sealed still open, new ones are sealed with
   * secretKey, and `npm run reseal` re-seals the rest, after which it can go.
   */
  secretKeyPrevious?: Buffer;
  /** Peers whose X-Forwarded-For we believe. */
  trustedProxies: string[];
  /**
   * Origins of browser frontends on another origin allowed to use /graphql (CORS_ORIGINS): CORS headers over
   * HTTP, and the Origin a graphql-ws upgrade may come from. Empty: same origin only.
   */
  corsOrigins: string[];
  /**
   * What this instance runs (INSTANCE_ROLE): `all` serves and does background work; `web` serves (GraphQL,
   * graphql-ws, webhooks) without background work; `worker` does background work and serves only the
   * health endpoints and /metrics. Web and worker instances on one database scale separately.
   */
  role: InstanceRole;
  /** Seconds between WebSocket pings to each graphql-ws socket; one that misses a pong is dropped (0: none). */
  wsKeepAliveSeconds: number;
  adminEmail?: string;
  adminPassword?: string;
  introspection: boolean;
  /** The GraphQL playground (GraphiQL, served from our own assets) for a browser's GET /graphql. */
  landingPage: boolean;
  logLevel: string;
  /** Lifetime of a login token. */
  sessionTtlHours: number;
  /** Longest lifetime of an API token, and the lifetime of one made without an expiry (no token lives forever). */
  apiTokenMaxDays: number;
  /** Jobs (sends, polls) run at once by this instance's worker. */
  workerConcurrency: number;
  /**
   * Login limits, shared by all instances (src/modules/auth/login-limiter.ts): attempts one client IP may make
   * at one address before it is slowed down; attempts per client IP and per address (from all clients) within
   * loginWindowSeconds.
   */
  loginMaxAttempts: number;
  loginMaxAttemptsPerIp: number;
  loginMaxAttemptsPerAddress: number;
  loginWindowSeconds: number;
  /** How often an open graphql-ws socket re-checks its token (revoked or expired: closed with WsClose.Forbidden). */
  wsAuthRecheckMs: number;
  /**
   * Refused webhook requests (malformed, no mailbox, wrong token or IP…) one client IP may send within
   * webhookRefusalWindowSeconds before its further refusals are answered 429 without being logged; accepted
   * requests are never limited. Counted per instance.
   */
  webhookRefusalsPerIp: number;
  webhookRefusalWindowSeconds: number;
  /** A bearer token GET /metrics asks for (METRICS_TOKEN); without one, /metrics is open. */
  metricsToken?: string;
  /** Sending: provider calls, retries, delivery-report polling, the sender's lease and look-ups. */
  outbound: OutboundSettings;
  /** Receiving from providers without push: the poll jobs and their supervisor. */
  inboundPoll: InboundPollSettings;
  /**
   * How often each instance adds the mailbox health counts it gathered in memory to the shared table
   * (HEALTH_FLUSH_MS); what an instance that dies held since its last flush is lost.
   */
  healthFlushMs: number;
  /** When admins get an [ALERT] notification (src/modules/notifications/alerts/). */
  alerts: AlertSettings;
}

/** Alert thresholds and the check's interval (defaults suit production; tests pass their own). */
export interface AlertSettings {
  /** How often instances that run background work check the conditions (ALERT_CHECK_MS). */
  checkEveryMs: number;
  /** Refused webhooks of one mailbox (or provider) and reason within refusalWindowMs that raise an alert (ALERT_REFUSALS). */
  refusals: number;
  /** ALERT_REFUSAL_WINDOW_MINUTES. */
  refusalWindowMs: number;
  /** Permanent send failures in a row through one mailbox that raise an alert (ALERT_SEND_FAILURES). */
  sendFailures: number;
  /** How long a due message may wait unsent (a provider outage) before an alert (ALERT_QUEUE_WAIT_MINUTES). */
  queueWaitMs: number;
  /** Days before a mailbox's client certificate expires when the alert is raised (ALERT_CERTIFICATE_DAYS). */
  certificateDays: number;
}

/**
 * Knobs of the outbound path (defaults suit production; tests shorten the timings instead of sleeping).
 */
export interface OutboundSettings {
  /** A whole provider call: connect, send, answer (OUTBOUND_HTTP_TIMEOUT_MS). */
  httpTimeoutMs: number;
  /** First retry delay; doubles per attempt (OUTBOUND_RETRY_BASE_MS). */
  retryBaseMs: number;
  /** Longest retry delay (OUTBOUND_RETRY_MAX_MS). */
  retryMaxMs: number;
  /** Send attempts before a retryable failure becomes FAILED (OUTBOUND_MAX_ATTEMPTS). */
  maxAttempts: number;
  /** First delivery-report poll after sending; doubles per poll (OUTBOUND_DLR_POLL_BASE_MS). */
  dlrPollBaseMs: number;
  dlrPollMaxMs: number;
  /** Stop polling a message's report after this long (OUTBOUND_DLR_POLL_FOR_HOURS; MultiInfo validity is 72 h). */
  dlrPollForMs: number;
  /**
   * The lease of a claimed message, and the lock age of a delivery-report poll job, beyond which their
   * instance is taken for dead mid-call (OUTBOUND_STALE_LOCK_MS): another instance resumes the message
   * (graphile-worker itself would wait 4 hours for the job). Longer than a provider call may take.
   */
  staleLockMs: number;
  /**
   * How often each instance's sender looks for due messages nobody told it about (OUTBOUND_POLL_MS):
   * retries scheduled by other instances, leases of dead instances that ran out (OUTBOUND_STALE_LOCK_MS),
   * messages queued while its LISTEN connection was down.
   */
  pollMs: number;
  /** How often each instance looks for stale locks of delivery-report poll jobs (OUTBOUND_SWEEP_MS). */
  sweepEveryMs: number;
  /**
   * SMS (sendSms and replyToTicket) one user may queue per sendWindowSeconds (SEND_MAX_PER_USER,
   * SEND_WINDOW_SECONDS); more answer RATE_LIMITED. Counted per instance.
   */
  sendsPerUser: number;
  sendWindowSeconds: number;
  /**
   * Extra CA certificates trusted for provider calls, outbound and polls alike: PEM file
   * (PROVIDER_EXTRA_CA_FILE; tests' fakes).
   */
  extraCa: string[];
  /**
   * Provider calls (sends, tests, polls) may use plain http and go to loopback, private and link-local
   * addresses (ALLOW_PRIVATE_PROVIDER_URLS; development and tests against local fakes). Off, a mailbox URL
   * must be https and its host public, at save time and on every call.
   */
  allowPrivateAddresses: boolean;
}

/** Backoff after failed polls: first wait and cap, for provider errors and for configuration errors. */
export interface PollBackoff {
  retryableBaseMs: number;
  retryableCapMs: number;
  configBaseMs: number;
  configCapMs: number;
}

/**
 * Knobs of inbound polling. Only the supervisor's interval has a variable (fault tests shorten it); the
 * others are fixed, and tests that boot the app pass shorter ones in the Config they give it.
 */
export interface InboundPollSettings {
  /** How often mailboxes' poll jobs are (re)ensured (INBOUND_POLL_SUPERVISOR_MS). */
  supervisorEveryMs: number;
  /** How long a provider may hold a long poll (MultiInfo getsms `timeout`). */
  waitMs: number;
  backoff: PollBackoff;
}

export const DEFAULT_POLL_BACKOFF: PollBackoff = {
  retryableBaseMs: 5_000,
  retryableCapMs: 5 * 60_000,
  configBaseMs: 60_000,
  configCapMs: 30 * 60_000,
};

export class ConfigError extends Error {
  constructor(variable: string, rule: string) {
    super(`Configuration error: ${variable} ${rule}`);
  }
}

type Env = Record<string, string | undefined>;

export const INSTANCE_ROLES = ['all', 'web', 'worker'] as const;
export type InstanceRole = (typeof INSTANCE_ROLES)[number];

/** Whether an instance of `role` serves the API (GraphQL, graphql-ws, webhooks, attachments). */
export const servesApi = (role: InstanceRole): boolean => role !== 'worker';
/** Whether an instance of `role` does background work (everything src/background.ts lists as work). */
export const doesBackgroundWork = (role: InstanceRole): boolean => role !== 'web';

/**
 * CORS_ORIGINS: comma-separated origins (`https://desk.example.com`, with a port when not the default), each
 * exactly as a browser sends it in `Origin`; no paths and no wildcard, since the list is what a browser page
 * must be to use the API from another origin.
 */
export function parseOrigins(raw: string | undefined, name = 'CORS_ORIGINS'): string[] {
  const origins: string[] = [];
  for (const item of (raw ?? '').split(',')) {
    const o = item.trim().replace(/\/$/, '');
    if (!o) continue;
    let u: URL | undefined;
    try {
      u = new URL(o);
    } catch {
      /* reported below */
    }
    // An origin is scheme, host and port only; URL normalises the rest (case, default port, IDN).
    const bare = u && u.pathname === '/' && !u.search && !u.hash && !u.username && !u.password;
    if (!u || !['http:', 'https:'].includes(u.protocol) || !bare || o.includes('*')) {
      throw new ConfigError(
        name,
        `has "${o}", which is not an origin: give scheme and host (and port), e.g. https://desk.example.com or http://localhost:5173`,
      );
    }
    origins.push(u.origin);
  }
  return [...new Set(origins)];
}

function bool(env: Env, name: string, dflt: boolean): boolean {
  const v = env[name];
  if (v === undefined || v === '') return dflt;
  if (/^(1|true|yes|on)$/i.test(v)) return true;
  if (/^(0|false|no|off)$/i.test(v)) return false;
  throw new ConfigError(name, `must be true or false, got "${v}"`);
}

function int(env: Env, name: string, dflt: number, min: number, max: number): number {
  const v = env[name];
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(name, `must be a whole number from ${min} to ${max}, got "${v}"`);
  }
  return n;
}

/** Accepts 64 hex characters or base64 of exactly 32 bytes. */
export function parseSecretKey(raw: string, name = 'SECRET_KEY'): Buffer {
  const s = raw.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(s) ? Buffer.from(s, 'hex') : Buffer.from(s, 'base64');
  if (
    key.length !== 32 ||
    (!/^[0-9a-fA-F]{64}$/.test(s) && key.toString('base64').replace(/=+$/, '') !== s.replace(/=+$/, ''))
  ) {
    throw new ConfigError(name, 'must be 32 random bytes as 64 hex characters or base64 (e.g. `openssl rand -hex 32`)');
  }
  return key;
}

/**
 * The dev database of the MikroORM CLI (`npm run migration:create`): DATABASE_URL or a local default.
 * Not validated: it is read whenever the ORM config module loads, also in the service, which validates
 * DATABASE_URL in loadConfig and reports it there.
 */
export function cliDatabaseUrl(env: Env = process.env): string {
  return env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/smsdesk_dev';
}

function outboundSettings(env: Env, cwd: string): OutboundSettings {
  const httpTimeoutMs = int(env, 'OUTBOUND_HTTP_TIMEOUT_MS', 30_000, 50, 300_000);
  let extraCa: string[] = [];
  const caFile = env.PROVIDER_EXTRA_CA_FILE;
  if (caFile) {
    try {
      extraCa = [fs.readFileSync(path.resolve(cwd, caFile), 'utf8')];
    } catch {
      throw new ConfigError('PROVIDER_EXTRA_CA_FILE', `must name a readable PEM file, got "${caFile}"`);
    }
  }
  return {
    httpTimeoutMs,
    retryBaseMs: int(env, 'OUTBOUND_RETRY_BASE_MS', 30_000, 1, 3_600_000),
    retryMaxMs: int(env, 'OUTBOUND_RETRY_MAX_MS', 3_600_000, 1, 86_400_000),
    maxAttempts: int(env, 'OUTBOUND_MAX_ATTEMPTS', 8, 1, 50),
    dlrPollBaseMs: int(env, 'OUTBOUND_DLR_POLL_BASE_MS', 60_000, 1, 3_600_000),
    dlrPollMaxMs: int(env, 'OUTBOUND_DLR_POLL_MAX_MS', 3_600_000, 1, 86_400_000),
    dlrPollForMs: int(env, 'OUTBOUND_DLR_POLL_FOR_HOURS', 72, 1, 24 * 30) * 3_600_000,
    staleLockMs: int(env, 'OUTBOUND_STALE_LOCK_MS', 2 * httpTimeoutMs + 60_000, 100, 86_400_000),
    pollMs: int(env, 'OUTBOUND_POLL_MS', 1_000, 10, 3_600_000),
    sweepEveryMs: int(env, 'OUTBOUND_SWEEP_MS', 60_000, 50, 3_600_000),
    sendsPerUser: int(env, 'SEND_MAX_PER_USER', 30, 1, 1_000_000),
    sendWindowSeconds: int(env, 'SEND_WINDOW_SECONDS', 60, 1, 86_400),
    extraCa,
    allowPrivateAddresses: bool(env, 'ALLOW_PRIVATE_PROVIDER_URLS', false),
  };
}

/** Reads and validates every setting; throws a ConfigError naming the first bad variable. */
export function loadConfig(env: Env = process.env, cwd = process.cwd()): Config {
  const nodeEnv = env.NODE_ENV ?? 'development';
  if (!['development', 'production', 'test'].includes(nodeEnv)) {
    throw new ConfigError('NODE_ENV', `must be development, production or test, got "${nodeEnv}"`);
  }
  const port = int(env, 'PORT', 4000, 0, 65535);
  const host = env.HOST || '0.0.0.0';
  const production = nodeEnv === 'production';
  const publicUrl = (env.PUBLIC_URL || `http://localhost:${port}`).replace(/\/+$/, '');
  try {
    const u = new URL(publicUrl);
    if (!['http:', 'https:'].includes(u.protocol)) throw new Error();
  } catch {
    throw new ConfigError(
      'PUBLIC_URL',
      `must be an http(s) URL such as https://smsdesk.example.com, got "${publicUrl}"`,
    );
  }
  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL', 'must be a postgresql:// URL');
  }
  const secretKey = env.SECRET_KEY ? parseSecretKey(env.SECRET_KEY) : undefined;
  const secretKeyPrevious = env.SECRET_KEY_PREVIOUS
    ? parseSecretKey(env.SECRET_KEY_PREVIOUS, 'SECRET_KEY_PREVIOUS')
    : undefined;
  // A previous key belongs to a rotation, which starts from an explicit new key.
  if (secretKeyPrevious && !secretKey)
    throw new ConfigError('SECRET_KEY_PREVIOUS', 'needs SECRET_KEY (the new key) to be set too');
  // Production never runs on a key it made up: the key must come from the operator.
  if (production && !secretKey) {
    throw new ConfigError('SECRET_KEY', 'is required when NODE_ENV=production (32 bytes, hex or base64)');
  }
  // Instances share one database; a forgotten DATABASE_URL would give each its own embedded one.
  if (production && !databaseUrl) {
    throw new ConfigError(
      'DATABASE_URL',
      'is required when NODE_ENV=production: without it each instance starts its own embedded PostgreSQL under DATA_DIR, and instances would not share their data',
    );
  }
  // Providers are told the webhook URLs built on it; a localhost default reaches nobody.
  if (production && !env.PUBLIC_URL) {
    throw new ConfigError(
      'PUBLIC_URL',
      "is required when NODE_ENV=production: webhook URLs shown to admins (pasted into providers' panels) are built on it, e.g. https://smsdesk.example.com",
    );
  }
  const role = (env.INSTANCE_ROLE || 'all') as InstanceRole;
  if (!INSTANCE_ROLES.includes(role)) {
    throw new ConfigError('INSTANCE_ROLE', `must be all, web or worker, got "${env.INSTANCE_ROLE}"`);
  }
  const trustedProxies = (env.TRUSTED_PROXIES ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const p of trustedProxies) {
    if (!parseIpOrCidr(p))
      throw new ConfigError('TRUSTED_PROXIES', `has "${p}", which is not an IP address or CIDR range`);
  }
  if ((env.ADMIN_EMAIL && !env.ADMIN_PASSWORD) || (!env.ADMIN_EMAIL && env.ADMIN_PASSWORD)) {
    throw new ConfigError(
      env.ADMIN_EMAIL ? 'ADMIN_PASSWORD' : 'ADMIN_EMAIL',
      'must be set together with the other one',
    );
  }
  if (env.ADMIN_PASSWORD && env.ADMIN_PASSWORD.length < 8) {
    throw new ConfigError('ADMIN_PASSWORD', 'must be at least 8 characters');
  }
  const metricsToken = env.METRICS_TOKEN || undefined;
  if (metricsToken !== undefined && !/^[\x21-\x7e]{16,512}$/.test(metricsToken)) {
    throw new ConfigError(
      'METRICS_TOKEN',
      'must be 16 to 512 printable characters without spaces (e.g. `openssl rand -hex 32`)',
    );
  }
  const dev = !production;
  return {
    env: nodeEnv as Config['env'],
    host,
    port,
    publicUrl,
    databaseUrl,
    dataDir: path.resolve(cwd, env.DATA_DIR || '.data'),
    secretKey,
    secretKeyPrevious,
    trustedProxies,
    corsOrigins: parseOrigins(env.CORS_ORIGINS),
    role,
    wsKeepAliveSeconds: int(env, 'WS_KEEPALIVE_SECONDS', 30, 0, 3600),
    adminEmail: env.ADMIN_EMAIL || undefined,
    adminPassword: env.ADMIN_PASSWORD || undefined,
    introspection: bool(env, 'GRAPHQL_INTROSPECTION', dev),
    landingPage: bool(env, 'GRAPHQL_LANDING_PAGE', dev),
    logLevel: env.LOG_LEVEL || (nodeEnv === 'test' ? 'warn' : 'info'),
    sessionTtlHours: int(env, 'SESSION_TTL_HOURS', 12, 1, 24 * 365),
    apiTokenMaxDays: int(env, 'API_TOKEN_MAX_DAYS', 90, 1, 3650),
    workerConcurrency: int(env, 'WORKER_CONCURRENCY', 20, 1, 500),
    loginMaxAttempts: int(env, 'LOGIN_MAX_ATTEMPTS', 5, 1, 10_000),
    loginMaxAttemptsPerIp: int(env, 'LOGIN_MAX_ATTEMPTS_PER_IP', 50, 1, 100_000),
    loginMaxAttemptsPerAddress: int(env, 'LOGIN_MAX_ATTEMPTS_PER_ADDRESS', 100, 1, 1_000_000),
    loginWindowSeconds: int(env, 'LOGIN_WINDOW_SECONDS', 900, 1, 86_400),
    wsAuthRecheckMs: int(env, 'WS_AUTH_RECHECK_MS', 60_000, 50, 3_600_000),
    webhookRefusalsPerIp: int(env, 'WEBHOOK_REFUSALS_PER_IP', 120, 1, 1_000_000),
    webhookRefusalWindowSeconds: int(env, 'WEBHOOK_REFUSAL_WINDOW_SECONDS', 60, 1, 86_400),
    metricsToken,
    outbound: outboundSettings(env, cwd),
    inboundPoll: {
      supervisorEveryMs: int(env, 'INBOUND_POLL_SUPERVISOR_MS', 60_000, 50, 3_600_000),
      waitMs: 5_000,
      backoff: DEFAULT_POLL_BACKOFF,
    },
    healthFlushMs: int(env, 'HEALTH_FLUSH_MS', 10_000, 10, 3_600_000),
    alerts: {
      checkEveryMs: int(env, 'ALERT_CHECK_MS', 60_000, 10, 3_600_000),
      refusals: int(env, 'ALERT_REFUSALS', 3, 1, 1_000_000),
      refusalWindowMs: int(env, 'ALERT_REFUSAL_WINDOW_MINUTES', 15, 1, 24 * 60) * 60_000,
      sendFailures: int(env, 'ALERT_SEND_FAILURES', 5, 1, 1000),
      queueWaitMs: int(env, 'ALERT_QUEUE_WAIT_MINUTES', 10, 1, 7 * 24 * 60) * 60_000,
      certificateDays: int(env, 'ALERT_CERTIFICATE_DAYS', 14, 1, 365),
    },
  };
}

/** A BlockList of the trusted proxies, for the X-Forwarded-For rule. */
export function trustedProxyList(config: Pick<Config, 'trustedProxies'>): BlockList {
  const list = new BlockList();
  for (const p of config.trustedProxies) {
    const parsed = parseIpOrCidr(p)!;
    list.addSubnet(parsed.address, parsed.prefix, parsed.family);
  }
  return list;
}

import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import path from 'node:path';
import { freePort } from '../../src/db/embedded';
import { push, type PushResult } from '../fakes/push/http';
import { ADMIN } from './api';
import { FAST_OUTBOUND_ENV } from './outbound';

/**
 * The compiled service (`dist/src/main.js`, built by `npm test` / `npm run build`) as a child process, for
 * the fault tests: kill it with SIGKILL, start it again on the same port and database, as a supervisor
 * (systemd, Kubernetes) would.
 */

export const MAIN = path.join(__dirname, '../../dist/src/main.js');

export interface ServiceProcess {
  url: string;
  port: number;
  proc: ChildProcess;
  /** Everything it printed (JSON log lines). */
  out(): string;
  exit: Promise<number | null>;
  /** SIGKILL, and wait until it is gone. */
  kill(): Promise<void>;
  /** SIGTERM, and wait for the exit code. */
  stop(): Promise<number | null>;
}

export interface ServiceOptions {
  databaseUrl: string;
  /** Same value on every start of one database (stored secrets are sealed with it). */
  secretKey: string;
  port?: number;
  env?: Record<string, string>;
  /** Node options before the script, e.g. a heap limit. */
  nodeArgs?: string[];
  readyTimeoutMs?: number;
}

export function newSecretKey(): string {
  return crypto.randomBytes(32).toString('hex');
}

/** Starts the service for a fault test and resolves once it logged "smsdesk ready". */
export async function startService(o: ServiceOptions): Promise<ServiceProcess> {
  return spawnMain(
    {
      NODE_ENV: 'test',
      PUBLIC_URL: 'https://smsdesk.example.com',
      DATABASE_URL: o.databaseUrl,
      SECRET_KEY: o.secretKey,
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      // The fault tests send hundreds of SMS as one user; the send rate has its own test.
      SEND_MAX_PER_USER: '100000',
      ...FAST_OUTBOUND_ENV,
      // The fake providers run on 127.0.0.1.
      ALLOW_PRIVATE_PROVIDER_URLS: 'true',
      ...o.env,
    },
    o,
  );
}

/**
 * Runs `dist/src/main.js` with `env` (and PATH, a port on loopback, info logs; nothing else of this process's
 * environment) and resolves once its output matches `ready` (at once when `ready` is null).
 */
export async function spawnMain(
  env: Record<string, string>,
  o: { port?: number; nodeArgs?: string[]; ready?: RegExp | null; readyTimeoutMs?: number } = {},
): Promise<ServiceProcess> {
  const port = o.port ?? (await freePort());
  const proc = spawn(process.execPath, [...(o.nodeArgs ?? []), MAIN], {
    env: { PATH: process.env.PATH!, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let buf = '';
  proc.stdout!.on('data', (d) => (buf += d));
  proc.stderr!.on('data', (d) => (buf += d));
  const exit = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  const ready = o.ready === undefined ? /smsdesk ready/ : o.ready;
  const deadline = Date.now() + (o.readyTimeoutMs ?? 20_000);
  if (ready) {
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        if (ready.test(buf)) {
          clearInterval(timer);
          resolve();
        } else if (Date.now() > deadline) {
          clearInterval(timer);
          proc.kill('SIGKILL');
          reject(new Error(`service not ready in time:\n${buf.slice(-4000)}`));
        }
      }, 20);
      void exit.then((code) => {
        clearInterval(timer);
        reject(new Error(`service exited with ${code} before it was ready:\n${buf.slice(-4000)}`));
      });
    });
  }
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    proc,
    out: () => buf,
    exit,
    async kill() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      await exit;
    },
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      return exit;
    },
  };
}

export interface RetryStats {
  /** Attempts answered with a retryable status (5xx, 429) or cut off (connection refused/reset). */
  retried: number;
  statuses: Map<string, number>;
}

/**
 * A provider's delivery loop: sends the same webhook until it gets a 200, backing off briefly between tries,
 * up to a deadline. Anything but 200, 5xx, 429 or a network error is a test failure (the provider would
 * give up on a 4xx).
 */
export async function deliverUntilOk(
  send: () => Promise<PushResult>,
  stats: RetryStats,
  deadlineMs: number,
  backoffMs = 50,
): Promise<PushResult> {
  for (;;) {
    let r: PushResult | undefined;
    let key: string;
    try {
      r = await send();
      key = String(r.status);
    } catch (e) {
      key = (e as NodeJS.ErrnoException).code ?? 'network';
    }
    stats.statuses.set(key, (stats.statuses.get(key) ?? 0) + 1);
    if (r && r.status === 200) return r;
    if (r && r.status < 500 && r.status !== 429) throw new Error(`webhook refused for good: ${r.status} ${r.body}`);
    stats.retried++;
    if (Date.now() > deadlineMs) throw new Error(`webhook not accepted before the deadline (last: ${key})`);
    await new Promise((res) => setTimeout(res, backoffMs));
  }
}

/** Runs `items` through `fn` with at most `concurrency` at a time. */
export async function pool<T, R>(
  items: T[],
  concurrency: number,
  fn: (item: T, i: number) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i], i);
      }
    }),
  );
  return out;
}

/** A small deterministic PRNG (mulberry32), so a "random" kill moment is reproducible from its seed. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export { push };

import fs from 'node:fs';
import { ConfigError } from '../../config';

/**
 * Knobs of the outbound path, read from the environment once (defaults suit production; tests shorten
 * the timings instead of sleeping).
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
  /** Extra CA certificates trusted for provider calls, PEM file (PROVIDER_EXTRA_CA_FILE; tests' fakes). */
  extraCa: string[];
}

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, dflt: number, min: number, max: number): number {
  const v = env[name];
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(name, `must be a whole number from ${min} to ${max}, got "${v}"`);
  return n;
}

export function outboundSettings(env: Env = process.env): OutboundSettings {
  const httpTimeoutMs = int(env, 'OUTBOUND_HTTP_TIMEOUT_MS', 30_000, 50, 300_000);
  let extraCa: string[] = [];
  const caFile = env.PROVIDER_EXTRA_CA_FILE;
  if (caFile) {
    try {
      extraCa = [fs.readFileSync(caFile, 'utf8')];
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
    extraCa,
  };
}

/** Exponential backoff: base, 2·base, 4·base… capped. `n` is 1 for the first retry. */
export function backoffMs(base: number, max: number, n: number): number {
  return Math.min(max, base * 2 ** Math.max(0, n - 1));
}

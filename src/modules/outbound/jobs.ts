import type { EntityManager } from '@mikro-orm/postgresql';

/**
 * graphile-worker task names of the outbound path. Sending has none: the message row is its own queue
 * entry (sender.ts).
 */
export const POLL_DLR_TASK = 'outbound_poll_dlr';

/** Followed by the message id (the SENT batch in sender.ts builds the key in SQL). */
export const POLL_JOB_KEY_PREFIX = `${POLL_DLR_TASK}:`;
export const pollJobKey = (messageId: number) => `${POLL_JOB_KEY_PREFIX}${messageId}`;

/**
 * Adds a graphile-worker job in the caller's transaction (`em.execute` joins it; the job exists if and
 * only if the transaction commits). One job key per message keeps a message from having two poll jobs:
 * re-adding replaces a waiting job, and a running one hands its key over to the new job.
 */
export async function addJob(
  em: EntityManager,
  task: string,
  payload: Record<string, unknown>,
  opts: { delayMs?: number; jobKey?: string; maxAttempts?: number } = {},
): Promise<void> {
  await em.execute(
    `select graphile_worker.add_job(
        ?, cast(? as json),
        run_at => now() + (? * interval '1 millisecond'),
        job_key => ?,
        max_attempts => ?)`,
    [task, JSON.stringify(payload), opts.delayMs ?? 0, opts.jobKey ?? null, opts.maxAttempts ?? 5],
  );
}

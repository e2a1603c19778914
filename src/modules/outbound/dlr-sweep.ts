import type { AppContext } from '../../app-context';
import { intervalLoop, type BackgroundLoop } from '../../common/background-loop';
import { POLL_DLR_TASK } from './jobs';

/**
 * graphile-worker releases the jobs of a dead worker only after 4 hours. A delivery-report poll cannot
 * legitimately hold its lock much longer than one provider call, so a lock older than staleLockMs
 * means its worker died mid-call: unlock it, and another worker polls again. (Sends need no sweep:
 * their leases run out by themselves, sender.ts.) Every instance sweeps, every sweepEveryMs and once at
 * start; the statement is idempotent.
 */
export function staleDlrLockSweep(ctx: AppContext): BackgroundLoop {
  const settings = ctx.config.outbound;
  const sweep = async () => {
    try {
      const rows = await ctx.orm.em.fork().execute<{ locked_by: string }[]>(
        `select distinct locked_by from graphile_worker.jobs
          where task_identifier = ? and locked_by is not null and locked_at < now() - (? * interval '1 millisecond')`,
        [POLL_DLR_TASK, settings.staleLockMs],
      );
      if (rows.length) {
        ctx.log.warn(
          { workers: rows.map((r) => r.locked_by) },
          'outbound: releasing jobs of workers that died mid-poll',
        );
        await ctx.jobs.forceUnlockWorkers(rows.map((r) => r.locked_by));
      }
    } catch (err) {
      ctx.log.warn({ err }, 'outbound: stale-lock sweep failed');
    }
  };
  return intervalLoop('delivery-report stale-lock sweep', settings.sweepEveryMs, sweep, { runAtStart: true });
}

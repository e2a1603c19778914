import { EventEmitter } from 'node:events';
import { run, type Logger as WorkerLogger, type Runner, type TaskList, type WorkerEvents } from 'graphile-worker';
import { Logger } from 'graphile-worker';

type Log = {
  debug(o: unknown, m?: string): void;
  info(o: unknown, m?: string): void;
  warn(o: unknown, m?: string): void;
  error(o: unknown, m?: string): void;
};

/** graphile-worker's log lines through our pino logger (never the console). */
export function workerLogger(log: Log): WorkerLogger {
  return new Logger(() => (level, message, meta) => {
    const fn = level === 'error' ? log.error : level === 'warning' ? log.warn : level === 'info' ? log.info : log.debug;
    fn.call(log, meta ?? {}, `worker: ${message}`);
  });
}

export interface WorkerOptions {
  connectionString: string;
  taskList: TaskList;
  concurrency: number;
  log: Log;
}

/** The job worker as background.ts holds it: graphile-worker's runner, restarted by us when it dies. */
export interface Worker {
  stop(): Promise<void>;
  /** False while the runner is down and waiting to be restarted (readiness). */
  readonly running: boolean;
  /** How many times the runner was restarted after it died. */
  readonly restarts: number;
}

/** Waits between restarts of a dead runner: first, and cap (doubles in between). */
export const workerRestart = { firstMs: 250, capMs: 5_000 };

/**
 * graphile-worker's local queue: the pool fetches (and locks) up to `concurrency` jobs in one query and
 * hands them to its workers, instead of each worker asking for its next job (and, when the queue is
 * empty, asking once more for nothing). Locked jobs of a pool that dies are freed like its running ones
 * (`unlock` below; after a SIGKILL, the outbound stale-lock sweep). `ttlMs`: jobs waiting locally longer
 * go back to the database, so they never look like the stale locks of a dead worker to that sweep
 * (OUTBOUND_STALE_LOCK_MS, 2 minutes by default).
 */
export const localQueue = { ttlMs: 1_000 };

/**
 * Durable jobs on the same PostgreSQL (graphile-worker: LISTEN/NOTIFY wake-up, so a job starts within
 * milliseconds; `graphile_worker.add_job` can run inside our own transactions).
 *
 * graphile-worker rides out a lost connection by itself (its pool and LISTEN reconnect), but some errors
 * while the database is away end its worker pool for good ("could not completeJobs; queue is in an
 * inconsistent state"): the runner's promise settles and no job runs again in this process. So a runner
 * that ends without our stop() is started again with a backoff, and the jobs its dead pool still had
 * locked are unlocked (nobody runs them any more; graphile-worker itself would wait 4 hours).
 */
export async function startWorker(opts: WorkerOptions): Promise<Worker> {
  let stopped = false;
  let runner: Runner | undefined;
  let restarts = 0;
  let wake: (() => void) | undefined;

  const launch = async (): Promise<{ runner: Runner; poolIds: string[] }> => {
    const poolIds: string[] = [];
    // Our own emitter, so that events emitted inside run() ('pool:create') are seen too.
    const events = new EventEmitter() as WorkerEvents;
    events.on('pool:create', ({ workerPool }) => poolIds.push(workerPool.id));
    // A pool that gives up by itself (fatal error → graceful shutdown) may take long to settle, or hang
    // while the database is away: we restart as soon as it gives up, not when its promise settles.
    const gaveUp = () => void died(r, poolIds, 'the job worker pool gave up');
    events.on('pool:fatalError', gaveUp);
    events.on('pool:gracefulShutdown', () => {
      if (!stopped) gaveUp();
    });
    const r: Runner = await run({
      events,
      connectionString: opts.connectionString,
      taskList: opts.taskList,
      concurrency: opts.concurrency,
      maxPoolSize: opts.concurrency + 2,
      noHandleSignals: true,
      pollInterval: 2000,
      // Batched completion: unbatched, graphile-worker 0.17 calls completeJob/failJob without handling their
      // rejection, so a job that ends while the database is away crashes the process (unhandled rejection).
      // Batched, the failure ends the worker pool instead (pool:fatalError), and we restart it.
      preset: {
        worker: {
          completeJobBatchDelay: 0,
          failJobBatchDelay: 0,
          ...(opts.concurrency > 1 ? { localQueue: { size: opts.concurrency, ttl: localQueue.ttlMs } } : {}),
        },
      },
      logger: workerLogger(opts.log),
    });
    const started = r;
    void started.promise.then(
      () => died(started, poolIds, 'the job worker stopped'),
      (err) => died(started, poolIds, 'the job worker stopped with an error', err),
    );
    return { runner: started, poolIds };
  };

  const handled = new WeakSet<Runner>();
  async function died(r: Runner | undefined, deadPools: string[], why: string, err?: unknown): Promise<void> {
    if (!r || stopped || handled.has(r)) return;
    handled.add(r);
    if (runner === r) runner = undefined;
    opts.log.warn({ err, pools: deadPools }, `${why}; restarting it`);
    // Whatever it still does is abandoned: the jobs it held are unlocked below and run by the new pool.
    r.kill('restarting after a fatal error').catch(() => {});
    let wait = workerRestart.firstMs;
    while (!stopped) {
      await new Promise<void>((res) => {
        const t = setTimeout(res, wait);
        wake = () => {
          clearTimeout(t);
          res();
        };
      });
      wake = undefined;
      if (stopped) return;
      try {
        if (deadPools.length) await unlock(opts.connectionString, deadPools);
        const next = await launch();
        if (stopped) return void (await next.runner.stop().catch(() => {}));
        runner = next.runner;
        restarts++;
        opts.log.warn({ restarts }, 'job worker restarted');
        return;
      } catch (e) {
        opts.log.warn({ err: e, retryInMs: wait }, 'job worker could not restart yet');
        wait = Math.min(wait * 2, workerRestart.capMs);
      }
    }
  }

  runner = (await launch()).runner;
  return {
    get running() {
      return runner !== undefined;
    },
    get restarts() {
      return restarts;
    },
    async stop() {
      stopped = true;
      wake?.();
      const r = runner;
      runner = undefined;
      await r?.stop();
    },
  };
}

/** Frees the jobs a dead worker pool had locked, so that the new one (or another instance) runs them. */
async function unlock(connectionString: string, workerIds: string[]): Promise<void> {
  const { makeWorkerUtils } = await import('graphile-worker');
  const utils = await makeWorkerUtils({ connectionString });
  try {
    await utils.forceUnlockWorkers(workerIds);
  } finally {
    await utils.release();
  }
}

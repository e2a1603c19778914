import { run, type Logger as WorkerLogger, type Runner, type TaskList } from 'graphile-worker';
import { Logger } from 'graphile-worker';

type Log = { debug(o: unknown, m?: string): void; info(o: unknown, m?: string): void; warn(o: unknown, m?: string): void; error(o: unknown, m?: string): void };

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

/**
 * Durable jobs on the same PostgreSQL (graphile-worker: LISTEN/NOTIFY wake-up, so a job starts within
 * milliseconds; `graphile_worker.add_job` can run inside our own transactions).
 */
export async function startWorker(opts: WorkerOptions): Promise<Runner> {
  return run({
    connectionString: opts.connectionString,
    taskList: opts.taskList,
    concurrency: opts.concurrency,
    maxPoolSize: opts.concurrency + 2,
    noHandleSignals: true,
    pollInterval: 2000,
    logger: workerLogger(opts.log),
  });
}

import type { AppContext } from './app-context';
import type { BackgroundLoop } from './common/background-loop';
import { startWorker, type Worker } from './jobs/worker';
import { taskList } from './jobs/tasks';
import { startPollSupervisor } from './modules/inbound/tasks';
import { staleDlrLockSweep } from './modules/outbound/dlr-sweep';
import { OutboundSender } from './modules/outbound/sender';
import { KeywordWatch } from './modules/optouts/keyword-watch';
import { intervalLoop } from './common/background-loop';

/** graphile-worker's runner (restarted when it dies, jobs/worker.ts), as a loop; `running` is for readiness. */
class JobWorkerLoop implements BackgroundLoop {
  readonly name = 'job worker';
  private worker?: Worker;

  constructor(
    private readonly ctx: AppContext,
    private readonly databaseUrl: string,
  ) {}

  get running(): boolean {
    return this.worker?.running ?? false;
  }

  async start(): Promise<void> {
    const { ctx } = this;
    this.worker = await startWorker({
      connectionString: this.databaseUrl,
      taskList: taskList(ctx),
      concurrency: ctx.config.workerConcurrency,
      log: ctx.log,
    });
  }

  async stop(): Promise<void> {
    await this.worker?.stop();
  }
}

/** The shared work an instance takes part in (INSTANCE_ROLE all or worker), the job worker first. */
function workLoops(ctx: AppContext, worker: JobWorkerLoop): BackgroundLoop[] {
  // Sending runs where jobs run: the sender claims due messages from the table (no job per SMS).
  const sender = new OutboundSender(ctx, ctx.config.outbound, { concurrency: ctx.config.workerConcurrency });
  return [
    worker,
    { name: 'outbound sender', start: () => void sender.start(), stop: () => sender.stop() },
    // Every working instance queues the supervisor (one job key): whichever worker runs it keeps the polls going.
    { name: 'inbound poll supervisor', start: () => startPollSupervisor(ctx), stop: () => {} },
    staleDlrLockSweep(ctx),
    // Any number of instances may check: the alert table keeps one alert per condition.
    intervalLoop('alert checks', ctx.config.alerts.checkEveryMs, () =>
      ctx.services.alerts
        .check(ctx.orm.em.fork())
        .then(() => {})
        .catch((err) => ctx.log.warn({ err }, 'alert check failed')),
    ),
  ];
}

/** Adds this instance's mailbox health counts to the database every HEALTH_FLUSH_MS, and once more on stop. */
function healthFlush(ctx: AppContext): BackgroundLoop {
  const flush = () =>
    ctx.services.health.flush(ctx.orm.em.fork()).catch((err) => ctx.log.warn({ err }, 'mailbox health: flush failed'));
  const loop = intervalLoop('mailbox health flush', ctx.config.healthFlushMs, flush);
  return {
    name: loop.name,
    start: () => loop.start(),
    async stop() {
      await loop.stop();
      await flush();
    },
  };
}

export interface Background {
  /** The job worker, when this instance runs one (readiness asks whether it is up). */
  readonly worker?: { readonly running: boolean };
  /** Starts every loop in order; when one fails, those already started are stopped and the error is thrown. */
  start(): Promise<void>;
  /** Stops the started loops in reverse order; all of them, even when one fails (its error is thrown after). */
  stop(): Promise<void>;
}

/**
 * Every background loop of an app instance, in start order. Stopping goes in reverse, so the job worker,
 * which the others' jobs and sends rely on, is the last to stop but for the health flush.
 * `work`: the instance's share of the shared work (job worker, sender, polls, sweeps, checks), off on a web
 * instance (INSTANCE_ROLE=web) so that web and worker instances scale separately. `sockets`: the upkeep of
 * this instance's own graphql-ws sockets (token re-checks, keep-alive pings), which only it can do; none on
 * a worker instance, which serves no sockets. `databaseUrl`: the job worker's connection.
 */
export function background(
  ctx: AppContext,
  opts: { work: boolean; databaseUrl: string; sockets: BackgroundLoop[] },
): Background {
  const worker = opts.work ? new JobWorkerLoop(ctx, opts.databaseUrl) : undefined;
  const loops: BackgroundLoop[] = [
    // Every instance counts webhooks, so every instance adds its health counts to the shared table; stopped
    // last, its final flush holds what the sender and the jobs counted while they stopped.
    healthFlush(ctx),
    // Every instance takes inbound messages (webhooks, or polls on workers), so every one keeps its keyword
    // lists current.
    new KeywordWatch(ctx.events, ctx.services.optOuts, ctx.log),
    ...(worker ? workLoops(ctx, worker) : []),
    ...opts.sockets,
  ];
  const started: BackgroundLoop[] = [];
  const stop = async () => {
    let failed: unknown;
    for (let l = started.pop(); l; l = started.pop()) {
      try {
        await l.stop();
      } catch (err) {
        ctx.log.error({ err, loop: l.name }, 'a background loop failed to stop');
        failed ??= err;
      }
    }
    if (failed) throw failed;
  };
  return {
    worker,
    async start() {
      for (const l of loops) {
        try {
          await l.start();
        } catch (e) {
          await stop().catch(() => {});
          throw e;
        }
        started.push(l);
      }
    },
    stop,
  };
}

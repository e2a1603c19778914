import type { EntityManager } from '@mikro-orm/postgresql';
import type { JobHelpers, TaskList } from 'graphile-worker';
import type { AppContext } from '../../app-context';
import { DEFAULT_POLL_BACKOFF, type PollBackoff } from '../../config';
import { ProviderId } from '../providers/catalog.types';
import { ProviderPollError } from '../providers/adapter-inbound';
import { adapterFor } from '../providers/registry';
import type { InboundService } from './inbound.service';

export const POLL_TASK = 'inbound_poll';
export const SUPERVISOR_TASK = 'inbound_poll_supervisor';

/** Providers whose inbound SMS are polled (the adapters that have a poller). */
export const POLLED_PROVIDERS = Object.values(ProviderId).filter((p) => adapterFor(p).poller);

/** Inbound events are kept this long. */
const EVENT_RETENTION_DAYS = 30;

const jobKey = (gatewayId: number) => `${POLL_TASK}:${gatewayId}`;

/**
 * Attempts of a poll or supervisor job. Provider errors never fail the job (pollMailbox backs off by
 * itself); what does is our own side, e.g. the database away for a moment. With one attempt such a
 * job ended its chain (a mailbox unpolled until the next supervisor run, the supervisor itself until a
 * restart); with more, graphile-worker retries it with its own backoff (e^n s) and the chain goes on.
 */
export const CHAIN_ATTEMPTS = 10;

/**
 * After a failed poll: exponential, with a cap; a configuration error (bad credentials, no prefix) waits
 * longer, since only an admin can fix it.
 */
export function backoffMs(failures: number, retryable: boolean, b: PollBackoff = DEFAULT_POLL_BACKOFF): number {
  const base = retryable ? b.retryableBaseMs : b.configBaseMs;
  const cap = retryable ? b.retryableCapMs : b.configCapMs;
  const raw = Math.min(cap, base * 2 ** Math.max(0, failures - 1));
  return Math.round(raw * (0.8 + Math.random() * 0.4));
}

async function schedule(
  em: EntityManager,
  gatewayId: number,
  runAt: Date,
  mode: 'replace' | 'preserve_run_at',
): Promise<void> {
  // One job per mailbox (job key) in a queue of its own: two polls of one mailbox never overlap.
  await em.execute(
    `select graphile_worker.add_job(?, json_build_object('gatewayId', ?::int), queue_name => ?, run_at => ?::timestamptz, max_attempts => ?, job_key => ?, job_key_mode => ?)`,
    [POLL_TASK, gatewayId, jobKey(gatewayId), runAt.toISOString(), CHAIN_ATTEMPTS, jobKey(gatewayId), mode],
  );
}

/**
 * Makes sure every active mailbox of a polled provider has its poll job. An existing job keeps its time
 * (and so its backoff) unless `now` asks for a poll at once.
 */
export async function ensurePollJobs(em: EntityManager, opts: { now?: boolean } = {}): Promise<number[]> {
  const rows = await em.execute<{ id: number }[]>(
    `select id from gateway where incoming_active and destination_number is not null and provider = any(?::provider_id[])`,
    [`{${POLLED_PROVIDERS.join(',')}}`],
  );
  for (const r of rows) await schedule(em, r.id, new Date(), opts.now ? 'replace' : 'preserve_run_at');
  return rows.map((r) => r.id);
}

/** Queues the supervisor at once (idempotent: one job key); called at start-up by every instance. */
export async function startPollSupervisor(ctx: AppContext): Promise<void> {
  await ctx.jobs
    .addJob(SUPERVISOR_TASK, {}, { jobKey: SUPERVISOR_TASK, jobKeyMode: 'replace', maxAttempts: CHAIN_ATTEMPTS })
    .catch((err) => ctx.log.warn({ err }, 'inbound: could not queue the poll supervisor'));
}

/** One poll of one mailbox: fetch, store each message in its own transaction, acknowledge after the commit. */
export async function pollMailbox(
  ctx: AppContext,
  service: InboundService,
  gatewayId: number,
  signal?: AbortSignal,
): Promise<{ stored: number; duplicates: number; nextRunAt?: Date }> {
  const em = ctx.orm.em.fork();
  const m = await service.mailboxes.byId(em, gatewayId);
  const poller = m ? adapterFor(m.provider).poller : undefined;
  // A mailbox that was deleted, switched off or moved to another provider: its job chain ends here.
  if (!m || !poller || !m.incomingActive || !m.destination) return { stored: 0, duplicates: 0 };
  const [state] = await em.execute<{ cursor: string | null; failures: number }[]>(
    `select cursor, failures from inbound_poll_state where gateway_id = ?`,
    [gatewayId],
  );
  const now = new Date();
  let stored = 0;
  let duplicates = 0;
  let nextRunAt: Date;
  try {
    const batch = await ctx.metrics.providerCall(m.provider, 'poll', () =>
      poller.poll(m.mailbox(), {
        cursor: state?.cursor ?? undefined,
        now,
        waitMs: ctx.config.inboundPoll.waitMs,
        signal,
        extraCa: ctx.config.outbound.extraCa,
        allowPrivateAddresses: ctx.config.outbound.allowPrivateAddresses,
      }),
    );
    for (const sms of batch.messages) {
      const r = await service.storePolled(em, { id: m.id, provider: m.provider, destination: m.destination }, sms);
      if (r.duplicate) duplicates++;
      else stored++;
      // Only now may the provider forget it (MultiInfo confirmsms); a crash before this re-delivers, and
      // the unique key turns the re-delivery into a duplicate.
      await sms.ack?.();
    }
    await em.execute(
      `insert into inbound_poll_state (gateway_id, cursor, failures, last_error, last_polled_at, last_success_at, next_poll_at, updated_at)
       values (?, ?, 0, null, ?, ?, ?, now())
       on conflict (gateway_id) do update set cursor = coalesce(excluded.cursor, inbound_poll_state.cursor), failures = 0, last_error = null,
         last_polled_at = excluded.last_polled_at, last_success_at = excluded.last_success_at, next_poll_at = excluded.next_poll_at, updated_at = now()`,
      // More waiting: at once. Otherwise the rest of the interval; a long poll that waited already used it.
      [
        gatewayId,
        batch.nextCursor ?? state?.cursor ?? null,
        now,
        now,
        (nextRunAt = new Date(
          Date.now() + (batch.more ? 0 : Math.max(0, poller.intervalMs - (Date.now() - now.getTime()))),
        )),
      ],
    );
    ctx.metrics.pollRun(m.provider);
  } catch (e) {
    ctx.metrics.pollRun(m.provider, e);
    const failures = (state?.failures ?? 0) + 1;
    const retryable = !(e instanceof ProviderPollError) || e.retryable;
    nextRunAt = new Date(Date.now() + backoffMs(failures, retryable, ctx.config.inboundPoll.backoff));
    const message = e instanceof ProviderPollError ? e.message : `internal error: ${(e as Error).message}`;
    ctx.log.warn(
      { gatewayId, provider: m.provider, failures, retryInMs: nextRunAt.getTime() - Date.now(), err: message },
      'inbound poll failed; backing off',
    );
    await em.execute(
      `insert into inbound_poll_state (gateway_id, failures, last_error, last_polled_at, next_poll_at, updated_at)
       values (?, ?, ?, ?, ?, now())
       on conflict (gateway_id) do update set failures = excluded.failures, last_error = excluded.last_error,
         last_polled_at = excluded.last_polled_at, next_poll_at = excluded.next_poll_at, updated_at = now()`,
      [gatewayId, failures, message.slice(0, 1000), now, nextRunAt],
    );
  }
  return { stored, duplicates, nextRunAt };
}

/** Inbound jobs: the per-mailbox poll (self-rescheduling) and the supervisor that starts and retires them. */
export function inboundTasks(ctx: AppContext): TaskList {
  return {
    [POLL_TASK]: async (payload: unknown, helpers: JobHelpers) => {
      const gatewayId = Number((payload as { gatewayId?: number })?.gatewayId);
      if (!Number.isInteger(gatewayId)) return;
      const r = await pollMailbox(ctx, ctx.services.inbound, gatewayId, helpers.abortSignal);
      if (r.nextRunAt) await schedule(ctx.orm.em.fork(), gatewayId, r.nextRunAt, 'replace');
    },
    [SUPERVISOR_TASK]: async () => {
      const em = ctx.orm.em.fork();
      try {
        await ensurePollJobs(em);
        // Retention of the inbound event log, in bounded batches.
        await em.execute(
          `delete from inbound_event where id in (select id from inbound_event where received_at < now() - make_interval(days => ?) limit 5000)`,
          [EVENT_RETENTION_DAYS],
        );
      } finally {
        await ctx.jobs.addJob(
          SUPERVISOR_TASK,
          {},
          {
            jobKey: SUPERVISOR_TASK,
            jobKeyMode: 'replace',
            maxAttempts: CHAIN_ATTEMPTS,
            runAt: new Date(Date.now() + ctx.config.inboundPoll.supervisorEveryMs),
          },
        );
      }
    },
  };
}

import type { AppContext } from '../../app-context';
import { announceStatus, statusSinkOf } from './status';
import { MessageStatus } from '../tickets/message.entity';
import { attemptSend, MailboxCache, type Claimed, type Outcomes } from './send';
import { POLL_DLR_TASK, POLL_JOB_KEY_PREFIX } from './jobs';
import type { OutboundSettings } from './outbound.settings';
import { OPT_OUT_FACTS_JSON } from '../optouts/optout.service';
import type { ProviderId } from '../providers/catalog.types';

/**
 * Takes due messages for this instance: up to `limit` QUEUED outbound rows whose time has come and that
 * no live instance holds, in one statement. SKIP LOCKED lets instances claim side by side without
 * waiting for each other; the lease keeps a claimed row from every other claim until it runs out;
 * the in-flight mark (step 1 of attemptSend) is written in the same commit, before any provider call.
 * The mark as it was travels along: set, it means an earlier attempt was cut off mid-call. An existing mark
 * is kept, so it dates the first attempt that may have reached the provider (idempotency keys expire).
 * The recipient's opt-out travels along too (the registry's key), so a message queued before its number
 * opted out, on whichever instance, fails before its provider is called; the confirmation queued with the
 * opt-out is the one message let through.
 */
const CLAIM = `
  with due as (select m.id, m.in_flight_since, m.gateway_id, m.to_address from message m
                where m.direction = 'OUTBOUND' and m.status = 'QUEUED' and m.next_attempt_at <= now()
                  and (m.lease_until is null or m.lease_until < now())
                  and m.id <> all(?::int[])
                order by m.next_attempt_at limit ?
                for update of m skip locked)
  update message m set lease_until = now() + (? * interval '1 millisecond'), in_flight_since = coalesce(m.in_flight_since, now()),
                       attempts = m.attempts + 1, updated_at = now()
    from due left join gateway g on g.id = due.gateway_id
         left join opt_out o on o.phone_number = due.to_address and o.opted_out and o.confirmation_message_id is distinct from due.id
   where m.id = due.id
  returning m.id, m.to_address, m.text, m.encoding, m.parts, m.attempts, m.created_at, m.gateway_id, m.idempotency_key,
            g.provider, g.updated_at as gateway_updated_at, due.in_flight_since as prev_in_flight,
            (extract(epoch from now() - due.in_flight_since) * 1000)::float8 as prev_in_flight_age_ms,
            case when o.phone_number is not null then ${OPT_OUT_FACTS_JSON} end as opted_out`;

/**
 * SENT for every message of a batch (what `transition` does for one), with the first delivery-report poll of
 * those whose provider is polled, in the same statement. Only a message still QUEUED is written (the status
 * machine, message_status.sql, would not let another become SENT either): one that failed or was sent
 * meanwhile (another instance resumed it after its lease ran out) keeps its facts, is not announced again,
 * and gets no second poll job.
 */
const SENT = `
  with u as (update message m set
                    status = 'SENT', provider_message_id = coalesce(v.pid, m.provider_message_id), cost = coalesce(v.cost, m.cost),
                    error_code = null, error_message = null,
                    sent_at = coalesce(m.sent_at, now()), in_flight_since = null, lease_until = null, updated_at = now()
               from json_to_recordset(?::json) as v(id int, pid text, cost float8, poll boolean)
              where m.id = v.id and m.direction = 'OUTBOUND' and m.status = 'QUEUED'
              returning m.id, m.ticket_id, m.gateway_id, m.status, v.poll),
       j as (select graphile_worker.add_job(?, json_build_object('messageId', u.id, 'n', 1), run_at => now() + (? * interval '1 millisecond'),
                                            job_key => ? || u.id, max_attempts => 5) from u where u.poll)
  select u.id, u.ticket_id, u.gateway_id, u.status, (select count(*) from j)::int as polls from u`;

const UNIQUE_VIOLATION = '23505';

/** Errors after which the same statement may well succeed: the connection or the server, not the data. */
function transient(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  // No SQLSTATE: a socket error (ECONNREFUSED, ECONNRESET), "Connection terminated", a pool timeout.
  if (typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code)) return true;
  // Connection exceptions, operator intervention (shutdown, crash recovery), too many connections, serialisation.
  return code.startsWith('08') || code.startsWith('57P') || code === '53300' || code === '40001' || code === '40P01';
}

export interface SenderOptions {
  /** Provider calls in flight at once, at most (WORKER_CONCURRENCY). */
  concurrency: number;
}

/** A send finished; its SENT is waiting for the next batch write. */
interface Sent {
  id: number;
  provider: ProviderId;
  providerMessageId?: string;
  cost?: number;
  /** Its provider's delivery reports are polled: the first poll is scheduled with SENT. */
  poll: boolean;
  log: Record<string, unknown>;
}

/**
 * The outbound sender of one instance: claims due messages in batches, calls their providers
 * (`attemptSend`), and writes SENT for the sends that finished meanwhile in one statement. Every
 * instance that runs jobs runs one; they share the queue, which is the `message` table itself: a job per
 * SMS would cost a job insert in sendSms's transaction and a fetch, a completion and a commit per message
 * in the worker, where claiming due rows in batches leaves one commit per message, sendSms's own.
 *
 * When it claims:
 * - on every QUEUED event (this instance's at once, other instances' through LISTEN/NOTIFY);
 * - when sends finish and the last claim was full (more may be waiting);
 * - when a retry's backoff ends (a timer of this instance);
 * - every `pollMs` (OUTBOUND_POLL_MS): retries scheduled by other instances, leases of dead instances
 *   that ran out, and messages whose event was lost while LISTEN was down.
 * Claims never overlap: a wish to claim while one runs makes it run once more.
 */
export class OutboundSender {
  private readonly mailboxes = new MailboxCache();
  private readonly running = new Set<Promise<void>>();
  private inFlight = 0;
  /**
   * Messages of this instance whose attempt or outcome write is not over (in flight, or a write being
   * retried): never claimed again by this instance, even when the lease runs out meanwhile.
   */
  private readonly holding = new Set<number>();
  private claiming?: Promise<void>;
  private again = false;
  /** The last claim took all it asked for: claim again as soon as a part of the slots is free. */
  private more = false;
  private stopped = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  private subscription?: AsyncIterator<unknown>;
  private readonly toWrite: Sent[] = [];
  /** How many of the first `toWrite` entries to write one per statement (the rows of a refused batch). */
  private single = 0;
  private writing?: Promise<void>;
  private readonly outcomes: Outcomes = {
    sent: (s) => this.sent(s),
    retryIn: (ms) => this.after(ms),
    write: (row, what, fn) => this.durably(row, what, fn),
  };

  constructor(
    private readonly ctx: AppContext,
    private readonly settings: OutboundSettings,
    private readonly opts: SenderOptions,
  ) {}

  start(): this {
    if (this.settings.staleLockMs <= this.settings.httpTimeoutMs) {
      // The lease is what keeps two instances off one message: it must outlast the call it covers.
      this.ctx.log.warn(
        { staleLockMs: this.settings.staleLockMs, httpTimeoutMs: this.settings.httpTimeoutMs },
        'outbound: OUTBOUND_STALE_LOCK_MS is not longer than OUTBOUND_HTTP_TIMEOUT_MS; a slow provider call can outlive its lease and be resumed by another instance',
      );
    }
    const poll = setInterval(() => this.kick(), this.settings.pollMs);
    poll.unref();
    this.timers.add(poll);
    const events = this.ctx.events.subscribe('MESSAGE_STATUS_CHANGED')[Symbol.asyncIterator]();
    this.subscription = events;
    void (async () => {
      for (let e = await events.next(); !e.done; e = await events.next())
        if (e.value.status === MessageStatus.QUEUED) this.kick();
    })().catch((err) => this.ctx.log.error({ err }, 'outbound: event subscription ended'));
    this.kick();
    return this;
  }

  /**
   * Stops claiming, waits for a claim under way, lets the sends in flight finish and writes their
   * outcomes. Each send is bounded by OUTBOUND_HTTP_TIMEOUT_MS (30 s by default), longer than main.ts
   * waits for a SIGTERM'd process (20 s): a send cut off there keeps its in-flight mark, and is resumed
   * as any interrupted attempt is.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await this.subscription?.return?.();
    // A claim that commits after this point would start sends nobody waits for.
    await this.claiming;
    while (this.running.size) await Promise.allSettled([...this.running]);
    while (this.writing) await this.writing;
  }

  /** Claims now, or once more after the claim that is running. */
  kick(): void {
    if (this.stopped) return;
    if (this.claiming) {
      this.again = true;
      return;
    }
    this.claiming = this.claim().finally(() => (this.claiming = undefined));
  }

  private async claim(): Promise<void> {
    try {
      do {
        this.again = false;
        const free = this.opts.concurrency - this.inFlight;
        if (free <= 0) {
          this.more = true;
          break;
        }
        // The lease ends, by our clock, no later than this (taken before the claim, which starts it).
        const leaseEnds = Date.now() + this.settings.staleLockMs;
        const rows = await this.ctx.orm.em
          .fork()
          .execute<Claimed[]>(CLAIM, [`{${[...this.holding].join(',')}}`, free, this.settings.staleLockMs]);
        this.more = rows.length === free;
        for (const row of rows) this.launch({ ...row, leaseEnds });
      } while (this.again && !this.stopped);
    } catch (err) {
      // The database is away, most likely: the next poll tries again.
      this.ctx.log.warn({ err }, 'outbound: could not claim messages');
    }
  }

  private launch(row: Claimed): void {
    this.inFlight++;
    this.holding.add(row.id);
    const p = attemptSend(this.ctx, this.settings, row, this.mailboxes, this.outcomes)
      .then(
        (pendingSent) => {
          // A SENT waiting for its batch stays held until written.
          if (!pendingSent) this.holding.delete(row.id);
        },
        (err) => {
          // An outcome could not be written, even after retries: the lease runs out and the message is resumed
          // as an attempt cut off mid-call (for a provider without idempotency: FAILED, UNKNOWN_OUTCOME).
          this.holding.delete(row.id);
          this.ctx.log.error({ err, messageId: row.id }, 'outbound: could not record the outcome of an attempt');
        },
      )
      .finally(() => {
        this.inFlight--;
        this.running.delete(p);
        // Refill in batches, not a claim per finished send.
        const free = this.opts.concurrency - this.inFlight;
        if (this.more && (free >= Math.max(1, this.opts.concurrency >> 2) || this.inFlight === 0)) this.kick();
      });
    this.running.add(p);
  }

  private after(ms: number): void {
    if (this.stopped) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.kick();
    }, ms);
    t.unref();
    this.timers.add(t);
  }

  private sent(s: Sent): void {
    this.toWrite.push(s);
    this.writing ??= this.writeSent();
  }

  /**
   * Runs an outcome write, again after a pause when it failed for a passing reason (the database away),
   * for as long as the lease lasts: a known outcome ("not sent, retry later", "failed") is worth keeping,
   * since once the lease runs out the message counts as cut off mid-call.
   */
  private async durably<T>(row: Claimed, what: string, write: () => Promise<T>): Promise<T> {
    let wait = 250;
    for (;;) {
      try {
        return await write();
      } catch (err) {
        if (!transient(err) || this.stopped || Date.now() + wait > (row.leaseEnds ?? 0) - 1_000) throw err;
        this.ctx.log.warn({ err, messageId: row.id, retryInMs: wait }, `outbound: could not record ${what} yet`);
        await new Promise((r) => setTimeout(r, wait));
        wait = Math.min(wait * 2, 5_000);
      }
    }
  }

  /**
   * Writes SENT for all finished sends in one statement, batch after batch, so a commit (and its WAL
   * flush) is shared by every send that finished meanwhile. A failed write is tried again: the provider
   * took these messages, and their in-flight marks would otherwise turn into "outcome unknown" once
   * the leases run out. On stop, one last try; what still fails is resumed from its lease (SMSAPI and
   * SerwerSMS find the first attempt; other providers' messages end FAILED with the reason).
   */
  private async writeSent(): Promise<void> {
    try {
      await this.writeBatches();
    } finally {
      this.writing = undefined;
      // A send that finished between the loop's last check and now found a writer still set.
      if (this.toWrite.length) this.writing = this.writeSent();
    }
  }

  private async writeBatches(): Promise<void> {
    let wait = 250;
    while (this.toWrite.length) {
      // After a refused batch its messages go one at a time (`single`), so one bad row cannot hold back the others.
      const batch = this.single > 0 ? this.toWrite.splice(0, 1) : this.toWrite.splice(0, 500);
      try {
        await this.writeSentBatch(batch);
        if (this.single > 0) this.single--;
        wait = 250;
      } catch (err) {
        if (!transient(err) && batch.length > 1) {
          this.ctx.log.warn(
            { err, messages: batch.length },
            'outbound: a SENT batch was refused; writing its messages one by one',
          );
          this.toWrite.unshift(...batch);
          this.single = batch.length;
          continue;
        }
        const [alone] = batch;
        if ((err as { code?: string }).code === UNIQUE_VIOLATION && batch.length === 1 && alone.providerMessageId) {
          // The provider gave an id another message already has (message_provider_id_unique): SENT without it.
          this.ctx.log.warn(
            { messageId: alone.id, providerMessageId: alone.providerMessageId },
            'outbound: the provider answered with the id of another message; stored without it',
          );
          this.toWrite.unshift({ ...alone, providerMessageId: undefined, poll: false });
          continue;
        }
        if (!transient(err) || this.stopped) {
          if (this.single > 0) this.single--;
          const given = transient(err) ? [...batch, ...this.toWrite.splice(0)] : batch;
          for (const x of given) this.holding.delete(x.id);
          this.ctx.log.error(
            { err, messages: given.map((x) => x.id) },
            'outbound: could not record SENT; the messages will be resumed once their leases run out',
          );
          continue;
        }
        this.toWrite.unshift(...batch);
        this.ctx.log.warn({ err, messages: batch.length, retryInMs: wait }, 'outbound: could not record SENT yet');
        await new Promise((r) => setTimeout(r, wait));
        wait = Math.min(wait * 2, 5_000);
      }
    }
  }

  private async writeSentBatch(batch: Sent[]): Promise<void> {
    const rows = await this.ctx.orm.em
      .fork()
      .execute<{ id: number; ticket_id: number | null; gateway_id: number | null; status: MessageStatus }[]>(SENT, [
        JSON.stringify(
          batch.map((s) => ({ id: s.id, pid: s.providerMessageId ?? null, cost: s.cost ?? null, poll: s.poll })),
        ),
        POLL_DLR_TASK,
        this.settings.dlrPollBaseMs,
        POLL_JOB_KEY_PREFIX,
      ]);
    const moved = new Map(rows.map((r) => [Number(r.id), r]));
    for (const s of batch) {
      this.holding.delete(s.id);
      const r = moved.get(s.id);
      // Not moved: FAILED meanwhile (another instance resumed it after its lease ran out).
      if (r?.status !== MessageStatus.SENT) continue;
      announceStatus(statusSinkOf(this.ctx), {
        messageId: s.id,
        ticketId: r.ticket_id ?? null,
        gatewayId: r.gateway_id,
        status: MessageStatus.SENT,
        provider: s.provider,
      });
      this.ctx.log.info(s.log, 'outbound: sent');
    }
  }
}

import type { AppContext } from '../../app-context';
import { MessageStatus } from '../tickets/message.entity';
import { attemptSend, MailboxCache, type Claimed, type Outcomes } from './send';
import type { OutboundSettings } from './outbound.settings';

/**
 * Takes due messages for this instance: up to `limit` QUEUED outbound rows whose time has come and that
 * no live instance holds, in one statement. SKIP LOCKED lets instances claim side by side without
 * waiting for each other; the lease keeps a claimed row from every other claim until it runs out;
 * the in-flight mark (step 1 of attemptSend) is written in the same commit, before any provider call.
 * The mark as it was travels along: set, it means an earlier attempt was cut off mid-call.
 */
const CLAIM = `
  with due as (select m.id, m.in_flight_since, m.gateway_id from message m
                where m.direction = 'OUTBOUND' and m.status = 'QUEUED' and m.next_attempt_at <= now()
                  and (m.lease_until is null or m.lease_until < now())
                order by m.next_attempt_at limit ?
                for update of m skip locked)
  update message m set lease_until = now() + (? * interval '1 millisecond'), in_flight_since = now(), attempts = m.attempts + 1, updated_at = now()
    from due left join gateway g on g.id = due.gateway_id
   where m.id = due.id
  returning m.id, m.to_address, m.text, m.encoding, m.parts, m.attempts, m.created_at, m.gateway_id,
            g.updated_at as gateway_updated_at, due.in_flight_since as prev_in_flight`;

/** SENT for every message of a batch that is still QUEUED (what `transition` does for one). */
const SENT = `
  update message m set status = 'SENT', provider_message_id = coalesce(v.pid, m.provider_message_id), cost = coalesce(v.cost, m.cost),
         error_code = null, error_message = null, sent_at = coalesce(m.sent_at, now()), in_flight_since = null, lease_until = null, updated_at = now()
    from json_to_recordset(?::json) as v(id int, pid text, cost float8)
   where m.id = v.id and m.direction = 'OUTBOUND' and m.status = 'QUEUED'
  returning m.id, m.ticket_id`;

export interface SenderOptions {
  /** Provider calls in flight at once, at most (WORKER_CONCURRENCY). */
  concurrency: number;
}

/** A send finished; its SENT is waiting for the next batch write. */
interface Sent {
  id: number;
  providerMessageId?: string;
  cost?: number;
  log: Record<string, unknown>;
}

/**
 * The outbound sender of one instance: claims due messages in batches, calls their providers
 * (`attemptSend`), and writes SENT for the sends that finished meanwhile in one statement. Every
 * instance that runs jobs runs one; they share the queue, which is the `message` table itself
 * (migration 20261124190000 says why not a graphile-worker job per message).
 *
 * When it claims:
 * - on every QUEUED event (LISTEN/NOTIFY, so also for messages queued on another instance);
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
  private claiming = false;
  private again = false;
  /** The last claim took all it asked for: claim again as soon as a part of the slots is free. */
  private more = false;
  private stopped = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  private subscription?: AsyncIterator<unknown>;
  private readonly toWrite: Sent[] = [];
  private writing?: Promise<void>;
  private readonly outcomes: Outcomes = {
    sent: (s) => this.sent(s),
    retryIn: (ms) => this.after(ms),
  };

  constructor(
    private readonly ctx: AppContext,
    private readonly settings: OutboundSettings,
    private readonly opts: SenderOptions,
  ) {}

  start(): this {
    const poll = setInterval(() => this.kick(), this.settings.pollMs);
    poll.unref();
    this.timers.add(poll);
    const events = this.ctx.events.subscribe('MESSAGE_STATUS_CHANGED')[Symbol.asyncIterator]();
    this.subscription = events;
    void (async () => {
      for (let e = await events.next(); !e.done; e = await events.next()) if (e.value.status === MessageStatus.QUEUED) this.kick();
    })().catch((err) => this.ctx.log.error({ err }, 'outbound: event subscription ended'));
    this.kick();
    return this;
  }

  /** Stops claiming, lets the sends in flight finish (each is bounded by OUTBOUND_HTTP_TIMEOUT_MS) and writes their outcomes. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await this.subscription?.return?.();
    while (this.running.size) await Promise.allSettled([...this.running]);
    await this.writing;
  }

  /** Claims now, or once more after the claim that is running. */
  kick(): void {
    if (this.stopped) return;
    if (this.claiming) {
      this.again = true;
      return;
    }
    void this.claim();
  }

  private async claim(): Promise<void> {
    this.claiming = true;
    try {
      do {
        this.again = false;
        const free = this.opts.concurrency - this.inFlight;
        if (free <= 0) {
          this.more = true;
          break;
        }
        const rows = await this.ctx.orm.em.fork().execute<Claimed[]>(CLAIM, [free, this.settings.staleLockMs]);
        this.more = rows.length === free;
        for (const row of rows) this.launch(row);
      } while (this.again && !this.stopped);
    } catch (err) {
      // The database is away, most likely: the next poll tries again.
      this.ctx.log.warn({ err }, 'outbound: could not claim messages');
    } finally {
      this.claiming = false;
    }
  }

  private launch(row: Claimed): void {
    this.inFlight++;
    const p = attemptSend(this.ctx, this.settings, row, this.mailboxes, this.outcomes)
      .catch((err) => {
        // Recording a failure failed (the database, most likely): the lease runs out and the message is resumed.
        this.ctx.log.error({ err, messageId: row.id }, 'outbound: could not record the outcome of an attempt');
      })
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
      // In the same tick as the loop's last check: a send finishing now starts a new writer.
      this.writing = undefined;
    }
  }

  private async writeBatches(): Promise<void> {
    let wait = 250;
    while (this.toWrite.length) {
      const batch = this.toWrite.splice(0, 500);
      try {
        const rows = await this.ctx.orm.em
          .fork()
          .execute<{ id: number; ticket_id: number | null }[]>(SENT, [JSON.stringify(batch.map((s) => ({ id: s.id, pid: s.providerMessageId ?? null, cost: s.cost ?? null })))]);
        const moved = new Map(rows.map((r) => [Number(r.id), r.ticket_id]));
        for (const s of batch) {
          if (!moved.has(s.id)) continue; // no longer QUEUED: another attempt or a report settled it
          this.ctx.events.publish('MESSAGE_STATUS_CHANGED', { messageId: s.id, ticketId: moved.get(s.id) ?? null, status: MessageStatus.SENT });
          this.ctx.log.info(s.log, 'outbound: sent');
        }
        wait = 250;
      } catch (err) {
        this.toWrite.unshift(...batch);
        if (this.stopped) {
          this.ctx.log.error({ err, messages: this.toWrite.map((s) => s.id) }, 'outbound: could not record SENT before stopping; the messages will be resumed');
          this.toWrite.length = 0;
          return;
        }
        this.ctx.log.warn({ err, messages: batch.length, retryInMs: wait }, 'outbound: could not record SENT yet');
        await new Promise((r) => setTimeout(r, wait));
        wait = Math.min(wait * 2, 5_000);
      }
    }
  }
}

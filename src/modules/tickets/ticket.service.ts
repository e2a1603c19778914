import type { EntityManager } from '@mikro-orm/postgresql';
import { MessageRule } from '../rules/message-rule.entity';
import { route, type RoutingDecision } from '../rules/rule-engine';

/** Name of the queue messages go to when no rule matches; created on first use. */
export const DEFAULT_QUEUE_NAME = 'SMS';

/** Shared by the inbound and outbound paths: where a conversation lives and which ticket it is. */
export class TicketService {
  /** Active rules as the engine's plain values. */
  async rules(em: EntityManager) {
    const rows = await em.find(MessageRule, { active: true }, { orderBy: { position: 'asc', id: 'asc' } });
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      position: r.position,
      active: r.active,
      gatewayId: r.gateway ? r.gateway.id : null,
      queueId: r.queue.id,
      stop: r.stop,
    }));
  }

  /** The queue a message from this mailbox goes to: the rules' decision, else the default queue. */
  async routeFor(em: EntityManager, msg: { gatewayId: number; from: string; text: string }): Promise<RoutingDecision & { queueId: number }> {
    const decision = route(await this.rules(em), msg);
    return { ...decision, queueId: decision.queueId ?? (await this.defaultQueueId(em)) };
  }

  async defaultQueueId(em: EntityManager): Promise<number> {
    const rows = await em.execute<{ id: number }[]>(
      `insert into queue (name, created_at) values (?, now())
       on conflict (name) do update set name = excluded.name returning id`,
      [DEFAULT_QUEUE_NAME],
    );
    return rows[0].id;
  }

  /**
   * The customer's open ticket for this mailbox and queue, or a new one. Race-free: the partial unique
   * index `ticket_one_open` lets only one concurrent insert win; the others read the winner's row.
   * Returns the ticket id and whether it was opened now.
   */
  async findOrOpen(em: EntityManager, customerId: number, gatewayId: number, queueId: number): Promise<{ id: number; opened: boolean }> {
    // em.execute joins the caller's transaction; em.getConnection().execute would not.
    const conn = em;
    const inserted = await conn.execute<{ id: number }[]>(
      `insert into ticket (queue_id, customer_id, gateway_id, status, created_at, updated_at, last_message_at)
       values (?, ?, ?, 'OPEN', now(), now(), now())
       on conflict (customer_id, gateway_id, queue_id) where status = 'OPEN' do nothing
       returning id`,
      [queueId, customerId, gatewayId],
    );
    if (inserted[0]) return { id: inserted[0].id, opened: true };
    const existing = await conn.execute<{ id: number }[]>(
      `update ticket set last_message_at = now(), updated_at = now()
        where customer_id = ? and gateway_id = ? and queue_id = ? and status = 'OPEN' returning id`,
      [customerId, gatewayId, queueId],
    );
    return { id: existing[0].id, opened: false };
  }
}

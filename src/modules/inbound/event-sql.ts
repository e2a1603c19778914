import type { ProviderId } from '../providers/catalog.types';
import type { InboundOutcome, InboundReason } from './inbound-event.entity';
import { messageKey } from './event-keys';

/** One inbound event row, ready to insert (payload already masked, raw request already sealed). */
export interface EventRecord {
  /** Given when the row's id was taken beforehand (its raw form is sealed for it); else the sequence's next. */
  id?: number;
  provider: ProviderId;
  gatewayId?: number;
  remoteIp?: string;
  method: string;
  path: string;
  outcome: InboundOutcome;
  reasonCode?: InboundReason;
  reason?: string;
  payload: Record<string, unknown>;
  rawSealed?: string | null;
  messageIds?: number[];
  replayOf?: number;
  /** Fingerprints of the phone numbers it carries (event-keys.ts); the keys of `messageIds` are added on insert. */
  numberKeys?: string[];
}

/** `insert into inbound_event … returning id` with its parameters, to run alone or as a CTE. */
export function eventInsert(e: EventRecord): { text: string; params: unknown[] } {
  const withId = e.id !== undefined;
  const ids = (e.messageIds ?? []).filter((x) => x > 0);
  return {
    text: `insert into inbound_event (${withId ? 'id, ' : ''}received_at, provider, gateway_id, remote_ip, method, path, outcome, reason_code, reason, payload, raw_sealed, message_ids, replay_of_id, erasure_keys)
           values (${withId ? '?, ' : ''}now(), ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?::int[], ?, ?::text[]) returning id`,
    params: [
      ...(withId ? [e.id] : []),
      e.provider,
      e.gatewayId ?? null,
      e.remoteIp ? e.remoteIp.slice(0, 64) : null,
      e.method.slice(0, 8),
      e.path.slice(0, 200),
      e.outcome,
      e.reasonCode ?? null,
      e.reason ?? null,
      JSON.stringify(e.payload),
      e.rawSealed ?? null,
      `{${ids.join(',')}}`,
      e.replayOf ?? null,
      // Fingerprints are base64url and message keys `m:<digits>`: nothing to quote in an array literal.
      `{${[...(e.numberKeys ?? []), ...ids.map(messageKey)].join(',')}}`,
    ],
  };
}

import type { EntityManager } from '@mikro-orm/postgresql';
import type { SecretBox } from '../../common/secret-box';
import { rawSealedAt } from '../../webhooks/event-log';
import { phoneNumbersIn } from '../inbound/event-keys';

/** Rows of the log opened per round trip: the memory of one batch stays small whatever the log's length. */
const BATCH = 500;
/**
 * The shortest message text looked for inside a request: shorter ones ("OK", "Tak") are in countless other
 * requests. A request carrying a message of the customer carries the customer's number as well, and is
 * found by it; the texts only add a second chance.
 */
const MIN_TEXT = 12;

export interface Carried {
  /** E.164. */
  numbers: readonly string[];
  messageIds: readonly number[];
  texts: readonly string[];
}

/**
 * The ids of inbound events logged before events had erasure keys (`erasure_keys` null) that carry one of
 * `c`'s numbers or texts, or name one of its messages: each is read in batches, its payload and its sealed
 * raw request opened here, since neither can be searched by SQL. A raw request this key cannot open (a
 * key since retired) is judged by its payload.
 */
export async function legacyEventsCarrying(em: EntityManager, box: SecretBox, c: Carried): Promise<number[]> {
  const numbers = new Set(c.numbers);
  const ids = new Set(c.messageIds);
  // As they appear inside JSON text (payload and raw form are JSON): quotes and line breaks escaped.
  const texts = c.texts.filter((t) => t.length >= MIN_TEXT).map((t) => JSON.stringify(t).slice(1, -1));
  const found: number[] = [];
  let after = 0;
  for (;;) {
    const rows = await em.execute<
      { id: string; payload: unknown; raw_sealed: string | null; message_ids: number[] | null }[]
    >(
      `select id, payload, raw_sealed, message_ids from inbound_event
        where erasure_keys is null and id > ? order by id limit ?`,
      [after, BATCH],
    );
    if (!rows.length) return found;
    for (const r of rows) {
      const id = Number(r.id);
      const raw = r.raw_sealed ? openRaw(box, r.raw_sealed, id) : undefined;
      const json = `${JSON.stringify(r.payload)}\n${raw ?? ''}`;
      const carries =
        (r.message_ids ?? []).some((m) => ids.has(Number(m))) ||
        [...phoneNumbersIn([r.payload, raw ? JSON.parse(raw) : undefined])].some((n) => numbers.has(n)) ||
        texts.some((t) => json.includes(t));
      if (carries) found.push(id);
    }
    after = Number(rows[rows.length - 1].id);
  }
}

/** The raw request as its JSON text (whose strings `phoneNumbersIn` reads), or undefined when it does not open. */
function openRaw(box: SecretBox, sealed: string, id: number): string | undefined {
  try {
    return box.open(sealed, rawSealedAt(id));
  } catch {
    return undefined;
  }
}

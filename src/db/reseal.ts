import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { SecretBox } from '../common/secret-box';
import { gatewaySecretAt } from '../modules/gateways/gateway-secrets';
import type { StoredGenericHttp } from '../modules/gateways/generic-http';
import { rawSealedAt } from '../webhooks/event-log';
import { eventKeys } from '../modules/inbound/event-keys';
import { KEY_CHECK_AT } from './database';

/** Rows of inbound_event re-sealed per statement: the log can be long, and memory stays flat. */
const EVENT_BATCH = 500;

export interface ResealCounts {
  gatewaySecrets: number;
  rawForms: number;
  /** Inbound events whose erasure keys (fingerprints under SECRET_KEY) were made again. */
  eventKeys: number;
}

export class ResealError extends Error {}

/**
 * Every sealed value of the database, opened (with SECRET_KEY or SECRET_KEY_PREVIOUS, `v1` or `v2`) and sealed
 * again with SECRET_KEY as `v2`, bound to its row and column, in one transaction: either all of it moves to
 * the new key or nothing does. The sealed columns are the ones below; a new sealed column must be added here.
 * Rows are locked while they are re-sealed, so an admin's concurrent update of a mailbox is not lost. The key
 * check goes last: once it is `v2`, `v1` values no longer open (openSecretBox).
 */
export async function resealAll(orm: MikroORM, box: SecretBox): Promise<ResealCounts> {
  return orm.em.fork().transactional(async (em) => {
    const counts: ResealCounts = {
      gatewaySecrets: await resealGateways(em, box),
      rawForms: await resealRawForms(em, box),
      eventKeys: await rekeyEvents(em, box),
    };
    const [check] = await em.execute<{ value: string }[]>(
      `select value from system_state where key = 'secret_key_check' for update`,
    );
    if (check) {
      await em.execute(`update system_state set value = ? where key = 'secret_key_check'`, [
        open(box, check.value, KEY_CHECK_AT, 'the key check (system_state)'),
      ]);
    }
    return counts;
  });
}

/** One value re-sealed, or an error that names where it is (and rolls everything back). */
function open(box: SecretBox, sealed: string, at: string, where: string): string {
  try {
    return box.reseal(sealed, at);
  } catch (e) {
    throw new ResealError(
      `${where} cannot be opened with SECRET_KEY or SECRET_KEY_PREVIOUS (${(e as Error).message}); nothing was changed`,
    );
  }
}

async function resealGateways(em: EntityManager, box: SecretBox): Promise<number> {
  const rows = await em.execute<
    {
      id: number;
      password_secret: string | null;
      certificate_secret: string | null;
      webhook_token_secret: string | null;
      generic_http: StoredGenericHttp | null;
    }[]
  >(
    `select id, password_secret, certificate_secret, webhook_token_secret, generic_http from gateway order by id for update`,
  );
  let n = 0;
  for (const r of rows) {
    const one = (sealed: string | null, at: string, column: string) => {
      if (sealed === null) return null;
      n++;
      return open(box, sealed, at, `mailbox ${r.id}'s ${column}`);
    };
    const generic = r.generic_http
      ? {
          ...r.generic_http,
          headers: (r.generic_http.headers ?? []).map((h) => ({
            ...h,
            sealedValue: one(h.sealedValue, gatewaySecretAt.header(r.id, h.name), `header ${h.name}`)!,
          })),
        }
      : null;
    await em.execute(
      `update gateway set password_secret = ?, certificate_secret = ?, webhook_token_secret = ?, generic_http = ?::jsonb where id = ?`,
      [
        one(r.password_secret, gatewaySecretAt.password(r.id), 'password'),
        one(r.certificate_secret, gatewaySecretAt.certificate(r.id), 'certificate'),
        one(r.webhook_token_secret, gatewaySecretAt.webhookToken(r.id), 'webhook token'),
        generic ? JSON.stringify(generic) : null,
        r.id,
      ],
    );
  }
  return n;
}

async function resealRawForms(em: EntityManager, box: SecretBox): Promise<number> {
  let n = 0;
  let after = 0;
  for (;;) {
    const rows = await em.execute<{ id: string; raw_sealed: string }[]>(
      `select id, raw_sealed from inbound_event where raw_sealed is not null and id > ? order by id limit ? for update`,
      [after, EVENT_BATCH],
    );
    if (!rows.length) return n;
    const ids = rows.map((r) => Number(r.id));
    const sealed = rows.map((r, i) =>
      open(box, r.raw_sealed, rawSealedAt(ids[i]), `the kept request of inbound event ${ids[i]}`),
    );
    // Array literals: a bound JS array would be spread into a list. Sealed values are base64url and dots.
    await em.execute(
      `update inbound_event e set raw_sealed = v.s from unnest(?::bigint[], ?::text[]) as v(id, s) where e.id = v.id`,
      [`{${ids.join(',')}}`, `{${sealed.map((x) => `"${x}"`).join(',')}}`],
    );
    n += rows.length;
    after = ids[ids.length - 1];
  }
}

/**
 * The erasure keys of every event, made again under SECRET_KEY (they are keyed fingerprints: once
 * SECRET_KEY_PREVIOUS is gone, those made under it would find nothing). The numbers are read from what the
 * row keeps of the request, its payload and its raw form (re-sealed just before, so SECRET_KEY opens it).
 */
async function rekeyEvents(em: EntityManager, box: SecretBox): Promise<number> {
  let n = 0;
  let after = 0;
  for (;;) {
    const rows = await em.execute<
      { id: string; payload: unknown; raw_sealed: string | null; message_ids: number[] | null }[]
    >(
      `select id, payload, raw_sealed, message_ids from inbound_event
        where erasure_keys is not null and id > ? order by id limit ? for update`,
      [after, EVENT_BATCH],
    );
    if (!rows.length) return n;
    const ids = rows.map((r) => Number(r.id));
    const keys = rows.map((r, i) => {
      const raw = r.raw_sealed ? (JSON.parse(box.open(r.raw_sealed, rawSealedAt(ids[i]))) as unknown) : undefined;
      const messageIds = (r.message_ids ?? []).map(Number);
      // Fingerprints are base64url and message keys `m:<digits>`: an array literal needs no quoting inside.
      return `{${eventKeys(box, [r.payload, raw], messageIds).join(',')}}`;
    });
    await em.execute(
      `update inbound_event e set erasure_keys = v.k::text[] from unnest(?::bigint[], ?::text[]) as v(id, k) where e.id = v.id`,
      [`{${ids.join(',')}}`, `{${keys.map((k) => `"${k}"`).join(',')}}`],
    );
    n += rows.length;
    after = ids[ids.length - 1];
  }
}

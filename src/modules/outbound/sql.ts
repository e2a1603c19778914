import type { EntityManager } from '@mikro-orm/postgresql';

/**
 * Statements in one round trip on a connection of MikroORM's pool, without the ORM or knex: at hundreds
 * of sends a second the per-statement bookkeeping of both, and every round trip to PostgreSQL (each a
 * socket write and a wake-up of both processes on a shared 2-core box), is where sendSms's time went
 * (bench/README.md, "Outbound"). The same technique as the inbound path (src/modules/inbound/sql.ts).
 */
export type Statement = [text: string | Prepared, params?: unknown[]];

/**
 * A statement PostgreSQL plans once per connection (SQL-level PREPARE, then EXECUTE): planning the
 * outbound statements cost as much PostgreSQL time as running them (pg_stat_statements, bench/outbound.ts).
 * After five executions PostgreSQL keeps a generic plan when it is no worse than the custom ones.
 */
export interface Prepared {
  name: string;
  /** PREPARE's text: the template with `$1…$n` for its `?` placeholders, and their types. */
  prepare: string;
}

/** A prepared statement from a template with `?` placeholders (one type per placeholder, in order). */
export function prepared(name: string, types: string[], template: string): Prepared {
  let n = 0;
  const text = template.replace(/\?/g, () => `$${++n}`);
  if (n !== types.length) throw new Error(`prepared statement ${name}: ${n} placeholders, ${types.length} types`);
  return { name, prepare: `prepare ${name}(${types.join(', ')}) as ${text}` };
}

interface PgResult {
  rows: Record<string, unknown>[];
}
interface PgClient {
  query(text: string): Promise<PgResult | PgResult[]>;
}

/** Prepared statements each pooled connection already has (a new or reconnected connection is a new object). */
const preparedOn = new WeakMap<PgClient, Set<string>>();

/** PostgreSQL's duplicate_prepared_statement: the connection had it although we had not noted it. */
const DUPLICATE_PREPARED = '42P05';

/**
 * Runs the statements as one multi-statement simple query, in order, and returns each one's rows.
 * PostgreSQL gives each statement its own snapshot (READ COMMITTED), so a statement sees what an earlier
 * one waited for (e.g. a lock), and it stops at the first error. With `transaction`, BEGIN and COMMIT
 * travel in the same round trip: the statements commit together or not at all. Parameters are inlined
 * exactly as `em.execute` does (the platform's escaping). Prepared statements this connection lacks are
 * prepared first, in the same round trip and outside the transaction.
 */
export async function roundTrip(em: EntityManager, statements: Statement[], opts: { transaction?: boolean } = {}): Promise<Record<string, any>[][]> {
  const platform = em.getPlatform();
  const client = em.getConnection().getKnex().client as { acquireConnection(): Promise<PgClient>; releaseConnection(c: PgClient): Promise<void> };
  const sqls = statements.map(([text, params]) =>
    typeof text === 'string'
      ? platform.formatQuery(text, params ?? [])
      : platform.formatQuery(`execute ${text.name}(${(params ?? []).map(() => '?').join(', ')})`, params ?? []),
  );
  const conn = await client.acquireConnection();
  try {
    let have = preparedOn.get(conn) ?? new Set<string>();
    preparedOn.set(conn, have);
    const run = async () => {
      const prepares = [...new Map(statements.flatMap(([s]) => (typeof s === 'string' || have.has(s.name) ? [] : [[s.name, s] as const]))).values()];
      const text = [...prepares.map((p) => p.prepare), ...(opts.transaction ? ['begin', ...sqls, 'commit'] : sqls)].join(';\n');
      const res = await conn.query(text);
      for (const p of prepares) have.add(p.name);
      const results = Array.isArray(res) ? res : [res];
      const first = prepares.length + (opts.transaction ? 1 : 0);
      return results.slice(first, first + sqls.length).map((r) => r.rows ?? []);
    };
    try {
      return await run();
    } catch (e) {
      // Prepared in an earlier round trip that failed after its PREPAREs: ask the connection, then retry.
      if ((e as { code?: string }).code !== DUPLICATE_PREPARED) throw e;
      const rows = (await conn.query('select name from pg_prepared_statements')) as PgResult;
      have = new Set(rows.rows.map((r) => String(r.name)));
      preparedOn.set(conn, have);
      return await run();
    }
  } catch (e) {
    // A failed statement leaves the transaction open and aborted on this connection: end it before the
    // connection goes back to the pool (outside a transaction this is a harmless no-op).
    if (opts.transaction) await conn.query('rollback').catch(() => {});
    throw e;
  } finally {
    await client.releaseConnection(conn);
  }
}

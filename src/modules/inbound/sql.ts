import type { EntityManager } from '@mikro-orm/postgresql';

/**
 * Plain SQL on MikroORM's connection pool, without the unit of work: the inbound hot path writes a
 * handful of rows per webhook with hand-written statements, and at ~1,000 webhooks/s the ORM's
 * per-statement bookkeeping, and above all every round trip to PostgreSQL, is what the time goes to.
 */
export type Sql = <T = Record<string, any>>(text: string, params?: unknown[]) => Promise<T[]>;

/** A transaction's statements; `commitWith` runs the last one and COMMIT in one round trip. */
export interface Tx {
  sql: Sql;
  commitWith: Sql;
}

/** Statements outside a transaction (or inside `em`'s, when it has one). */
export function sqlOf(em: EntityManager): Sql {
  return (text, params) => em.execute(text, params ?? []);
}

/** Benchmarks switch this on to see the statements as PostgreSQL gets them (bench/inbound.ts, BENCH_EXPLAIN). */
export const sqlTrace: { on: boolean; statements: string[] } = { on: false, statements: [] };

interface PgResult {
  rows: Record<string, unknown>[];
}
interface PgClient {
  query(text: string): Promise<PgResult | PgResult[]>;
}

/**
 * Runs `fn` in one transaction on a connection of MikroORM's pool. BEGIN travels with the first statement
 * and COMMIT with the one given to `commitWith` (PostgreSQL runs a multi-statement simple query in order
 * and stops at the first error), so a webhook's transaction costs two round trips instead of four.
 * Parameters are inlined exactly as `em.execute` does (the platform's escaping). When `fn` throws, or a
 * statement fails, the transaction is rolled back; when `fn` never called `commitWith`, COMMIT is sent
 * on its own.
 */
export async function inTransaction<T>(em: EntityManager, fn: (tx: Tx) => Promise<T>): Promise<T> {
  const platform = em.getPlatform();
  const client = em.getConnection().getKnex().client as { acquireConnection(): Promise<PgClient>; releaseConnection(c: PgClient): Promise<void> };
  const conn = await client.acquireConnection();
  let begun = false;
  let ended = false;
  const run = async <R>(statements: [text: string, params?: unknown[]][], commit: boolean): Promise<R[]> => {
    if (ended) throw new Error('the transaction has already been committed');
    const sqls = statements.map(([text, params]) => platform.formatQuery(text, params ?? []));
    if (sqlTrace.on) sqlTrace.statements.push(...sqls);
    const withBegin = !begun;
    // Marked before sending: should the statement fail, the transaction exists and must be rolled back.
    begun = true;
    const res = await conn.query([withBegin ? 'begin' : '', ...sqls, commit ? 'commit' : ''].filter(Boolean).join(';\n'));
    if (commit) ended = true;
    const results = Array.isArray(res) ? res : [res];
    // The last statement's own result: after BEGIN's (and the others'), before COMMIT's.
    return (results[(withBegin ? 1 : 0) + sqls.length - 1]?.rows ?? []) as R[];
  };
  try {
    const result = await fn({
      sql: (text, params) => run([[text, params]], false),
      commitWith: (text, params) => run([[text, params]], true),
    });
    if (!ended) {
      if (begun) await conn.query('commit');
      ended = true;
    }
    return result;
  } catch (e) {
    if (begun) await conn.query('rollback').catch(() => {});
    throw e;
  } finally {
    await client.releaseConnection(conn);
  }
}

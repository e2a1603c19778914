import type { EntityManager } from '@mikro-orm/postgresql';

/**
 * Plain SQL on a connection of MikroORM's pool, without the unit of work, for the two hot paths (the
 * inbound webhook, sendSms and the send worker): there the ORM's per-statement bookkeeping, and above
 * all every round trip to PostgreSQL (a socket write and a wake-up of both processes on a shared 2-core
 * box), is where the time goes. Several statements travel as one multi-statement
 * simple query: PostgreSQL runs them in order, each with its own snapshot (READ COMMITTED), and stops at
 * the first error. Parameters are inlined exactly as `em.execute` does (the platform's escaping).
 * - `inTransaction`: a transaction over several round trips, with code in between (inbound);
 * - `roundTrip`: statements in one round trip, optionally as one transaction, optionally prepared (outbound).
 */

interface PgResult {
  rows: Record<string, unknown>[];
}
interface PgClient {
  query(text: string, values?: unknown[]): Promise<PgResult | PgResult[]>;
}

/** Runs `fn` on a connection of MikroORM's pool, given back afterwards. */
async function withConnection<T>(em: EntityManager, fn: (conn: PgClient) => Promise<T>): Promise<T> {
  const client = em.getConnection().getKnex().client as {
    acquireConnection(): Promise<PgClient>;
    releaseConnection(c: PgClient): Promise<void>;
  };
  const conn = await client.acquireConnection();
  try {
    return await fn(conn);
  } finally {
    await client.releaseConnection(conn);
  }
}

/** A statement with its parameters inlined, as PostgreSQL will get it. */
function inline(em: EntityManager, text: string, params: unknown[] | undefined): string {
  const sql = em.getPlatform().formatQuery(text, params ?? []);
  if (sqlTrace.on) sqlTrace.statements.push(sql);
  return sql;
}

/**
 * Longer parameters travel bound (extended protocol), not inlined: inlining escapes a value into a copy of
 * the whole statement at dozens of bytes of heap per character, so a request's large text or sealed raw
 * form would cost far more memory than its size. Webhooks of ordinary size stay on the inlined path.
 */
export const INLINE_MAX_CHARS = 4096;

function hasLargeParam(params: unknown[] | undefined): params is unknown[] {
  return !!params?.some((p) => (typeof p === 'string' || Buffer.isBuffer(p)) && p.length > INLINE_MAX_CHARS);
}

/** Dates as the inlined path writes them (UTC ISO), whatever the process's time zone. */
function boundValues(params: unknown[]): unknown[] {
  return params.map((p) => (p instanceof Date ? p.toISOString() : p));
}

/** The template's `?` placeholders as PostgreSQL's `$1…$n`. */
function numbered(text: string): string {
  let n = 0;
  return text.replace(/\?/g, () => `$${++n}`);
}

/** Benchmarks switch this on to see the statements as PostgreSQL gets them (bench/inbound.ts, BENCH_EXPLAIN). */
export const sqlTrace: { on: boolean; statements: string[] } = { on: false, statements: [] };

export type Sql = <T = Record<string, unknown>>(text: string, params?: unknown[]) => Promise<T[]>;

/** A transaction's statements; `commitWith` runs the last one and COMMIT in one round trip. */
export interface Tx {
  sql: Sql;
  commitWith: Sql;
}

/** Statements outside a transaction (or inside `em`'s, when it has one and every value is small). */
export function sqlOf(em: EntityManager): Sql {
  return async <T>(text: string, params?: unknown[]) => {
    if (!hasLargeParam(params) || em.isInTransaction()) return em.execute(text, params ?? []) as Promise<T[]>;
    return withConnection(
      em,
      async (conn) => ((await conn.query(numbered(text), boundValues(params))) as PgResult).rows as T[],
    );
  };
}

/**
 * Runs `fn` in one transaction. BEGIN travels with the first statement and COMMIT with the one given to
 * `commitWith`, so a webhook's transaction costs two round trips instead of four. When `fn` throws, or a
 * statement fails, the transaction is rolled back; when `fn` never called `commitWith`, COMMIT is sent
 * on its own.
 */
export async function inTransaction<T>(em: EntityManager, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return withConnection(em, async (conn) => {
    let begun = false;
    let ended = false;
    const run = async <R>(text: string, params: unknown[] | undefined, commit: boolean): Promise<R[]> => {
      if (ended) throw new Error('the transaction has already been committed');
      if (hasLargeParam(params)) {
        // A bound statement travels alone: BEGIN and COMMIT take round trips of their own.
        if (!begun) {
          begun = true;
          await conn.query('begin');
        }
        const res = (await conn.query(numbered(text), boundValues(params))) as PgResult;
        if (commit) {
          await conn.query('commit');
          ended = true;
        }
        return res.rows as R[];
      }
      const sql = inline(em, text, params);
      const withBegin = !begun;
      // Marked before sending: should the statement fail, the transaction exists and must be rolled back.
      begun = true;
      const res = await conn.query([withBegin ? 'begin' : '', sql, commit ? 'commit' : ''].filter(Boolean).join(';\n'));
      if (commit) ended = true;
      const results = Array.isArray(res) ? res : [res];
      // The statement's own result: after BEGIN's, before COMMIT's.
      return (results[withBegin ? 1 : 0]?.rows ?? []) as R[];
    };
    try {
      const result = await fn({
        sql: (text, params) => run(text, params, false),
        commitWith: (text, params) => run(text, params, true),
      });
      if (!ended) {
        if (begun) await conn.query('commit');
        ended = true;
      }
      return result;
    } catch (e) {
      if (begun) await conn.query('rollback').catch(() => {});
      throw e;
    }
  });
}

/** A row whose columns its caller knows from its own statement. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each caller reads its statements' columns as it knows them
type LooseRow = Record<string, any>;

export type Statement = [text: string | Prepared, params?: unknown[]];

/**
 * A statement PostgreSQL plans once per connection (SQL-level PREPARE, then EXECUTE): planning the
 * outbound statements costs as much PostgreSQL time as running them (pg_stat_statements).
 * Its generic plan is used from the first execution on (`roundTrip` sets plan_cache_mode for the round
 * trip): left to choose, PostgreSQL judged the generic plans of sendSms's statements costlier than
 * custom ones (a parameter's selectivity is a guess) and planned them afresh at every execution, so each
 * template must be written to have a good generic plan (see the card lookups' materialised CTEs).
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

/** Prepared statements each pooled connection already has (a new or reconnected connection is a new object). */
const preparedOn = new WeakMap<PgClient, Set<string>>();

const GENERIC_PLANS = 'set local plan_cache_mode = force_generic_plan';

/** PostgreSQL's duplicate_prepared_statement: the connection had it although we had not noted it. */
const DUPLICATE_PREPARED = '42P05';

/**
 * Runs the statements in one round trip and returns each one's rows. With `transaction`, BEGIN and
 * COMMIT travel with them: they commit together or not at all. Prepared statements this connection
 * lacks are prepared first, in the same round trip and outside the transaction.
 */
export async function roundTrip(
  em: EntityManager,
  statements: Statement[],
  opts: { transaction?: boolean } = {},
): Promise<LooseRow[][]> {
  const sqls = statements.map(([text, params]) =>
    typeof text === 'string'
      ? inline(em, text, params)
      : inline(em, `execute ${text.name}(${(params ?? []).map(() => '?').join(', ')})`, params),
  );
  return withConnection(em, async (conn) => {
    try {
      let have = preparedOn.get(conn) ?? new Set<string>();
      preparedOn.set(conn, have);
      const run = async () => {
        const prepares = [
          ...new Map(
            statements.flatMap(([s]) => (typeof s === 'string' || have.has(s.name) ? [] : [[s.name, s] as const])),
          ).values(),
        ];
        // SET LOCAL lasts until the end of the round trip's transaction: the explicit one, or the implicit
        // one PostgreSQL wraps around a multi-statement query. The pool's other queries are not touched.
        const generic = statements.some(([s]) => typeof s !== 'string') ? [GENERIC_PLANS] : [];
        const text = [
          ...prepares.map((p) => p.prepare),
          ...(opts.transaction ? ['begin', ...generic, ...sqls, 'commit'] : [...generic, ...sqls]),
        ].join(';\n');
        const res = await conn.query(text);
        for (const p of prepares) have.add(p.name);
        const results = Array.isArray(res) ? res : [res];
        const first = prepares.length + (opts.transaction ? 1 : 0) + generic.length;
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
    }
  });
}

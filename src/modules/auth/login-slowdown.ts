/** The slowdown's table (Migration20261210100000_login_slowdown); no entity maps it. */
const LOGIN_SLOWDOWN_TABLE = 'login_slowdown';

/** The first wait once a client's free failures are used up; each further attempt waits twice as long. */
const FIRST_WAIT_MS = 5_000;
/** The longest wait between two attempts: a client that keeps guessing gets about 4 an hour. */
const MAX_WAIT_MS = 15 * 60_000;
/**
 * How long a client's count is remembered after its last attempt: longer than the longest wait, so that
 * waiting one out never starts the count afresh.
 */
const MEMORY_MS = 24 * 3600_000;

/** What the slowdown needs of knex (MikroORM's): plain statements with named bindings. */
export interface RawSql {
  raw(sql: string, bindings: Record<string, unknown>): PromiseLike<{ rows: Record<string, unknown>[] }>;
}

/**
 * Progressive slowdown of one client guessing one address, shared by every instance (a row per key in
 * PostgreSQL): `freeAttempts` attempts pass at once, then each further one must wait FIRST_WAIT_MS after
 * the previous attempt, doubling per attempt up to MAX_WAIT_MS. An attempt counts when it starts, in one
 * atomic upsert, so a parallel burst cannot slip in before the first failure; a refused attempt changes
 * nothing, so hammering does not push the next allowed time further away. A success clears the key.
 */
export class LoginSlowdown {
  constructor(
    private readonly knex: RawSql,
    private readonly freeAttempts: number,
  ) {}

  /** Counts an attempt under `key`; returns null when it may go on, else how long to wait (ms). */
  async attempt(key: string): Promise<number | null> {
    const bindings = { key, free: this.freeAttempts, first: FIRST_WAIT_MS, max: MAX_WAIT_MS, memory: MEMORY_MS };
    // The wait after the n-th attempt (n ≥ free): first · 2^(n − free), capped; the exponent is capped too,
    // so a count grown over days never overflows.
    const wait = `least(:max, :first * power(2, least(s.attempts - :free, 30))) * interval '1 millisecond'`;
    const counted = await this.knex.raw(
      `insert into ${LOGIN_SLOWDOWN_TABLE} as s (key, attempts, last_at, forget_at)
       values (:key, 1, now(), now() + :memory * interval '1 millisecond')
       on conflict (key) do update
          set attempts = case when s.forget_at <= now() then 1 else s.attempts + 1 end,
              last_at = now(),
              forget_at = excluded.forget_at
        where s.forget_at <= now() or s.attempts < :free or s.last_at + ${wait} <= now()
       returning attempts`,
      bindings,
    );
    if (counted.rows.length) return null;
    const left = await this.knex.raw(
      `select cast(ceil(extract(epoch from (s.last_at + ${wait} - now())) * 1000) as bigint) as ms from ${LOGIN_SLOWDOWN_TABLE} s where key = :key`,
      bindings,
    );
    return Math.max(1000, Number(left.rows[0]?.ms ?? 1000));
  }

  /** The client logged in: it starts afresh. */
  async clear(key: string): Promise<void> {
    await this.knex.raw(`delete from ${LOGIN_SLOWDOWN_TABLE} where key = :key`, { key });
  }

  /** Every client of one address starts afresh (keys that begin with `prefix`). */
  async clearPrefix(prefix: string): Promise<void> {
    await this.knex.raw(`delete from ${LOGIN_SLOWDOWN_TABLE} where starts_with(key, :prefix)`, { prefix });
  }

  /** Deletes counts past their memory. */
  async sweep(): Promise<void> {
    await this.knex.raw(`delete from ${LOGIN_SLOWDOWN_TABLE} where forget_at < now()`, {});
  }
}

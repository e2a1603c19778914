import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from './mikro-orm.config';
import { prepared, type Prepared, type Sql, type Statement } from './raw-sql';

/**
 * The database's functions. Every function body lives in `src/db/functions/*.sql` (one file a function or
 * a small group), written as `create or replace function … as $$ … $$;`. The files are read from the
 * project's src folder at run time (the compiled service too: tsc does not copy .sql files) and applied
 * after the migrations at every start, in the migrations' transaction and under their lock (`migrate`),
 * so instances starting together do not race and a failing file leaves the database as it was.
 *
 * `create or replace` cannot change a function's result type or rename its parameters, and a changed
 * parameter list makes a second function beside the old one: the migration that goes with such a change
 * drops the old function first. test/e2e/db-functions.test.ts checks that the database holds exactly the
 * files' functions.
 */
export const FUNCTIONS_DIR = path.join(projectRoot, 'src', 'db', 'functions');

export interface FunctionFile {
  file: string;
  sql: string;
}

/** The function files, in name order. */
export function functionFiles(): FunctionFile[] {
  return fs
    .readdirSync(FUNCTIONS_DIR)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((file) => ({ file, sql: fs.readFileSync(path.join(FUNCTIONS_DIR, file), 'utf8') }));
}

/**
 * Runs every function file with `run` (each file as one multi-statement query, without parameters); returns
 * the files' names.
 */
export async function applyFunctions(run: (sql: string) => Promise<unknown>): Promise<string[]> {
  const files = functionFiles();
  for (const f of files) {
    try {
      await run(f.sql);
    } catch (e) {
      throw new Error(`src/db/functions/${f.file}: ${(e as Error).message}`, { cause: e });
    }
  }
  return files.map((f) => f.file);
}

/** A call's text (`?` placeholders) and its values, in the same order. */
export interface SqlCall {
  text: string;
  params: unknown[];
}

/**
 * How TypeScript calls one database function: each argument by its name in the function file, with its
 * SQL type, in named notation (`inbound_file(p_message_id => ?::int, …)`), so the order of the values can
 * not drift from the function's parameter list.
 */
export interface DbFunction<A, R> {
  readonly name: string;
  /** The call with the arguments given; one left out (undefined) takes the function's default. */
  call(args: A): SqlCall;
  /** The function's rows: `select * from name(…)`. */
  select(sql: Sql, args: A): Promise<R[]>;
  /**
   * `select * from name(…)` as a statement PostgreSQL plans once per connection (src/db/raw-sql.ts),
   * every argument a parameter (one left out is null); `with` gives the statement for the arguments.
   */
  prepare(statement: string): { statement: Prepared; with(args: A): Statement };
}

/**
 * The wrapper of one database function. `params` names, for every field of the arguments, the function's
 * parameter and its SQL type: `{ gatewayId: 'p_gateway_id int' }`.
 */
export function dbFunction<A extends object, R = Record<string, unknown>>(
  name: string,
  params: { [K in keyof A]-?: string },
): DbFunction<A, R> {
  const list = Object.entries(params as Record<string, string>).map(([field, decl]) => {
    const m = /^(\w+)\s+(.+)$/.exec(decl);
    if (!m) throw new Error(`database function ${name}: "${decl}" is not "<parameter> <type>"`);
    return { field, param: m[1], type: m[2] };
  });
  const call = (args: A): SqlCall => {
    const given = list.filter((p) => (args as Record<string, unknown>)[p.field] !== undefined);
    return {
      text: `${name}(${given.map((p) => `${p.param} => ?::${p.type}`).join(', ')})`,
      params: given.map((p) => (args as Record<string, unknown>)[p.field]),
    };
  };
  return {
    name,
    call,
    async select(sql, args) {
      const c = call(args);
      return sql<R>(`select * from ${c.text}`, c.params);
    },
    prepare(statement) {
      const p = prepared(
        statement,
        list.map((x) => x.type),
        `select * from ${name}(${list.map((x) => `${x.param} => ?`).join(', ')})`,
      );
      return { statement: p, with: (args) => [p, list.map((x) => (args as Record<string, unknown>)[x.field] ?? null)] };
    },
  };
}

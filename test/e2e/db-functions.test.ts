import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MikroORM } from '@mikro-orm/postgresql';
import { ormConfig } from '../../src/db/mikro-orm.config';
import { migrate } from '../../src/db/database';
import { functionFiles } from '../../src/db/functions';
import { createTestDatabase } from '../support/app';

/** Every `create or replace function name(…) … as $tag$ body $tag$` of the function files. */
function functionsOfFiles(): { name: string; body: string }[] {
  const re = /create\s+or\s+replace\s+function\s+(\w+)\s*\([\s\S]*?\bas\s+\$(\w*)\$([\s\S]*?)\$\2\$/gi;
  return functionFiles().flatMap((f) => [...f.sql.matchAll(re)].map((m) => ({ name: m[1], body: m[3] })));
}

async function functionsOf(orm: MikroORM): Promise<{ name: string; body: string }[]> {
  const rows = await orm.em.getConnection().execute<{ name: string; body: string }[]>(
    `select p.proname as name, p.prosrc as body
       from pg_proc p
      where p.pronamespace = 'public'::regnamespace
        and not exists (select 1 from pg_depend d where d.classid = 'pg_proc'::regclass and d.objid = p.oid and d.deptype = 'e')`,
  );
  return rows.map((r) => ({ name: r.name, body: r.body }));
}

const sorted = (list: { name: string; body: string }[]) =>
  [...list].sort((a, b) => a.name.localeCompare(b.name) || a.body.localeCompare(b.body));

describe('database functions (src/db/functions/*.sql)', () => {
  let orms: MikroORM[] = [];

  beforeAll(async () => {
    const url = await createTestDatabase();
    orms = [
      await MikroORM.init(ormConfig(url, { pool: { min: 0, max: 2 } })),
      await MikroORM.init(ormConfig(url, { pool: { min: 0, max: 2 } })),
    ];
    // Two instances starting at once on a new database: the second waits for the first, then applies
    // the migrations it finds pending (none) and the function files again.
    await Promise.all(orms.map((orm) => migrate(orm)));
  });

  afterAll(async () => {
    for (const orm of orms) await orm.close(true);
  });

  it('are exactly the functions of a migrated database, with the bodies as written', async () => {
    const files = functionsOfFiles();
    expect(files.length).toBeGreaterThan(0);
    // A function left out, or an old overload beside a changed one, shows here: drop it in a migration.
    expect(sorted(await functionsOf(orms[0]))).toEqual(sorted(files));
  });

  it('are applied again at every start, so a changed file takes effect', async () => {
    const conn = orms[0].em.getConnection();
    await conn.execute(
      `create or replace function notification_follow_delete() returns trigger language plpgsql as $$ begin return null; end $$`,
    );
    await migrate(orms[1]);
    expect(sorted(await functionsOf(orms[0]))).toEqual(sorted(functionsOfFiles()));
  });
});

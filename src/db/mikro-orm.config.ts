import 'reflect-metadata';
import path from 'node:path';
import { FlushMode } from '@mikro-orm/core';
import { defineConfig, type Options } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { cliDatabaseUrl } from '../config';
import { entities } from './entities';

/** The project's folder, from src/db (ts-node, vitest) and from dist/src/db (compiled). */
export const projectRoot = path.resolve(
  __dirname,
  __dirname.includes(`${path.sep}dist${path.sep}`) ? '../../..' : '../..',
);

export function ormConfig(clientUrl: string, extra: Partial<Options> = {}): Options {
  return defineConfig({
    entities,
    clientUrl,
    extensions: [Migrator],
    preferTs: __filename.endsWith('.ts'),
    // Under vitest, Node's own import() of migrations/*.ts bypasses the transform; this one goes through it.
    dynamicImportProvider: (id: string) => import(id),
    pool: { min: 0, max: 20 },
    debug: false,
    allowGlobalContext: false,
    // Validation queries run after an entity was changed; AUTO would flush those half-checked changes
    // before the query. Only an explicit flush (after every rule passed) writes.
    flushMode: FlushMode.COMMIT,
    // graphile-worker owns its schema; generated migrations must not try to drop it.
    // login_attempt and login_slowdown have no entity (the login limiter's counters): without skipTables a
    // generated migration would drop them. Nor have the mailbox health counts and the open alerts (plain SQL,
    // src/modules/gateways/health/ and src/modules/notifications/alerts/).
    schemaGenerator: {
      ignoreSchema: ['graphile_worker'],
      skipTables: ['login_attempt', 'login_slowdown', 'mailbox_health_hour', 'mailbox_health_last', 'alert'],
    },
    migrations: {
      tableName: 'mikro_orm_migrations',
      path: path.join(projectRoot, 'dist', 'migrations'),
      pathTs: path.join(projectRoot, 'migrations'),
      glob: '!(*.d).{js,ts}',
      transactional: true,
      allOrNothing: true,
      snapshot: false,
      emit: 'ts',
      silent: true,
    },
    ...extra,
  });
}

/** For the MikroORM CLI (`npm run migration:create`): the dev database from DATABASE_URL. */
export default ormConfig(cliDatabaseUrl());

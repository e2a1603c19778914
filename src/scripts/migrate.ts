import 'reflect-metadata';
import { ConfigError, loadConfig } from '../config';
import { migrateDatabase } from '../db/database';

/**
 * `npm run migrate`: applies pending migrations and the database functions (src/db/functions/*.sql) to the
 * database of the environment (DATABASE_URL, or the embedded one under DATA_DIR with the service stopped),
 * prints what it applied and exits, serving nothing. Run once before rolling out a version to several
 * instances: a failing migration stops the rollout before any instance is replaced, and instances that start
 * afterwards find nothing pending. Reads the same environment as the service (and validates it the same way).
 */
async function main() {
  const config = loadConfig();
  const log = { info: (m: string) => console.log(m), warn: (m: string) => console.warn(m) };
  const { migrations, functions } = await migrateDatabase(config, log);
  console.log(
    migrations.length
      ? `applied ${migrations.length} migration(s):\n${migrations.map((m) => `  ${m}`).join('\n')}`
      : 'no pending migrations',
  );
  console.log(`applied ${functions.length} database function file(s): ${functions.join(', ')}`);
}

// Exit codes as main.ts: 2 for a bad setting, 1 for anything else.
main().catch((e) => {
  console.error(e instanceof ConfigError ? e.message : e);
  process.exit(e instanceof ConfigError ? 2 : 1);
});

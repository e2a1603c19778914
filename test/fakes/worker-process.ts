/**
 * A separate worker process for the restart test: the real app (routes, sender, job worker) built from
 * the environment on the test's database, not listening. The test kills it with SIGKILL mid-send and
 * starts another one, as a crashed and restarted instance would be.
 * Run with: node -r ts-node/register test/fakes/worker-process.ts (TS_NODE_SWC=true, TS_NODE_TRANSPILE_ONLY=true)
 */
import 'reflect-metadata';
import { MikroORM } from '@mikro-orm/postgresql';
import { loadConfig } from '../../src/config';
import { SecretBox } from '../../src/common/secret-box';
import { ormConfig } from '../../src/db/mikro-orm.config';
import { buildApp } from '../../src/app';

async function main() {
  const config = loadConfig(process.env);
  const orm = await MikroORM.init(ormConfig(config.databaseUrl!, { pool: { min: 0, max: 10 } }));
  const app = await buildApp({
    config,
    orm,
    databaseUrl: config.databaseUrl!,
    box: new SecretBox(config.secretKey!),
    logger: false,
  });
  process.stdout.write('ready\n');
  process.on(
    'SIGTERM',
    () =>
      void app
        .close()
        .then(() => orm.close())
        .then(() => process.exit(0)),
  );
}

main().catch((e) => {
  process.stderr.write(`worker process failed: ${(e as Error).stack}\n`);
  process.exit(1);
});

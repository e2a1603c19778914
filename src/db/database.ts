import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { MikroORM } from '@mikro-orm/postgresql';
import type { Config } from '../config';
import { SecretBox, WrongKeyError } from '../common/secret-box';
import { startEmbedded, type EmbeddedServer } from './embedded';
import { ormConfig } from './mikro-orm.config';
import { applyFunctions } from './functions';
import { SystemState } from './system-state.entity';
import { parseSecretKey } from '../config';

export interface Database {
  orm: MikroORM;
  url: string;
  box: SecretBox;
  embedded?: EmbeddedServer;
  close(): Promise<void>;
}

type Log = { info(msg: string): void; warn(msg: string): void };

const KEY_CHECK = 'secret_key_check';
const KEY_CHECK_TEXT = 'smsdesk secret key check';

/** The key from SECRET_KEY, or (not in production) one generated once and kept in the data directory. */
function resolveKey(config: Config, log: Log): Buffer {
  if (config.secretKey) return config.secretKey;
  const file = path.join(config.dataDir, 'secret.key');
  if (fs.existsSync(file)) return parseSecretKey(fs.readFileSync(file, 'utf8'), file);
  fs.mkdirSync(config.dataDir, { recursive: true });
  const key = crypto.randomBytes(32);
  fs.writeFileSync(file, key.toString('hex') + '\n', { mode: 0o600 });
  log.warn(`generated a new secret key in ${file}; set SECRET_KEY in production and keep it safe`);
  return key;
}

/** Fails start-up when the data was sealed with another key: running on would make every stored secret unreadable. */
async function checkKey(orm: MikroORM, box: SecretBox): Promise<void> {
  const em = orm.em.fork();
  const row = await em.findOne(SystemState, { key: KEY_CHECK });
  if (!row) {
    await em
      .getConnection()
      .execute('insert into system_state (key, value) values (?, ?) on conflict do nothing', [
        KEY_CHECK,
        box.seal(KEY_CHECK_TEXT),
      ]);
    return;
  }
  try {
    if (box.open(row.value) === KEY_CHECK_TEXT) return;
  } catch (e) {
    if (!(e instanceof WrongKeyError)) throw e;
  }
  throw new Error(
    'SECRET_KEY does not match the key this database was set up with: stored secrets could not be decrypted. Start with the original SECRET_KEY.',
  );
}

/** Connects (starting the embedded server when there is no DATABASE_URL) and applies pending migrations. */
export async function openDatabase(config: Config, log: Log): Promise<Database> {
  let embedded: EmbeddedServer | undefined;
  let url = config.databaseUrl;
  if (!url) {
    const started = Date.now();
    embedded = await startEmbedded({ dir: config.dataDir, persistent: true });
    await embedded.createDatabase('smsdesk');
    url = embedded.url('smsdesk');
    log.info(`embedded PostgreSQL ready in ${Date.now() - started} ms (data in ${path.join(config.dataDir, 'pg')})`);
  }
  let orm: MikroORM | undefined;
  try {
    orm = await MikroORM.init(ormConfig(url));
    await migrate(orm);
    const box = new SecretBox(resolveKey(config, log));
    await checkKey(orm, box);
    const o = orm;
    return {
      orm,
      url,
      box,
      embedded,
      async close() {
        await o.close(true);
        await embedded?.stop();
      },
    };
  } catch (e) {
    await orm?.close(true).catch(() => {});
    await embedded?.stop().catch(() => {});
    throw e;
  }
}

/**
 * Applies pending migrations, then the database functions (src/db/functions.ts), in one transaction under
 * an advisory lock, so instances starting together on one database do not race each other.
 */
export async function migrate(orm: MikroORM): Promise<void> {
  const knex = orm.em.getKnex();
  await knex.transaction(async (trx) => {
    await trx.raw('select pg_advisory_xact_lock(7735001)');
    await orm.getMigrator().up({ transaction: trx } as never);
    // Escaped for knex, which takes every bare `?` for a placeholder (jsonb's `?` operators in a body).
    await applyFunctions((sql) => trx.raw(sql.replace(/\?/g, '\\?')));
  });
}

/** Pending migration names (readiness: a started instance has applied them all). */
export async function pendingMigrations(orm: MikroORM): Promise<string[]> {
  return (await orm.getMigrator().getPendingMigrations()).map((m) => m.name);
}

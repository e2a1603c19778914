import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { MikroORM } from '@mikro-orm/postgresql';
import type { Config } from '../config';
import { SecretBox, sealedAt, WrongKeyError } from '../common/secret-box';
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
  /** What opening applied. */
  migrated: Migrated;
  close(): Promise<void>;
}

/** What `migrate` applied: the migrations that were pending, and every function file (all are re-applied). */
export interface Migrated {
  migrations: string[];
  functions: string[];
}

type Log = { info(msg: string): void; warn(msg: string): void };

const KEY_CHECK = 'secret_key_check';
const KEY_CHECK_TEXT = 'smsdesk secret key check';
/** Where the key check is sealed (its row in system_state). */
export const KEY_CHECK_AT = sealedAt('system_state', 'value', KEY_CHECK);

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

/**
 * The SecretBox of a database: the key (and the previous one during a rotation), checked against the value
 * the database keeps for that purpose. Fails start-up when neither key opens it: running on would make every
 * stored secret unreadable. The check value is `v1` exactly while the database may still hold `v1` values
 * (it is written once, and re-sealed with everything else by `npm run reseal`), so it also says whether
 * those still open.
 */
export async function openSecretBox(orm: MikroORM, key: Buffer, previous?: Buffer): Promise<SecretBox> {
  const em = orm.em.fork();
  const row = await em.findOne(SystemState, { key: KEY_CHECK });
  if (!row) {
    const box = new SecretBox(key, { previous, acceptV1: false });
    await em
      .getConnection()
      .execute('insert into system_state (key, value) values (?, ?) on conflict do nothing', [
        KEY_CHECK,
        box.seal(KEY_CHECK_TEXT, KEY_CHECK_AT),
      ]);
    return box;
  }
  const box = new SecretBox(key, { previous, acceptV1: row.value.startsWith('v1.') });
  try {
    if (box.open(row.value, KEY_CHECK_AT) === KEY_CHECK_TEXT) return box;
  } catch (e) {
    if (!(e instanceof WrongKeyError)) throw e;
  }
  throw new Error(
    'SECRET_KEY does not match the key this database was set up with: stored secrets could not be decrypted. Start with the original SECRET_KEY ' +
      '(or, to rotate keys, the new one as SECRET_KEY and the original as SECRET_KEY_PREVIOUS, then run `npm run reseal`).',
  );
}

/** The ORM on DATABASE_URL, or on the embedded server it starts under DATA_DIR; `close` stops both. */
async function connect(config: Config, log: Log): Promise<Pick<Database, 'orm' | 'url' | 'embedded' | 'close'>> {
  let embedded: EmbeddedServer | undefined;
  let url = config.databaseUrl;
  if (!url) {
    const started = Date.now();
    embedded = await startEmbedded({ dir: config.dataDir, persistent: true });
    await embedded.createDatabase('smsdesk');
    url = embedded.url('smsdesk');
    log.info(`embedded PostgreSQL ready in ${Date.now() - started} ms (data in ${path.join(config.dataDir, 'pg')})`);
  }
  try {
    const orm = await MikroORM.init(ormConfig(url));
    return {
      orm,
      url,
      embedded,
      async close() {
        await orm.close(true);
        await embedded?.stop();
      },
    };
  } catch (e) {
    await embedded?.stop().catch(() => {});
    throw e;
  }
}

/** Connects (starting the embedded server when there is no DATABASE_URL) and applies pending migrations. */
export async function openDatabase(config: Config, log: Log): Promise<Database> {
  const db = await connect(config, log);
  try {
    const migrated = await migrate(db.orm);
    const box = await openSecretBox(db.orm, resolveKey(config, log), config.secretKeyPrevious);
    return { ...db, box, migrated };
  } catch (e) {
    await db.close().catch(() => {});
    throw e;
  }
}

/** `npm run migrate`: applies what is pending and disconnects, without touching secrets or serving. */
export async function migrateDatabase(config: Config, log: Log): Promise<Migrated> {
  const db = await connect(config, log);
  try {
    return await migrate(db.orm);
  } finally {
    await db.close();
  }
}

/**
 * Applies pending migrations, then the database functions (src/db/functions.ts), in one transaction under
 * an advisory lock, so instances starting together on one database do not race each other.
 */
export async function migrate(orm: MikroORM): Promise<Migrated> {
  const knex = orm.em.getKnex();
  return knex.transaction(async (trx) => {
    await trx.raw('select pg_advisory_xact_lock(7735001)');
    const applied = await orm.getMigrator().up({ transaction: trx } as never);
    // Escaped for knex, which takes every bare `?` for a placeholder (jsonb's `?` operators in a body).
    const functions = await applyFunctions((sql) => trx.raw(sql.replace(/\?/g, '\\?')));
    return { migrations: applied.map((m) => m.name), functions };
  });
}

/** Pending migration names (readiness: a started instance has applied them all). */
export async function pendingMigrations(orm: MikroORM): Promise<string[]> {
  return (await orm.getMigrator().getPendingMigrations()).map((m) => m.name);
}

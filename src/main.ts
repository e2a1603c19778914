import 'reflect-metadata';
import pino from 'pino';
import { ConfigError, loadConfig } from './config';
import { openDatabase, type Database } from './db/database';
import { buildApp, REDACT, type App } from './app';
import { ensureAdmin } from './modules/auth/bootstrap';

/** Entry point: read config, start the database (embedded unless DATABASE_URL), serve, stop cleanly on signals. */
async function main() {
  const started = Date.now();
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      process.exit(2);
    }
    throw e;
  }
  const log = pino({ level: config.logLevel, redact: { paths: REDACT, censor: '[redacted]' } });
  let db: Database | undefined;
  let app: App | undefined;
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: finishing requests in flight');
    const force = setTimeout(() => {
      log.error('shutdown took over 20 s; exiting');
      process.exit(1);
    }, 20_000);
    force.unref();
    try {
      await app?.close();
      await db?.close();
      log.info('stopped');
      process.exit(0);
    } catch (e) {
      log.error({ err: e }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));

  try {
    db = await openDatabase(config, log);
    if (db.migrated.migrations.length) log.info({ migrations: db.migrated.migrations }, 'applied pending migrations');
    app = await buildApp({ config, orm: db.orm, databaseUrl: db.url, box: db.box, logger: log });
    const admin = await ensureAdmin(db.orm, config, app.services.auth);
    await app.listen();
    if (admin?.generatedPassword) {
      // Printed once, on purpose to the console and not the log: it is stored nowhere in clear.
      console.log(
        [
          '',
          '  First start: an administrator was created.',
          `    e-mail:   ${admin.email}`,
          `    password: ${admin.generatedPassword}`,
          `  Log in to the web console at ${config.publicUrl}/ with them, or in the GraphQL playground at`,
          `  ${config.publicUrl}/graphql with:`,
          `    mutation { login(email: "${admin.email}", password: "<password>") { token } }`,
          '  and send the token as "Authorization: Bearer <token>"; then set your own password with changePassword.',
          '',
        ].join('\n'),
      );
    } else if (admin) {
      log.info({ email: admin.email }, 'created the administrator from ADMIN_EMAIL');
    }
    log.info(
      {
        port: config.port,
        role: config.role,
        console: `${config.publicUrl}/`,
        graphql: `${config.publicUrl}/graphql`,
        startupMs: Date.now() - started,
      },
      'smsdesk ready',
    );
  } catch (e) {
    log.error(`start-up failed: ${(e as Error).message}`);
    await app?.close().catch(() => {});
    await db?.close().catch(() => {});
    process.exit(1);
  }
}

void main();

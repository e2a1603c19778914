import 'reflect-metadata';
import { ConfigError, loadConfig } from '../config';
import { openDatabase } from '../db/database';
import { resealAll, ResealError } from '../db/reseal';

/**
 * `npm run reseal`: re-seals every stored secret with SECRET_KEY, in one transaction (src/db/reseal.ts).
 * The step of a key rotation between "every instance runs with the new SECRET_KEY and the old one as
 * SECRET_KEY_PREVIOUS" and "SECRET_KEY_PREVIOUS removed". Reads the same environment as the service; with the
 * embedded database (no DATABASE_URL) the service must be stopped while it runs.
 */
async function main() {
  const config = loadConfig();
  const log = { info: (m: string) => console.log(m), warn: (m: string) => console.warn(m) };
  const db = await openDatabase(config, log);
  try {
    const n = await resealAll(db.orm, db.box);
    console.log(
      `re-sealed ${n.gatewaySecrets} mailbox secrets and ${n.rawForms} kept webhook requests with SECRET_KEY, and made the erasure keys of ${n.eventKeys} inbound events again; SECRET_KEY_PREVIOUS is no longer needed`,
    );
  } finally {
    await db.close();
  }
}

main().catch((e) => {
  console.error(e instanceof ConfigError || e instanceof ResealError ? e.message : e);
  process.exit(1);
});

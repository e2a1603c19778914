import { spawn } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretBox } from '../../src/common/secret-box';
import { gatewaySecretAt } from '../../src/modules/gateways/gateway-secrets';
import { FakeSmsapi } from '../fakes/smsapi';
import { createTestDatabase } from '../support/app';
import { login, must } from '../support/api';
import { MAIN, newSecretKey, startService, type ServiceProcess } from '../support/process';
import { sealV1 } from '../support/sealing';

/*
 * Key rotation as an operator does it, with the compiled service and the compiled `npm run reseal` as
 * processes on one database: secrets stored under key A; a restart with SECRET_KEY=B and
 * SECRET_KEY_PREVIOUS=A works; the re-seal command moves everything to B; a restart with B alone works.
 * Data written before secrets were bound to their row (`v1`) opens all along and is upgraded by the re-seal.
 */

const RESEAL = path.join(path.dirname(MAIN), 'scripts/reseal.js');
const CREATE = `mutation($i: GatewayInput!) { createGateway(input: $i) { id } }`;
const TEST = `mutation($id: ID!) { testGateway(id: $id) { ok checks { name ok detail } } }`;

const A = newSecretKey();
const B = newSecretKey();
const fake = new FakeSmsapi();
let dbUrl: string;
let db: pg.Pool;
let svc: ServiceProcess | undefined;

beforeAll(async () => {
  await fake.start();
  dbUrl = await createTestDatabase();
  db = new pg.Pool({ connectionString: dbUrl, max: 2 });
});
afterAll(async () => {
  await svc?.kill();
  await db?.end();
  await fake.stop();
});

/** Runs a compiled script with the service's environment; resolves with its exit code and output. */
function run(script: string, env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [script], {
      env: {
        PATH: process.env.PATH!,
        NODE_ENV: 'test',
        HOST: '127.0.0.1',
        PORT: '0',
        LOG_LEVEL: 'info',
        DATABASE_URL: dbUrl,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    p.stdout!.on('data', (d) => (out += d));
    p.stderr!.on('data', (d) => (out += d));
    p.once('exit', (code) => resolve({ code, out }));
  });
}

/** testGateway of every mailbox on a running service: all must pass (their secrets opened and were accepted). */
async function allTestOk(ids: string[]): Promise<void> {
  const admin = await login(svc!.url);
  for (const id of ids) {
    const r = await must(svc!.url, TEST, { id }, admin);
    expect(r.testGateway, `mailbox ${id}`).toMatchObject({ ok: true });
  }
}

const secrets = async () =>
  (await db.query(`select id, password_secret, webhook_token_secret from gateway order by id`)).rows as {
    id: number;
    password_secret: string;
    webhook_token_secret: string;
  }[];

describe('SECRET_KEY rotation', () => {
  it(
    'A → B with SECRET_KEY_PREVIOUS=A → npm run reseal → B alone, with v1 data from before binding upgraded',
    { timeout: 180_000 },
    async () => {
      // Key A: mailboxes with secrets.
      svc = await startService({ databaseUrl: dbUrl, secretKey: A });
      const admin = await login(svc.url);
      const ids: string[] = [];
      for (const name of ['first', 'legacy']) {
        ids.push(
          (
            await must(
              svc.url,
              CREATE,
              {
                i: {
                  name,
                  provider: 'SMSAPI',
                  password: fake.token,
                  apiBaseUrl: fake.url,
                  webhookToken: `hook-Token-${name}-1`,
                },
              },
              admin,
            )
          ).createGateway.id,
        );
      }
      await allTestOk(ids);
      await svc.stop();

      // As a database written before secrets were bound: `v1` values and a `v1` key check.
      const keyA = Buffer.from(A, 'hex');
      await db.query(`update gateway set password_secret = $1, webhook_token_secret = $2 where id = $3`, [
        sealV1(keyA, fake.token),
        sealV1(keyA, 'hook-Token-legacy-1'),
        Number(ids[1]),
      ]);
      await db.query(`update system_state set value = $1 where key = 'secret_key_check'`, [
        sealV1(keyA, 'smsdesk secret key check'),
      ]);
      svc = await startService({ databaseUrl: dbUrl, secretKey: A });
      await allTestOk(ids);
      await svc.stop();

      // B alone cannot read A's data: start-up refuses rather than run with unreadable secrets.
      const refused = await run(MAIN, { SECRET_KEY: B });
      expect(refused.code).not.toBe(0);
      expect(refused.out).toMatch(/SECRET_KEY does not match.*SECRET_KEY_PREVIOUS/);

      // B with A as the previous key: everything works, and new secrets are sealed with B.
      svc = await startService({ databaseUrl: dbUrl, secretKey: B, env: { SECRET_KEY_PREVIOUS: A } });
      await allTestOk(ids);
      ids.push(
        (
          await must(
            svc.url,
            CREATE,
            { i: { name: 'during', provider: 'SMSAPI', password: fake.token, apiBaseUrl: fake.url } },
            await login(svc.url),
          )
        ).createGateway.id,
      );
      await allTestOk(ids);
      await svc.stop();

      // The re-seal: every secret with B, as v2.
      const [stored] = (
        await db.query(
          `select (count(password_secret) + count(certificate_secret) + count(webhook_token_secret))::int as n from gateway`,
        )
      ).rows;
      const resealed = await run(RESEAL, { SECRET_KEY: B, SECRET_KEY_PREVIOUS: A });
      expect(resealed.out).toMatch(new RegExp(`re-sealed ${stored.n} mailbox secrets and \\d+ kept webhook requests`));
      expect(resealed.code).toBe(0);
      const boxA = new SecretBox(keyA);
      const boxB = new SecretBox(Buffer.from(B, 'hex'), { acceptV1: false });
      for (const r of await secrets()) {
        expect(r.password_secret).toMatch(/^v2\./);
        expect(() => boxA.open(r.password_secret, gatewaySecretAt.password(r.id))).toThrow();
        expect(boxB.open(r.password_secret, gatewaySecretAt.password(r.id))).toBe(fake.token);
        if (r.webhook_token_secret)
          // The admin's token, or the random one a mailbox made without one gets.
          expect(boxB.open(r.webhook_token_secret, gatewaySecretAt.webhookToken(r.id))).toMatch(
            /^(hook-Token-.*|[A-Za-z0-9_-]{32})$/,
          );
      }
      const [check] = (await db.query(`select value from system_state where key = 'secret_key_check'`)).rows;
      expect(check.value).toMatch(/^v2\./);

      // B alone: everything works.
      svc = await startService({ databaseUrl: dbUrl, secretKey: B });
      await allTestOk(ids);
      await svc.stop();
      svc = undefined;

      // A is no longer the key of this database.
      expect((await run(MAIN, { SECRET_KEY: A })).code).not.toBe(0);
    },
  );

  it('re-seals nothing when a value opens with neither key, and names it', { timeout: 60_000 }, async () => {
    // The last mailbox: the ones before it are re-sealed first, and must be rolled back.
    const before = await secrets();
    const last = before[before.length - 1];
    await db.query(`update gateway set password_secret = $1 where id = $2`, [
      new SecretBox(Buffer.alloc(32, 9)).seal('x', gatewaySecretAt.password(last.id)),
      last.id,
    ]);
    const r = await run(RESEAL, { SECRET_KEY: B });
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(new RegExp(`mailbox ${last.id}'s password cannot be opened.*nothing was changed`));
    const after = await secrets();
    expect(after.slice(0, -1)).toEqual(before.slice(0, -1));
  });
});

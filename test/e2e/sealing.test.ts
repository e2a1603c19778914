import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeSmsapi } from '../fakes/smsapi';
import { createGateway as createMailbox } from '../support/api';
import { FAST_OUTBOUND_ENV } from '../support/outbound';
import { startTestApp, type TestApp } from '../support/app';

/*
 * Sealed secrets are bound to their row and column: someone who can write the database but does not have
 * SECRET_KEY (a leaked backup restored, an SQL injection elsewhere, a careless DBA) cannot move a secret to
 * where it would be sent somewhere else. The attack: point a mailbox of one's own at a server one controls,
 * then copy another mailbox's sealed password (or its webhook token) into it with SQL.
 */

const TEST = `mutation($id: ID!) { testGateway(id: $id) { ok checks { name ok detail } } }`;

let t: TestApp;
let admin: string;
/** The real provider, and the attacker's server posing as one. */
const provider = new FakeSmsapi();
const attacker = new FakeSmsapi();

beforeAll(async () => {
  await Promise.all([provider.start(), attacker.start()]);
  t = await startTestApp(FAST_OUTBOUND_ENV);
  admin = await t.login();
});
afterAll(async () => {
  await t?.close();
  await Promise.all([provider.stop(), attacker.stop()]);
});

/** Every credential the attacker's server was sent. */
const seenByAttacker = () => attacker.requests.map((r) => JSON.stringify([r.headers, r.query, r.rawBody]));

describe('a sealed secret copied elsewhere with SQL', () => {
  it("does not open in another mailbox's row: the victim's token never reaches the attacker", async () => {
    const victim = await createGateway(t, admin, {
      name: 'victim',
      provider: 'SMSAPI',
      password: provider.token,
      apiBaseUrl: provider.url,
    });
    const mine = await createGateway(t, admin, {
      name: 'mine',
      provider: 'SMSAPI',
      password: 'my-own-Token-1',
      apiBaseUrl: attacker.url,
    });
    expect((await t.gql(TEST, { id: victim }, admin)).data.testGateway.ok).toBe(true);

    await t.sql(
      `update gateway set password_secret = (select password_secret from gateway where id = $1) where id = $2`,
      [Number(victim), Number(mine)],
    );
    const r = await t.gql(TEST, { id: mine }, admin);
    expect(r.errors).toBeUndefined();
    expect(r.data.testGateway).toMatchObject({
      ok: false,
      checks: [{ name: 'Secrets', ok: false, detail: expect.stringMatching(/cannot be opened/) }],
    });
    expect(seenByAttacker().join()).not.toContain(provider.token);
    // The victim itself works as before.
    expect((await t.gql(TEST, { id: victim }, admin)).data.testGateway.ok).toBe(true);
  });

  it('does not open in another column of the same row: a webhook token is not a password', async () => {
    const id = await createGateway(t, admin, {
      name: 'columns',
      provider: 'SMSAPI',
      password: 'pw-Token-2',
      apiBaseUrl: attacker.url,
      webhookToken: 'hook-Token-Secret-3',
    });
    await t.sql(`update gateway set password_secret = webhook_token_secret where id = $1`, [Number(id)]);
    const r = await t.gql(TEST, { id }, admin);
    expect(r.data.testGateway.ok).toBe(false);
    expect(seenByAttacker().join()).not.toContain('hook-Token-Secret-3');
  });

  it('does not open as a generic HTTP header of another name', async () => {
    const id = await createGateway(t, admin, {
      name: 'headers',
      provider: 'GENERIC_HTTP',
      genericHttp: {
        method: 'POST',
        urlTemplate: `${attacker.url}/send`,
        headers: [
          { name: 'X-Public', value: 'not-secret' },
          { name: 'Authorization', value: 'Bearer hdr-Secret-4' },
        ],
      },
    });
    // Swap the two sealed values: the secret one would now be sent under the other name.
    await t.sql(
      `update gateway set generic_http = jsonb_set(jsonb_set(generic_http, '{headers,0,sealedValue}', generic_http->'headers'->1->'sealedValue'), '{headers,1,sealedValue}', generic_http->'headers'->0->'sealedValue') where id = $1`,
      [Number(id)],
    );
    const r = await t.gql(
      `mutation($id: ID!) { testGateway(id: $id, sendTestSmsTo: "+48500100300") { ok checks { name ok } } }`,
      { id },
      admin,
    );
    expect(r.data.testGateway.ok).toBe(false);
    expect(seenByAttacker().join()).not.toContain('hdr-Secret-4');
  });
});

/** A mailbox made through the API; its id. */
async function createGateway(t: TestApp, admin: string, input: Record<string, unknown>): Promise<string> {
  return (await createMailbox(t, admin, input)).id;
}

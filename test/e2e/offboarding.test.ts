import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app';
import { ADMIN, codes, createAgent, ok, type GqlResult } from '../support/api';
import { waitFor } from '../support/wait';
import { NOTIFICATION_ADDED } from '../support/ws';
import { loadConfig } from '../../src/config';

/*
 * Offboarding: an admin deactivates a user (no login, no working token, open sockets closed, on every
 * instance), changes roles, resets passwords, lists and revokes anyone's tokens; users log out and list
 * their own tokens; API tokens have a maximum lifetime; the last active admin stays.
 */

let a: TestApp;
let b: TestApp;
let admin: string;
beforeAll(async () => {
  // Two instances on one database, as behind a load balancer; sockets re-check every 200 ms (60 s by default).
  a = await startTestApp({ WS_AUTH_RECHECK_MS: '200' });
  b = await startTestApp({ WS_AUTH_RECHECK_MS: '200' }, { on: { dbUrl: a.dbUrl, key: a.key } });
  admin = await a.login();
});
afterAll(async () => {
  await b?.close();
  await a?.close();
});

const ME = `{ me { email role } }`;
const violation = (r: GqlResult) => r.errors?.[0]?.extensions?.violations?.[0];

/** A graphql-ws socket on `t` with `token`, subscribed to notificationAdded; records how it closes. */
async function socket(t: TestApp, token: string) {
  let closed: { code: number; reason: string } | undefined;
  const client = createClient({
    url: t.url.replace('http', 'ws') + '/graphql',
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
    lazy: false,
    onNonLazyError: () => {},
    on: { closed: (e) => (closed = { code: (e as { code: number }).code, reason: (e as { reason: string }).reason }) },
  });
  client.subscribe({ query: NOTIFICATION_ADDED }, { next: () => {}, error: () => {}, complete: () => {} });
  await new Promise((r) => setTimeout(r, 300));
  expect(closed).toBeUndefined(); // open and subscribed
  return {
    isOpen: () => closed === undefined,
    closed: async () => (await waitFor(async () => closed, 'the socket to close', 5_000), closed!),
    dispose: () => client.dispose(),
  };
}

describe('deactivating a user', () => {
  it("stops the user's tokens at once on every instance, closes their sockets there, and refuses their logins", async () => {
    const agent = await createAgent(a, admin, 'Leaving Lena');
    const sessionOnB = await b.login(agent.email, 'agent-pass-1');
    const apiToken = ok(await b.gql(`mutation { createApiToken(input: { name: "CRM" }) { token } }`, {}, agent.token))
      .createApiToken.token;
    const sockB = await socket(b, sessionOnB);
    for (const tk of [agent.token, sessionOnB, apiToken])
      expect(ok(await b.gql(ME, {}, tk)).me.email).toBe(agent.email);

    const done = ok(
      await a.gql(
        `mutation($id: ID!) { deactivateUser(id: $id) { id active deactivatedAt } }`,
        { id: agent.id },
        admin,
      ),
    ).deactivateUser;
    expect(done).toMatchObject({ id: agent.id, active: false, deactivatedAt: expect.any(String) });

    // The very next request, on the other instance: every token of theirs is refused.
    for (const tk of [agent.token, sessionOnB, apiToken]) {
      const r = await b.gql(ME, {}, tk);
      expect(r.status).toBe(401);
      expect(codes(r)).toEqual(['UNAUTHENTICATED']);
    }
    // The socket open on the other instance is closed (4403) by its re-check.
    expect(await sockB.closed()).toEqual({ code: 4403, reason: expect.stringMatching(/deactivated/) });
    await sockB.dispose();
    // The right password no longer logs in, on either instance, and a new socket is refused.
    for (const t of [a, b]) {
      const r = await t.gql(`mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }`, {
        e: agent.email,
        p: 'agent-pass-1',
      });
      expect(codes(r)).toEqual(['UNAUTHENTICATED']);
      expect(r.errors![0].message).toMatch(/deactivated/);
    }
    expect(ok(await a.gql(`{ users { email active } }`, {}, admin)).users).toContainEqual({
      email: agent.email,
      active: false,
    });

    // Reactivated: the password works again; the old tokens stay revoked.
    ok(await b.gql(`mutation($id: ID!) { reactivateUser(id: $id) { id } }`, { id: agent.id }, admin));
    const fresh = await a.login(agent.email, 'agent-pass-1');
    expect(ok(await b.gql(ME, {}, fresh)).me.email).toBe(agent.email);
    for (const tk of [agent.token, sessionOnB, apiToken]) expect((await a.gql(ME, {}, tk)).status).toBe(401);
  });

  it('is read from the database on every request and socket re-check, not only through revoked tokens', async () => {
    const agent = await createAgent(a, admin, 'Raw Rita');
    const sockB = await socket(b, agent.token);
    // Set behind the service's back: no token is revoked, only the user row says it.
    await a.sql(`update app_user set deactivated_at = now() where id = $1`, [Number(agent.id)]);
    expect((await b.gql(ME, {}, agent.token)).status).toBe(401);
    expect((await sockB.closed()).code).toBe(4403);
    await sockB.dispose();
  });

  it('is for admins only, and an unknown user is NOT_FOUND', async () => {
    const agent = await createAgent(a, admin, 'Agent Andy');
    const other = await createAgent(a, admin, 'Other Olga');
    expect(
      codes(await a.gql(`mutation($id: ID!) { deactivateUser(id: $id) { id } }`, { id: other.id }, agent.token)),
    ).toEqual(['FORBIDDEN']);
    expect(ok(await a.gql(ME, {}, other.token)).me.email).toBe(other.email);
    expect(codes(await a.gql(`mutation { deactivateUser(id: "999999") { id } }`, {}, admin))).toEqual(['NOT_FOUND']);
  });
});

describe('the last active admin', () => {
  it('cannot be deactivated or demoted (BAD_USER_INPUT naming the rule); with a second admin, one can', async () => {
    const [me] = await a.sql(`select id from app_user where email = $1`, [ADMIN.email]);
    const id = String(me.id);
    const deact = await a.gql(`mutation($id: ID!) { deactivateUser(id: $id) { id } }`, { id }, admin);
    expect(codes(deact)).toEqual(['BAD_USER_INPUT']);
    expect(violation(deact)).toMatchObject({
      field: 'id',
      rule: 'lastActiveAdmin',
      message: expect.stringMatching(/last active ADMIN/),
    });
    const demote = await a.gql(`mutation($id: ID!) { setUserRole(id: $id, role: AGENT) { id } }`, { id }, admin);
    expect(violation(demote)).toMatchObject({ field: 'role', rule: 'lastActiveAdmin' });
    expect(await a.sql(`select role, deactivated_at from app_user where id = $1`, [me.id])).toEqual([
      { role: 'ADMIN', deactivated_at: null },
    ]);
    // A deactivated admin does not count as one.
    const ghost = await createAgent(a, admin, 'Ghost Admin');
    ok(await a.gql(`mutation($id: ID!) { setUserRole(id: $id, role: ADMIN) { id } }`, { id: ghost.id }, admin));
    ok(await a.gql(`mutation($id: ID!) { deactivateUser(id: $id) { id } }`, { id: ghost.id }, admin));
    expect(
      codes(await a.gql(`mutation($id: ID!) { setUserRole(id: $id, role: AGENT) { id } }`, { id }, admin)),
    ).toEqual(['BAD_USER_INPUT']);
  });

  it('survives two admins demoting each other at once on two instances: exactly one succeeds', async () => {
    const x = await createAgent(a, admin, 'Admin X');
    const y = await createAgent(a, admin, 'Admin Y');
    for (const u of [x, y])
      ok(await a.gql(`mutation($id: ID!) { setUserRole(id: $id, role: ADMIN) { id } }`, { id: u.id }, admin));
    // Leave X and Y the only active admins.
    const [me] = await a.sql(`select id from app_user where email = $1`, [ADMIN.email]);
    ok(await a.gql(`mutation($id: ID!) { setUserRole(id: $id, role: AGENT) { id } }`, { id: String(me.id) }, x.token));
    const [rx, ry] = await Promise.all([
      a.gql(`mutation($id: ID!) { deactivateUser(id: $id) { id } }`, { id: y.id }, x.token),
      b.gql(`mutation($id: ID!) { deactivateUser(id: $id) { id } }`, { id: x.id }, y.token),
    ]);
    const outcomes = [rx, ry].map((r) => (r.errors ? r.errors[0].extensions?.code : 'OK'));
    expect(outcomes.filter((c) => c === 'OK')).toHaveLength(1);
    const [{ n }] = await a.sql(`select count(*)::int n from app_user where role = 'ADMIN' and deactivated_at is null`);
    expect(n).toBe(1);
    // Give the bootstrap admin the role back for the other tests, from whichever admin is left.
    const left = outcomes[0] === 'OK' ? x : y;
    ok(
      await a.gql(`mutation($id: ID!) { setUserRole(id: $id, role: ADMIN) { id } }`, { id: String(me.id) }, left.token),
    );
  });
});

describe('roles and passwords', () => {
  it('a role change holds at the next request, and closes sockets opened under the old role', async () => {
    const agent = await createAgent(a, admin, 'Promoted Pia');
    const sock = await socket(b, agent.token);
    expect(codes(await b.gql(`{ users { id } }`, {}, agent.token))).toEqual(['FORBIDDEN']);
    expect(
      ok(await a.gql(`mutation($id: ID!) { setUserRole(id: $id, role: ADMIN) { role } }`, { id: agent.id }, admin))
        .setUserRole.role,
    ).toBe('ADMIN');
    expect(ok(await b.gql(`{ users { id } }`, {}, agent.token)).users.length).toBeGreaterThan(1);
    expect(await sock.closed()).toEqual({ code: 4403, reason: expect.stringMatching(/role changed/) });
    await sock.dispose();
    ok(await a.gql(`mutation($id: ID!) { setUserRole(id: $id, role: AGENT) { id } }`, { id: agent.id }, admin));
    expect(codes(await b.gql(`{ users { id } }`, {}, agent.token))).toEqual(['FORBIDDEN']);
  });

  it('resetUserPassword returns a generated password once, ends the sessions, keeps API tokens', async () => {
    const agent = await createAgent(a, admin, 'Forgetful Fred');
    const api = ok(await a.gql(`mutation { createApiToken(input: { name: "script" }) { token } }`, {}, agent.token))
      .createApiToken.token;
    const r = ok(
      await a.gql(
        `mutation($id: ID!) { resetUserPassword(id: $id) { password user { email } } }`,
        { id: agent.id },
        admin,
      ),
    ).resetUserPassword;
    expect(r.user.email).toBe(agent.email);
    expect(r.password).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect((await b.gql(ME, {}, agent.token)).status).toBe(401);
    expect(ok(await b.gql(ME, {}, api)).me.email).toBe(agent.email);
    await expect(b.login(agent.email, 'agent-pass-1')).rejects.toThrow();
    expect(await b.login(agent.email, r.password)).toMatch(/^smsd_/);
    const [row] = await a.sql(`select password_hash from app_user where id = $1`, [Number(agent.id)]);
    expect(row.password_hash).toMatch(/^\$argon2id\$/);
    expect(row.password_hash).not.toContain(r.password);
  });
});

describe('tokens', () => {
  const LIST = `query($u: ID, $all: Boolean) { apiTokens(userId: $u, includeInactive: $all) { id name kind expiresAt revokedAt } }`;

  it('users list their own tokens, admins anyone’s, and never see a token itself', async () => {
    const agent = await createAgent(a, admin, 'Listing Lou');
    const minted = ok(
      await a.gql(
        `mutation { createApiToken(input: { name: "forever?" }) { token apiToken { id expiresAt } } }`,
        {},
        agent.token,
      ),
    ).createApiToken;
    const mine = ok(await a.gql(LIST, {}, agent.token)).apiTokens;
    expect(mine.map((x: { name: string; kind: string }) => [x.kind, x.name])).toEqual([
      ['API', 'forever?'],
      ['SESSION', 'login'],
    ]);
    // The admin finds the agent's token, and it does not live forever.
    const seen = ok(await a.gql(LIST, { u: agent.id }, admin)).apiTokens;
    expect(seen).toContainEqual(expect.objectContaining({ id: minted.apiToken.id, expiresAt: expect.any(String) }));
    expect(JSON.stringify([mine, seen])).not.toContain(minted.token);
    // Agents may not list anyone else's.
    const [me] = await a.sql(`select id from app_user where email = $1`, [ADMIN.email]);
    expect(codes(await a.gql(LIST, { u: String(me.id) }, agent.token))).toEqual(['FORBIDDEN']);
    // The admin revokes it: it stops; it is listed again only with includeInactive.
    ok(await a.gql(`mutation($id: ID!) { revokeApiToken(id: $id) }`, { id: minted.apiToken.id }, admin));
    expect((await b.gql(ME, {}, minted.token)).status).toBe(401);
    expect(ok(await a.gql(LIST, { u: agent.id }, admin)).apiTokens.map((x: { id: string }) => x.id)).not.toContain(
      minted.apiToken.id,
    );
    expect(ok(await a.gql(LIST, { u: agent.id, all: true }, admin)).apiTokens).toContainEqual(
      expect.objectContaining({ id: minted.apiToken.id, revokedAt: expect.any(String) }),
    );
  });

  it('API tokens live at most API_TOKEN_MAX_DAYS: longer is refused naming the field, nothing is stored', async () => {
    const agent = await createAgent(a, admin, 'Longing Liv');
    const before = await a.sql(`select count(*)::int n from api_token`);
    const r = await a.gql(
      `mutation { createApiToken(input: { name: "long", expiresInDays: 91 }) { token } }`,
      {},
      agent.token,
    );
    expect(codes(r)).toEqual(['BAD_USER_INPUT']);
    expect(violation(r)).toMatchObject({
      field: 'expiresInDays',
      rule: 'range',
      message: expect.stringMatching(/from 1 to 90/),
    });
    expect(await a.sql(`select count(*)::int n from api_token`)).toEqual(before);
    // Another instance set to 30 days gives a token without an expiry 30 days.
    const c = await startTestApp({ API_TOKEN_MAX_DAYS: '30' }, { on: { dbUrl: a.dbUrl, key: a.key } });
    try {
      const made = ok(
        await c.gql(
          `mutation { createApiToken(input: { name: "short" }) { apiToken { expiresAt } } }`,
          {},
          agent.token,
        ),
      ).createApiToken;
      expect(Math.round((Date.parse(made.apiToken.expiresAt) - Date.now()) / 86400_000)).toBe(30);
    } finally {
      await c.close();
    }
    expect(() => loadConfig({ API_TOKEN_MAX_DAYS: '0' })).toThrow(
      /API_TOKEN_MAX_DAYS must be a whole number from 1 to 3650/,
    );
  });

  it('logout revokes only the calling token, at once on every instance', async () => {
    const agent = await createAgent(a, admin, 'Logout Leo');
    const other = await a.login(agent.email, 'agent-pass-1');
    expect(ok(await b.gql(`mutation { logout }`, {}, agent.token)).logout).toBe(true);
    expect((await a.gql(ME, {}, agent.token)).status).toBe(401);
    expect(ok(await a.gql(ME, {}, other)).me.email).toBe(agent.email);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, codes, fields } from '../support/api';
import { startTestApp, type TestApp } from '../support/app';
import { wsClient } from '../support/ws';

let t: TestApp;
let admin: string;
beforeAll(async () => {
  t = await startTestApp();
  admin = await t.login();
});
afterAll(() => t?.close());

const CREATE_USER = `mutation($i: CreateUserInput!) { createUser(input: $i) { id email name role } }`;

describe('login and users', () => {
  it('logs the bootstrap admin in and answers me', async () => {
    const r = await t.gql(`{ me { email role } }`, {}, admin);
    expect(r.data.me).toEqual({ email: ADMIN.email, role: 'ADMIN' });
  });

  it('refuses a wrong password with UNAUTHENTICATED and no token', async () => {
    const r = await t.gql(`mutation { login(email: "${ADMIN.email}", password: "nope-nope") { token } }`);
    expect(codes(r)).toEqual(['UNAUTHENTICATED']);
    expect(r.data).toBeNull();
  });

  it('stores passwords as argon2id hashes, not plain text', async () => {
    const [row] = await t.sql(`select password_hash from app_user where email = $1`, [ADMIN.email]);
    expect(row.password_hash).toMatch(/^\$argon2id\$/);
    expect(row.password_hash).not.toContain(ADMIN.password);
  });

  it('lets an admin create an agent, who can log in with any e-mail case', async () => {
    const r = await t.gql(
      CREATE_USER,
      { i: { email: 'Agent.One@Example.com', name: 'Agent One', password: 'agent-pass-1', role: 'AGENT' } },
      admin,
    );
    expect(r.errors).toBeUndefined();
    expect(r.data.createUser).toMatchObject({ email: 'agent.one@example.com', role: 'AGENT' });
    const token = await t.login('AGENT.ONE@example.com', 'agent-pass-1');
    const me = await t.gql(`{ me { email role } }`, {}, token);
    expect(me.data.me.role).toBe('AGENT');
  });

  it('rejects invalid users naming each field, and writes nothing', async () => {
    const before = await t.sql(`select count(*)::int as n from app_user`);
    const r = await t.gql(
      CREATE_USER,
      { i: { email: 'not-an-email', name: ' ', password: 'short', role: 'AGENT' } },
      admin,
    );
    expect(codes(r)).toEqual(['BAD_USER_INPUT']);
    expect(fields(r).sort()).toEqual(['email', 'name', 'password']);
    const dup = await t.gql(
      CREATE_USER,
      { i: { email: ADMIN.email, name: 'X', password: 'long-enough', role: 'AGENT' } },
      admin,
    );
    expect(dup.errors?.[0].extensions?.violations?.[0]).toMatchObject({ field: 'email', rule: 'unique' });
    const after = await t.sql(`select count(*)::int as n from app_user`);
    expect(after[0].n).toBe(before[0].n);
  });

  it('answers UNAUTHENTICATED without a token and FORBIDDEN for agents on admin mutations', async () => {
    expect(codes(await t.gql(`{ gateways { id } }`))).toEqual(['UNAUTHENTICATED']);
    const agent = await t.login('agent.one@example.com', 'agent-pass-1');
    const r = await t.gql(
      CREATE_USER,
      { i: { email: 'x@example.com', name: 'X', password: 'long-enough', role: 'ADMIN' } },
      agent,
    );
    expect(codes(r)).toEqual(['FORBIDDEN']);
    expect(await t.sql(`select 1 from app_user where email = 'x@example.com'`)).toHaveLength(0);
  });

  it('rejects a forged or malformed bearer token with 401', async () => {
    const bad = await t.gql(`{ me { id } }`, {}, 'smsd_forged');
    expect(bad.status).toBe(401);
    expect(codes(bad)).toEqual(['UNAUTHENTICATED']);
    const res = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Token abc' },
      body: '{"query":"{ me { id } }"}',
    });
    expect(res.status).toBe(401);
  });

  it('issues API tokens that work until revoked', async () => {
    const r = await t.gql(
      `mutation { createApiToken(input: { name: "CRM" }) { token apiToken { id name kind expiresAt } } }`,
      {},
      admin,
    );
    const { token, apiToken } = r.data.createApiToken;
    // No token lives forever: without an expiry it gets the longest allowed, API_TOKEN_MAX_DAYS (90).
    expect(apiToken).toMatchObject({ name: 'CRM', kind: 'API' });
    expect(Math.round((Date.parse(apiToken.expiresAt) - Date.now()) / 86400_000)).toBe(90);
    expect((await t.gql(`{ me { email } }`, {}, token)).data.me.email).toBe(ADMIN.email);
    const [row] = await t.sql(`select token_hash from api_token where id = $1`, [apiToken.id]);
    expect(row.token_hash).not.toBe(token);
    await t.gql(`mutation($id: ID!) { revokeApiToken(id: $id) }`, { id: apiToken.id }, admin);
    expect((await t.gql(`{ me { email } }`, {}, token)).status).toBe(401);
  });
});

describe('changing a password', () => {
  it('needs the current password, then ends other sessions and accepts only the new one', async () => {
    await t.gql(
      CREATE_USER,
      { i: { email: 'pw@example.com', name: 'PW', password: 'first-pass-1', role: 'AGENT' } },
      admin,
    );
    const a = await t.login('pw@example.com', 'first-pass-1');
    const b = await t.login('pw@example.com', 'first-pass-1');
    const wrong = await t.gql(
      `mutation { changePassword(currentPassword: "nope", newPassword: "second-pass-2") }`,
      {},
      a,
    );
    expect(wrong.errors?.[0].extensions?.violations?.[0]).toMatchObject({ field: 'currentPassword' });
    const ok = await t.gql(
      `mutation { changePassword(currentPassword: "first-pass-1", newPassword: "second-pass-2") }`,
      {},
      a,
    );
    expect(ok.data.changePassword).toBe(true);
    expect((await t.gql(`{ me { email } }`, {}, a)).data.me.email).toBe('pw@example.com');
    expect((await t.gql(`{ me { email } }`, {}, b)).status).toBe(401);
    await expect(t.login('pw@example.com', 'first-pass-1')).rejects.toThrow();
    expect(await t.login('pw@example.com', 'second-pass-2')).toMatch(/^smsd_/);
  });
});

describe('graphql-ws authentication', () => {
  const connect = (connectionParams: Record<string, unknown> | undefined) =>
    new Promise<{ code?: number; data?: unknown }>((resolve) => {
      const client = wsClient(t.url, undefined, { connectionParams, lazy: true });
      client.subscribe(
        { query: '{ me { email } }' },
        {
          next: (v) => resolve({ data: v.data }),
          error: (e) => resolve({ code: (e as { code?: number }).code }),
          complete: () => void client.dispose(),
        },
      );
    });

  it('runs operations for a valid token', async () => {
    expect(await connect({ authorization: `Bearer ${admin}` })).toEqual({ data: { me: { email: ADMIN.email } } });
  });

  it('closes with 4401 without a token and 4403 with a bad one', async () => {
    expect((await connect(undefined)).code).toBe(4401);
    expect((await connect({ authorization: 'Bearer smsd_forged' })).code).toBe(4403);
  });
});

describe('introspection switch', () => {
  it('refuses introspection when GRAPHQL_INTROSPECTION=false, while normal queries work', async () => {
    const closed = await startTestApp({ GRAPHQL_INTROSPECTION: 'false' });
    try {
      const token = await closed.login();
      const r = await closed.gql(`{ __schema { queryType { name } } }`, {}, token);
      expect(r.errors?.[0].message).toMatch(/introspection/i);
      expect((await closed.gql(`{ me { email } }`, {}, token)).data.me.email).toBe(ADMIN.email);
      expect((await t.gql(`{ __schema { queryType { name } } }`, {}, admin)).data.__schema.queryType.name).toBe(
        'Query',
      );
    } finally {
      await closed.close();
    }
  });
});

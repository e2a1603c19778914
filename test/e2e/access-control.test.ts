import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
  type GraphQLInputType,
} from 'graphql';
import { getMetadataStorage } from 'type-graphql';
import { codes, createAgent, createGateway, createQueue, createRule, ok } from '../support/api';
import { startTestApp, type TestApp } from '../support/app';
import { waitFor } from '../support/wait';
import { NOTIFICATION_ADDED, subscribe, wsClient } from '../support/ws';
import { smsapiSms } from '../fakes/push/providers';
import { createSchema } from '../../src/graphql/schema';

/*
 * Access: agents see only their own notifications (queries and subscriptions), never read a mailbox secret,
 * cannot call admin operations; a graphql-ws socket whose token is revoked or expires is closed (4403).
 */

let t: TestApp;
let admin: string;
let a: { id: string; token: string; email: string };
let b: { id: string; token: string; email: string };
const OUR = '48732123999';
const SECRETS = {
  password: 'Gw-Pa55word-Secret-001',
  webhookToken: 'Gw-Webhook-Token-Secret-002',
  header: 'Gw-Header-ApiKey-Secret-003',
};
let gatewayId: string;

beforeAll(async () => {
  // Sockets re-check their tokens every 200 ms here (60 s by default).
  t = await startTestApp({ WS_AUTH_RECHECK_MS: '200' });
  admin = await t.login();
  a = await createAgent(t, admin, 'Alice Access');
  b = await createAgent(t, admin, 'Bob Access');
  const qa = await createQueue(t, admin, 'Queue A', [a.id]);
  const qb = await createQueue(t, admin, 'Queue B', [b.id]);
  gatewayId = (
    await createGateway(t, admin, {
      name: 'Main',
      provider: 'SMSAPI',
      password: SECRETS.password,
      webhookToken: SECRETS.webhookToken,
      destinationNumber: OUR,
      incomingActive: true,
    })
  ).id;
  await createGateway(t, admin, {
    name: 'Generic',
    provider: 'GENERIC_HTTP',
    destinationNumber: '48732123998',
    genericHttp: {
      method: 'POST',
      urlTemplate: 'https://example.com/send',
      headers: [{ name: 'X-Api-Key', value: SECRETS.header }],
    },
  });
  // The rule engine has no sender condition: sendTo() routes by turning rule "to A" on or off.
  await createRule(t, admin, { name: 'to B', position: 1, gatewayId, queueId: qb, stop: true });
  await createRule(t, admin, { name: 'to A', position: 0, gatewayId, queueId: qa, stop: true, active: false });
});
afterAll(() => t?.close());

async function sendTo(queue: 'A' | 'B', msgId: string) {
  const rules = ok(await t.gql(`{ messageRules { id name } }`, {}, admin)).messageRules as {
    id: string;
    name: string;
  }[];
  const toA = rules.find((r) => r.name === 'to A')!;
  ok(
    await t.gql(
      `mutation($id: ID!, $i: MessageRuleInput!) { updateMessageRule(id: $id, input: $i) { id } }`,
      { id: toA.id, i: { active: queue === 'A' } },
      admin,
    ),
  );
  const r = await smsapiSms(
    t.url,
    { to: OUR, from: queue === 'A' ? '48501000001' : '48502000002', text: `hello ${queue} ${msgId}`, msgId },
    { token: SECRETS.webhookToken },
  );
  expect(r.body).toBe('OK');
}

describe('notifications are private', () => {
  it('queries and subscriptions show each agent only their own', async () => {
    const subA = await subscribe(t, a.token, NOTIFICATION_ADDED);
    const subB = await subscribe(t, b.token, NOTIFICATION_ADDED);
    try {
      await sendTo('A', 'ACC-1');
      await sendTo('B', 'ACC-2');
      const [ea] = await subA.take(1);
      const [eb] = await subB.take(1);
      expect(ea.notificationAdded.message.text).toContain('ACC-1');
      expect(eb.notificationAdded.message.text).toContain('ACC-2');
      await new Promise((r) => setTimeout(r, 300));
      expect(subA.events).toHaveLength(1);
      expect(subB.events).toHaveLength(1);

      const list = (token: string) =>
        t.gql(
          `{ notifications(first: 100) { edges { node { id message { text } } } } unreadNotificationCount }`,
          {},
          token,
        );
      const la = ok(await list(a.token));
      const lb = ok(await list(b.token));
      expect(la.notifications.edges.map((e: any) => e.node.message.text)).toEqual([expect.stringContaining('ACC-1')]);
      expect(lb.notifications.edges.map((e: any) => e.node.message.text)).toEqual([expect.stringContaining('ACC-2')]);
      expect(la.unreadNotificationCount).toBe(1);
      // Another agent's notification id is NOT_FOUND, not readable or markable.
      const bId = lb.notifications.edges[0].node.id;
      expect(
        codes(await t.gql(`mutation($id: ID!) { markNotificationRead(id: $id) { id } }`, { id: bId }, a.token)),
      ).toEqual(['NOT_FOUND']);
      expect(ok(await t.gql(`mutation { markAllNotificationsRead }`, {}, a.token)).markAllNotificationsRead).toBe(1);
      expect(ok(await list(b.token)).unreadNotificationCount).toBe(1);
      // The admin, in neither queue, has none either.
      expect(ok(await list(admin)).notifications.edges).toHaveLength(0);
    } finally {
      await subA.close();
      await subB.close();
    }
  });
});

describe('mailbox secrets are write-only', () => {
  it('no field of the schema returns a secret, and no answer (agent or admin) contains one', async () => {
    const gw = ok(await t.gql(`{ __type(name: "Gateway") { fields { name } } }`, {}, admin)).__type.fields.map(
      (f: any) => f.name,
    );
    for (const f of ['password', 'webhookToken', 'certificatePem', 'privateKey', 'secret', 'token'])
      expect(gw).not.toContain(f);
    const all = `{ gateways { id name login hasPassword hasWebhookToken hasCertificate webhookUrl apiBaseUrl passwordForm { __typename } genericHttp { urlTemplate headerNames bodyTemplate } } }`;
    for (const token of [a.token, admin]) {
      const r = await t.gql(all, {}, token);
      const text = JSON.stringify(r);
      for (const s of Object.values(SECRETS)) expect(text).not.toContain(s);
    }
    const mine = ok(
      await t.gql(`query($id: ID!) { gateway(id: $id) { hasPassword hasWebhookToken } }`, { id: gatewayId }, a.token),
    ).gateway;
    expect(mine).toEqual({ hasPassword: true, hasWebhookToken: true });
    // The inbound event log masks the webhook token the provider sent.
    const ev = ok(await t.gql(`{ inboundEvents(first: 50) { edges { node { payload path reason } } } }`, {}, admin));
    expect(ev.inboundEvents.edges.length).toBeGreaterThan(0);
    for (const s of Object.values(SECRETS)) expect(JSON.stringify(ev)).not.toContain(s);
  });
});

/** A minimal value of an input type (required fields only): enough to get past GraphQL's own validation. */
function sample(type: GraphQLInputType): unknown {
  if (isNonNullType(type)) return sample(type.ofType);
  if (isListType(type)) return [];
  const named = getNamedType(type);
  if (isEnumType(named)) return named.getValues()[0].value;
  if (isInputObjectType(named)) {
    const out: Record<string, unknown> = {};
    for (const f of Object.values(named.getFields()))
      if (isNonNullType(f.type) && f.defaultValue === undefined) out[f.name] = sample(f.type);
    return out;
  }
  if (isScalarType(named))
    return (
      (
        { ID: '1', String: 'x', Int: 1, Float: 1, Boolean: false, DateTimeISO: new Date().toISOString() } as Record<
          string,
          unknown
        >
      )[named.name] ?? 'x'
    );
  return null;
}

describe('admin operations', () => {
  it('every operation marked ADMIN answers FORBIDDEN to an agent and changes nothing', async () => {
    const schema = await createSchema();
    const adminOnly = getMetadataStorage().authorizedFields.filter((f) => (f.roles as string[]).includes('ADMIN'));
    const ops: { kind: 'query' | 'mutation'; name: string }[] = [];
    for (const [kind, root] of [
      ['query', schema.getQueryType()!],
      ['mutation', schema.getMutationType()!],
    ] as const) {
      for (const name of Object.keys(root.getFields()))
        if (adminOnly.some((f) => f.fieldName === name)) ops.push({ kind, name });
    }
    // The known ones are among them, so the list cannot silently shrink to nothing.
    expect(ops.map((o) => o.name)).toEqual(
      expect.arrayContaining([
        'createUser',
        'createGateway',
        'updateGateway',
        'deleteGateway',
        'createQueue',
        'createMessageRule',
        'updateSettings',
        'users',
        'inboundEvents',
      ]),
    );
    const before = await t.sql(
      `select (select count(*) from app_user) u, (select count(*) from gateway) g, (select count(*) from queue) q, (select count(*) from message_rule) r, (select count(*) from api_token) tk`,
    );
    for (const op of ops) {
      const field = (op.kind === 'query' ? schema.getQueryType() : schema.getMutationType())!.getFields()[op.name];
      const vars: Record<string, unknown> = {};
      const decl = field.args.map((x) => `$${x.name}: ${x.type.toString()}`).join(', ');
      for (const x of field.args) if (isNonNullType(x.type)) vars[x.name] = sample(x.type);
      const named = getNamedType(field.type);
      const sel = isScalarType(named) || isEnumType(named) ? '' : '{ __typename }';
      const q = `${op.kind}${decl ? `(${decl})` : ''} { ${op.name}${field.args.length ? `(${field.args.map((x) => `${x.name}: $${x.name}`).join(', ')})` : ''} ${sel} }`;
      const r = await t.gql(q, vars, a.token);
      expect(codes(r), `${op.kind} ${op.name}: ${JSON.stringify(r.errors)}`).toEqual(['FORBIDDEN']);
    }
    const after = await t.sql(
      `select (select count(*) from app_user) u, (select count(*) from gateway) g, (select count(*) from queue) q, (select count(*) from message_rule) r, (select count(*) from api_token) tk`,
    );
    expect(after).toEqual(before);
    // An agent may not revoke someone else's token either.
    const [tok] = await t.sql(`select id from api_token where user_id = $1 limit 1`, [Number(b.id)]);
    expect(
      codes(await t.gql(`mutation($id: ID!) { revokeApiToken(id: $id) }`, { id: String(tok.id) }, a.token)),
    ).toEqual(['BAD_USER_INPUT']);
    expect((await t.sql(`select revoked_at from api_token where id = $1`, [tok.id]))[0].revoked_at).toBeNull();
  });
});

describe('sockets outlive no token', () => {
  /** Opens a socket with `token`, subscribed to notificationAdded; resolves its close code. */
  async function socket(token: string) {
    let code: number | undefined;
    let reason = '';
    const client = wsClient(t.url, token, {
      lazy: false,
      onNonLazyError: () => {},
      on: { closed: (e) => ((code = (e as { code: number }).code), (reason = (e as { reason: string }).reason)) },
    });
    client.subscribe({ query: NOTIFICATION_ADDED }, { next: () => {}, error: () => {}, complete: () => {} });
    await new Promise((r) => setTimeout(r, 300));
    expect(code).toBeUndefined(); // open and subscribed
    return {
      isOpen: () => code === undefined,
      closed: () => waitFor(() => code, 'the socket to close', 5_000).then(() => ({ code, reason })),
      dispose: () => client.dispose(),
    };
  }

  it('closes the socket of a revoked API token with 4403', async () => {
    const created = ok(
      await t.gql(`mutation { createApiToken(input: { name: "ws" }) { token apiToken { id } } }`, {}, a.token),
    ).createApiToken;
    const s = await socket(created.token);
    ok(await t.gql(`mutation($id: ID!) { revokeApiToken(id: $id) }`, { id: created.apiToken.id }, a.token));
    expect(await s.closed()).toEqual({ code: 4403, reason: expect.stringMatching(/revoked or has expired/) });
    await s.dispose();
  });

  it('closes the socket of an expired token with 4403', async () => {
    const created = ok(
      await t.gql(
        `mutation { createApiToken(input: { name: "short", expiresInDays: 1 }) { token apiToken { id } } }`,
        {},
        a.token,
      ),
    ).createApiToken;
    const s = await socket(created.token);
    await t.sql(`update api_token set expires_at = now() - interval '1 second' where id = $1`, [
      Number(created.apiToken.id),
    ]);
    expect((await s.closed()).code).toBe(4403);
    await s.dispose();
  });

  it('closes the other sessions when the password changes, and keeps the current one', async () => {
    const agent = await createAgent(t, admin, 'Carol Changes');
    const other = await t.login(agent.email, 'agent-pass-1');
    const sOther = await socket(other);
    const sMine = await socket(agent.token);
    ok(
      await t.gql(
        `mutation { changePassword(currentPassword: "agent-pass-1", newPassword: "agent-pass-2") }`,
        {},
        agent.token,
      ),
    );
    expect((await sOther.closed()).code).toBe(4403);
    await new Promise((r) => setTimeout(r, 400));
    expect(sMine.isOpen()).toBe(true);
    const me = ok(await t.gql(`{ me { email } }`, {}, agent.token));
    expect(me.me.email).toBe(agent.email);
    await sOther.dispose();
    await sMine.dispose();
  });

  it('refuses a socket with a revoked token from the start', async () => {
    const created = ok(
      await t.gql(`mutation { createApiToken(input: { name: "dead" }) { token apiToken { id } } }`, {}, a.token),
    ).createApiToken;
    ok(await t.gql(`mutation($id: ID!) { revokeApiToken(id: $id) }`, { id: created.apiToken.id }, a.token));
    let code: number | undefined;
    const client = wsClient(t.url, created.token, {
      lazy: false,
      onNonLazyError: () => {},
      on: { closed: (e) => (code = (e as { code: number }).code) },
    });
    client.subscribe({ query: NOTIFICATION_ADDED }, { next: () => {}, error: () => {}, complete: () => {} });
    await waitFor(() => code, 'the socket to close', 5_000);
    expect(code).toBe(4403);
    await client.dispose();
  });
});

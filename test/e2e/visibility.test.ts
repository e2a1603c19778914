import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { getNamedType, isObjectType, type GraphQLObjectType } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app';
import { push } from '../fakes/push/http';
import { smsapiSms } from '../fakes/push/providers';
import { createSchema } from '../../src/graphql/schema';
import { codes, createAgent, createGateway, createQueue, createRule, ok } from '../support/api';

/*
 * What agents and strangers can see: a mailbox's configuration and staff e-mail addresses are for admins;
 * an unauthenticated webhook answer never names a mailbox or its field mapping; in production, error
 * messages carry no schema hints ("Did you mean …?").
 */

let t: TestApp;
let admin: string;
let agent: { id: string; token: string; email: string };
let other: { id: string; token: string; email: string };
let ticketId: string;
const CONFIG = {
  login: 'mailbox-login-7731',
  apiBaseUrl: 'https://backup.provider.example/api-7731',
  allowedIps: ['203.0.113.77', '127.0.0.1'],
  urlTemplate: 'https://sms.provider.example/send?apikey=KEY-IN-URL-7731&to={{to}}',
  mapping: { from: 'sender_field_7731', to: 'receiver_field_7731', text: 'body_field_7731' },
};
const OUR = '48732600001';
const TOKEN = 'Visibility-Webhook-Token-1';

beforeAll(async () => {
  t = await startTestApp();
  admin = await t.login();
  agent = await createAgent(t, admin, 'Seeing Agent');
  other = await createAgent(t, admin, 'Other Agent');
  const q = await createQueue(t, admin, 'Visible', [agent.id, other.id]);
  const g = await createGateway(t, admin, {
    name: 'Main 7731',
    provider: 'SMSAPI',
    login: CONFIG.login,
    password: 'p',
    apiBaseUrl: CONFIG.apiBaseUrl,
    allowedIps: CONFIG.allowedIps,
    webhookToken: TOKEN,
    destinationNumber: OUR,
    incomingActive: true,
  });
  await createGateway(t, admin, {
    name: 'Generic Secret Box 7731',
    provider: 'GENERIC_HTTP',
    destinationNumber: '48732600002',
    incomingActive: true,
    genericHttp: {
      method: 'GET',
      urlTemplate: CONFIG.urlTemplate,
      inboundFromField: CONFIG.mapping.from,
      inboundToField: CONFIG.mapping.to,
      inboundTextField: CONFIG.mapping.text,
    },
  });
  await createRule(t, admin, { name: 'to Visible', position: 0, gatewayId: g.id, queueId: q, stop: true });
  expect(
    (await smsapiSms(t.url, { to: OUR, from: '48500700001', text: 'hello', msgId: 'VIS-1' }, { token: TOKEN })).body,
  ).toBe('OK');
  ticketId = String((await t.sql(`select ticket_id from message where provider_message_id = 'VIS-1'`))[0].ticket_id);
});
afterAll(() => t?.close());

/** A selection of every field of a type, with `{ __typename }` for object fields. */
const selectionOf = (type: GraphQLObjectType, name: string) => {
  const f = type.getFields()[name];
  return isObjectType(getNamedType(f.type)) ? `${name} { __typename }` : name;
};

describe("a mailbox's configuration", () => {
  const AGENT_FIELDS = [
    'id',
    'name',
    'provider',
    'canSend',
    'replacePolishDiacritics',
    'hasPassword',
    'hasCertificate',
    'hasWebhookToken',
  ];

  it('is for admins: agents read only name, provider, whether it sends and how it counts a text; every other field is FORBIDDEN', async () => {
    const gateway = (await createSchema()).getType('Gateway') as GraphQLObjectType;
    const seen = ok(await t.gql(`{ gateways { ${AGENT_FIELDS.join(' ')} } }`, {}, agent.token)).gateways;
    expect(seen).toContainEqual({
      id: expect.any(String),
      name: 'Main 7731',
      provider: 'SMSAPI',
      canSend: true,
      replacePolishDiacritics: false,
      hasPassword: true,
      hasCertificate: false,
      hasWebhookToken: true,
    });
    const others = Object.keys(gateway.getFields()).filter((f) => !AGENT_FIELDS.includes(f));
    // The configuration the issue names is among them (and so is any field added later).
    expect(others).toEqual(
      expect.arrayContaining([
        'login',
        'apiBaseUrl',
        'allowedIps',
        'genericHttp',
        'lastTest',
        'webhookUrl',
        'host',
        'senderName',
      ]),
    );
    for (const f of others) {
      const q = `{ gateways { name ${selectionOf(gateway, f)} } }`;
      const r = await t.gql(q, {}, agent.token);
      expect(codes(r), f).toContain('FORBIDDEN');
      // A nullable field answers null beside the error; a non-null one takes the whole list with it.
      for (const g of r.data?.gateways ?? []) expect(g[f], f).toBeNull();
      // The admin reads every one of them.
      ok(await t.gql(q, {}, admin));
    }
  });

  it('is FORBIDDEN however an agent reaches the mailbox, and no answer shows it', async () => {
    const q = `query($id: ID!) { ticket(id: $id) { gateway { login apiBaseUrl allowedIps genericHttp { urlTemplate } } messages { gateway { login apiBaseUrl } } } }`;
    const r = await t.gql(q, { id: ticketId }, agent.token);
    expect(codes(r).length).toBeGreaterThan(0);
    expect(new Set(codes(r))).toEqual(new Set(['FORBIDDEN']));
    const text = JSON.stringify(r);
    for (const v of [CONFIG.login, CONFIG.apiBaseUrl, CONFIG.allowedIps[0], 'KEY-IN-URL-7731'])
      expect(text).not.toContain(v);
    const all = JSON.stringify(
      await t.gql(`{ gateways { name genericHttp { urlTemplate inboundFromField } } }`, {}, agent.token),
    );
    for (const v of ['KEY-IN-URL-7731', CONFIG.mapping.from]) expect(all).not.toContain(v);
    expect(JSON.stringify(ok(await t.gql(q, { id: ticketId }, admin)))).toContain(CONFIG.login);
  });
});

describe('staff e-mail addresses', () => {
  it("are for admins: agents see the names of queue members, their own address, and no one else's", async () => {
    const names = ok(await t.gql(`{ queues { name members { id name } } }`, {}, agent.token)).queues.find(
      (q: { name: string }) => q.name === 'Visible',
    );
    expect(names.members.map((m: { name: string }) => m.name).sort()).toEqual(['Other Agent', 'Seeing Agent']);
    const r = await t.gql(`{ queues { name members { email } } }`, {}, agent.token);
    expect(codes(r)).toContain('FORBIDDEN');
    expect(JSON.stringify(r)).not.toContain(other.email);
    expect(ok(await t.gql(`{ me { email } }`, {}, agent.token)).me.email).toBe(agent.email);
    // Logging in answers with your own address too (the request carries no token yet).
    const login = ok(
      await t.gql(`mutation($e: String!) { login(email: $e, password: "agent-pass-1") { user { email } } }`, {
        e: agent.email,
      }),
    );
    expect(login.login.user.email).toBe(agent.email);
    const all = JSON.stringify(ok(await t.gql(`{ queues { members { email } } }`, {}, admin)));
    expect(all).toContain(other.email);
  });
});

describe('unauthenticated webhook answers', () => {
  it('never name a mailbox or its field mapping; the event log keeps the reason for admins', async () => {
    const r = await push(`${t.url}/panel/tickets/incoming/generic_http`, { form: { anything: 'x' } });
    expect(r.status).toBe(400);
    for (const v of ['Generic Secret Box 7731', ...Object.values(CONFIG.mapping)]) expect(r.body).not.toContain(v);
    const ev = ok(await t.gql(`{ inboundEvents(first: 1) { edges { node { outcome reason } } } }`, {}, admin))
      .inboundEvents.edges[0].node;
    expect(ev.outcome).toBe('MALFORMED');
    expect(ev.reason).toContain('Generic Secret Box 7731');
    expect(ev.reason).toContain(CONFIG.mapping.from);
  });
});

describe('schema hints', () => {
  const TYPO = `{ me { emial } }`;
  const ENUM = `query($s: TicketStatus) { tickets(status: $s) { edges { cursor } } }`;

  async function overSocket(app: TestApp, token: string, query: string) {
    const client = createClient({
      url: app.url.replace('http', 'ws') + '/graphql',
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${token}` },
      retryAttempts: 0,
    });
    try {
      return await new Promise<string>((resolve) => {
        client.subscribe(
          { query },
          {
            next: (v) => resolve(JSON.stringify(v)),
            error: (e) => resolve(JSON.stringify(e)),
            complete: () => resolve(''),
          },
        );
      });
    } finally {
      await client.dispose();
    }
  }

  it('are in error messages in development, and hidden from them with NODE_ENV=production (HTTP and graphql-ws)', async () => {
    expect((await t.gql(TYPO, {}, admin)).errors![0].message).toMatch(/Did you mean "email"\?/);
    expect((await t.gql(ENUM, { s: 'OPN' }, admin)).errors![0].message).toMatch(/Did you mean/);
    const prod = await startTestApp({ NODE_ENV: 'production' });
    try {
      const token = await prod.login();
      const typo = await prod.gql(TYPO, {}, token);
      expect(codes(typo)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
      expect(typo.errors![0].message).toBe('Cannot query field "emial" on type "User".');
      const badEnum = await prod.gql(ENUM, { s: 'OPN' }, token);
      expect(codes(badEnum)).toEqual(['BAD_USER_INPUT']);
      expect(badEnum.errors![0].message).not.toMatch(/Did you mean|OPEN/);
      const ws = await overSocket(prod, token, TYPO);
      expect(ws).toContain('Cannot query field');
      expect(ws).not.toMatch(/Did you mean|"email"/);
    } finally {
      await prod.close();
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codes, createAgent, fields, ok, violations, type GqlResult } from '../support/api';
import { rowCount, startTestApp, type TestApp } from '../support/app';

let t: TestApp;
let admin: string;
let agent: string;
let agentId: string;

beforeAll(async () => {
  t = await startTestApp();
  admin = await t.login();
  ({ id: agentId, token: agent } = await createAgent(t, admin, 'Config Agent', 'agent@config.test'));
});
afterAll(() => t?.close());

const count = (table: string) => rowCount(t, table);

/** A mutation that must be refused with BAD_USER_INPUT and leave `table` with as many rows as before. */
async function refused(table: string, query: string, variables: Record<string, unknown>): Promise<GqlResult> {
  const before = await count(table);
  const r = await t.gql(query, variables, admin);
  expect(codes(r), JSON.stringify(r.errors)).toEqual(['BAD_USER_INPUT']);
  expect(await count(table)).toBe(before);
  return r;
}

/** A mailbox row for rules and settings to point at (creating mailboxes is covered by gateways.test.ts). */
async function seedGateway(name: string): Promise<string> {
  const [r] = await t.sql(
    `insert into gateway (name, provider, allowed_ips, prefixes_to_remove, created_at, updated_at)
     values ($1, 'SMSAPI', '{}', '{}', now(), now()) returning id`,
    [name],
  );
  return String(r.id);
}

const CREATE_QUEUE = `mutation($i: QueueInput!) { createQueue(input: $i) { id name members { id email } } }`;

describe('queues', () => {
  it('creates a queue with member agents and lists it', async () => {
    const q = ok(await t.gql(CREATE_QUEUE, { i: { name: 'Support', memberIds: [agentId] } }, admin)).createQueue;
    expect(q).toMatchObject({ name: 'Support', members: [{ id: agentId, email: 'agent@config.test' }] });
    const all = ok(await t.gql(`{ queues { id name members { id } } }`, {}, admin)).queues;
    expect(all).toContainEqual({ id: q.id, name: 'Support', members: [{ id: agentId }] });
    // Agents see the queues (to work their tickets).
    expect(ok(await t.gql(`{ queues { name } }`, {}, agent)).queues.map((x: { name: string }) => x.name)).toContain(
      'Support',
    );
  });

  it('refuses an unknown member by its index and a taken name, writing nothing', async () => {
    const r = await refused('queue', CREATE_QUEUE, { i: { name: 'Ghosts', memberIds: [agentId, '999999', 'abc'] } });
    expect(violations(r).map((v) => [v.field, v.rule])).toEqual([
      ['memberIds[1]', 'exists'],
      ['memberIds[2]', 'exists'],
    ]);
    expect(await count('queue_member')).toBe(1);
    await t.gql(CREATE_QUEUE, { i: { name: 'Billing' } }, admin);
    const dup = await refused('queue', CREATE_QUEUE, { i: { name: ' Billing ' } });
    expect(violations(dup)[0]).toMatchObject({ field: 'name', rule: 'unique' });
    const empty = await refused('queue', CREATE_QUEUE, { i: { name: '  ' } });
    expect(violations(empty)[0]).toMatchObject({ field: 'name', rule: 'required' });
  });

  it('does not let agents create queues', async () => {
    const before = await count('queue');
    expect(codes(await t.gql(CREATE_QUEUE, { i: { name: 'Agent queue' } }, agent))).toEqual(['FORBIDDEN']);
    expect(await count('queue')).toBe(before);
  });
});

const RULE = `id name position active stop gateway { id name } queue { id name }`;
const CREATE_RULE = `mutation($i: MessageRuleInput!) { createMessageRule(input: $i) { ${RULE} } }`;
const UPDATE_RULE = `mutation($id: ID!, $i: MessageRuleInput!) { updateMessageRule(id: $id, input: $i) { ${RULE} } }`;
const DELETE_RULE = `mutation($id: ID!) { deleteMessageRule(id: $id) }`;
const RULES = `{ messageRules { ${RULE} } }`;

describe('message rules', () => {
  let queueId: string;
  let otherQueueId: string;
  let gatewayId: string;
  beforeAll(async () => {
    queueId = ok(await t.gql(CREATE_QUEUE, { i: { name: 'Rules queue' } }, admin)).createQueue.id;
    otherQueueId = ok(await t.gql(CREATE_QUEUE, { i: { name: 'Rules other queue' } }, admin)).createQueue.id;
    gatewayId = await seedGateway('Rules mailbox');
  });

  it('appends a rule at the end when no position is given', async () => {
    const made = [];
    for (const name of ['First', 'Second', 'Third'])
      made.push(ok(await t.gql(CREATE_RULE, { i: { name, queueId } }, admin)).createMessageRule);
    expect(made.map((r) => r.position)).toEqual([0, 1, 2]);
    expect(made[0]).toMatchObject({ active: true, stop: true, gateway: null, queue: { id: queueId } });
    const listed = ok(await t.gql(RULES, {}, admin)).messageRules.map((r: { name: string }) => r.name);
    expect(listed.slice(-3)).toEqual(['First', 'Second', 'Third']);
  });

  it('lists rules in position order, not creation order', async () => {
    await t.sql(`delete from message_rule`);
    for (const [name, position] of [
      ['Late', 20],
      ['Early', 0],
      ['Middle', 10],
    ] as const) {
      ok(await t.gql(CREATE_RULE, { i: { name, position, queueId } }, admin));
    }
    const list = ok(await t.gql(RULES, {}, admin)).messageRules;
    expect(list.map((r: { name: string; position: number }) => [r.name, r.position])).toEqual([
      ['Early', 0],
      ['Middle', 10],
      ['Late', 20],
    ]);
  });

  it('sets and clears the mailbox condition and the stop action', async () => {
    const r = ok(
      await t.gql(
        CREATE_RULE,
        { i: { name: 'From mailbox', position: 30, gatewayId, queueId, stop: false, active: false } },
        admin,
      ),
    ).createMessageRule;
    expect(r).toMatchObject({
      name: 'From mailbox',
      position: 30,
      active: false,
      stop: false,
      gateway: { id: gatewayId, name: 'Rules mailbox' },
      queue: { id: queueId },
    });

    const u = ok(
      await t.gql(
        UPDATE_RULE,
        { id: r.id, i: { name: 'From mailbox', gatewayId: null, stop: true, queueId: otherQueueId } },
        admin,
      ),
    ).updateMessageRule;
    expect(u).toMatchObject({
      name: 'From mailbox',
      position: 30,
      active: false,
      stop: true,
      gateway: null,
      queue: { id: otherQueueId },
    });
    const listed = ok(await t.gql(RULES, {}, admin)).messageRules.find((x: { id: string }) => x.id === r.id);
    expect(listed).toEqual(u);
  });

  it('changes only the fields an update gives', async () => {
    const r = ok(
      await t.gql(CREATE_RULE, { i: { name: 'Partial', position: 40, queueId, gatewayId } }, admin),
    ).createMessageRule;
    const u = ok(await t.gql(UPDATE_RULE, { id: r.id, i: { stop: false } }, admin)).updateMessageRule;
    expect(u).toEqual({ ...r, stop: false });
    const g = ok(await t.gql(UPDATE_RULE, { id: r.id, i: { gatewayId: null } }, admin)).updateMessageRule;
    expect(g).toEqual({ ...r, stop: false, gateway: null });
  });

  it('refuses unknown mailboxes and queues, a negative position and a missing queue, writing nothing', async () => {
    const r = await refused('message_rule', CREATE_RULE, {
      i: { name: 'Bad refs', position: 50, gatewayId: '999999', queueId: '999999' },
    });
    expect(
      violations(r)
        .map((v) => [v.field, v.rule])
        .sort(),
    ).toEqual([
      ['gatewayId', 'exists'],
      ['queueId', 'exists'],
    ]);
    const r2 = await refused('message_rule', CREATE_RULE, { i: { name: 'No queue', position: 51 } });
    expect(violations(r2)[0]).toMatchObject({ field: 'queueId', rule: 'required' });
    const r3 = await refused('message_rule', CREATE_RULE, { i: { name: 'Negative', position: -1, queueId } });
    expect(violations(r3)[0]).toMatchObject({ field: 'position', rule: 'min' });
    const r4 = await refused('message_rule', CREATE_RULE, { i: { name: ' ', position: 52, queueId } });
    expect(violations(r4)[0]).toMatchObject({ field: 'name', rule: 'required' });

    const ok1 = ok(await t.gql(CREATE_RULE, { i: { name: 'Target', position: 53, queueId } }, admin)).createMessageRule;
    const before = (await t.sql(`select * from message_rule where id = $1`, [Number(ok1.id)]))[0];
    const u = await t.gql(UPDATE_RULE, { id: ok1.id, i: { name: 'Target', gatewayId: 'abc' } }, admin);
    expect(codes(u)).toEqual(['BAD_USER_INPUT']);
    expect(violations(u)[0]).toMatchObject({ field: 'gatewayId', rule: 'exists' });
    expect((await t.sql(`select * from message_rule where id = $1`, [Number(ok1.id)]))[0]).toEqual(before);
  });

  it('deletes a rule, and answers NOT_FOUND for unknown rule ids', async () => {
    const r = ok(await t.gql(CREATE_RULE, { i: { name: 'Doomed', position: 60, queueId } }, admin)).createMessageRule;
    expect(ok(await t.gql(DELETE_RULE, { id: r.id }, admin)).deleteMessageRule).toBe(r.id);
    expect(ok(await t.gql(RULES, {}, admin)).messageRules.map((x: { id: string }) => x.id)).not.toContain(r.id);
    for (const id of [r.id, 'abc']) {
      expect(codes(await t.gql(DELETE_RULE, { id }, admin))).toEqual(['NOT_FOUND']);
      expect(codes(await t.gql(UPDATE_RULE, { id, i: { name: 'x', stop: true } }, admin))).toEqual(['NOT_FOUND']);
    }
  });

  it('lets agents read rules but not create, change or delete them', async () => {
    const r = ok(
      await t.gql(CREATE_RULE, { i: { name: 'Agents see me', position: 70, queueId } }, admin),
    ).createMessageRule;
    expect(ok(await t.gql(RULES, {}, agent)).messageRules.map((x: { name: string }) => x.name)).toContain(
      'Agents see me',
    );
    const before = await t.sql(`select * from message_rule order by id`);
    expect(codes(await t.gql(CREATE_RULE, { i: { name: 'By agent', position: 71, queueId } }, agent))).toEqual([
      'FORBIDDEN',
    ]);
    expect(codes(await t.gql(UPDATE_RULE, { id: r.id, i: { name: 'Renamed by agent' } }, agent))).toEqual([
      'FORBIDDEN',
    ]);
    expect(codes(await t.gql(DELETE_RULE, { id: r.id }, agent))).toEqual(['FORBIDDEN']);
    expect(await t.sql(`select * from message_rule order by id`)).toEqual(before);
  });
});

const CUSTOMER = `id name phoneNumbers email`;
const CREATE_CUSTOMER = `mutation($i: CustomerInput!) { createCustomer(input: $i) { ${CUSTOMER} } }`;
const UPDATE_CUSTOMER = `mutation($id: ID!, $i: CustomerInput!) { updateCustomer(id: $id, input: $i) { ${CUSTOMER} } }`;
const SEARCH = `query($s: String, $first: Int!, $after: String) {
  customers(search: $s, first: $first, after: $after) { edges { cursor node { ${CUSTOMER} } } pageInfo { hasNextPage hasPreviousPage endCursor } } }`;
const search = async (s: string, token = admin) =>
  ok(await t.gql(SEARCH, { s, first: 50 }, token)).customers.edges.map((e: { node: { name: string } }) => e.node.name);

describe('customers', () => {
  it('stores phone numbers in E.164 (Polish when no country code is given)', async () => {
    const c = ok(
      await t.gql(
        CREATE_CUSTOMER,
        {
          i: {
            name: 'Jan Kowalski',
            phoneNumbers: ['500 100 200', '0049 30 901820', '+48500100200'],
            email: 'jan.kowalski@example.com',
          },
        },
        admin,
      ),
    ).createCustomer;
    expect(c).toMatchObject({
      name: 'Jan Kowalski',
      phoneNumbers: ['+48500100200', '+4930901820'],
      email: 'jan.kowalski@example.com',
    });
    expect(
      ok(await t.gql(`query($id: ID!) { customer(id: $id) { ${CUSTOMER} } }`, { id: c.id }, admin)).customer,
    ).toEqual(c);
  });

  it('refuses a bad number naming its index and the reason, writing nothing', async () => {
    const r = await refused('customer', CREATE_CUSTOMER, {
      i: { name: 'Bad Number', phoneNumbers: ['500 100 201', '123', 'call me'] },
    });
    const v = violations(r);
    expect(v.map((x) => [x.field, x.rule])).toEqual([
      ['phoneNumbers[1]', 'phoneNumber'],
      ['phoneNumbers[2]', 'phoneNumber'],
    ]);
    expect(v[0].message).toMatch(/^"123" (is|has) .+/);
    expect(v[1].message).toContain('"call me" is not a phone number');
    const r2 = await refused('customer', CREATE_CUSTOMER, { i: { name: 'Bad Mail', email: 'not-an-email' } });
    expect(violations(r2)[0]).toMatchObject({ field: 'email', rule: 'email' });
  });

  it('finds customers by a name fragment or an e-mail', async () => {
    ok(
      await t.gql(
        CREATE_CUSTOMER,
        { i: { name: 'Anna Nowak', phoneNumbers: ['+48 601 234 567'], email: 'anna@nowak.example' } },
        admin,
      ),
    );
    ok(await t.gql(CREATE_CUSTOMER, { i: { name: 'Piotr Wiśniewski', phoneNumbers: ['602 345 678'] } }, admin));
    expect(await search('nowa')).toEqual(['Anna Nowak']);
    expect(await search('WIŚNIEW')).toEqual(['Piotr Wiśniewski']);
    expect(await search('ANNA@nowak')).toEqual(['Anna Nowak']);
    expect(await search('nobody-like-this')).toEqual([]);
    // A LIKE wildcard is a literal character, not "anything".
    expect(await search('%')).toEqual([]);
  });

  it('finds customers by a phone number in any format, or by part of it', async () => {
    ok(await t.gql(CREATE_CUSTOMER, { i: { name: 'Ola Phone', phoneNumbers: ['+48 603 456 789'] } }, admin));
    expect(await search('0048 603-456-789')).toEqual(['Ola Phone']);
    expect(await search('603456789')).toEqual(['Ola Phone']);
    expect(await search('+48603456789')).toEqual(['Ola Phone']);
    expect(await search('456 789')).toEqual(['Ola Phone']);
    expect(await search('999 999 999')).toEqual([]);
  });

  it('pages through customers once each, in name order', async () => {
    const names = ['Page Ewa', 'Page Adam', 'Page Cezary', 'Page Adam', 'Page Beata'];
    const ids = [];
    for (const name of names) ids.push(ok(await t.gql(CREATE_CUSTOMER, { i: { name } }, admin)).createCustomer.id);
    const seen: { id: string; name: string }[] = [];
    const pages: boolean[] = [];
    let after: string | undefined;
    for (let i = 0; i < 5; i++) {
      const c = ok(await t.gql(SEARCH, { s: 'Page ', first: 2, after }, admin)).customers;
      seen.push(...c.edges.map((e: { node: { id: string; name: string } }) => e.node));
      pages.push(c.pageInfo.hasNextPage);
      expect(c.pageInfo.hasPreviousPage).toBe(!!after);
      if (!c.pageInfo.hasNextPage) break;
      after = c.pageInfo.endCursor;
    }
    expect(pages).toEqual([true, true, false]);
    expect(seen.map((c) => c.name)).toEqual([...names].sort());
    expect(seen.map((c) => c.id).sort()).toEqual([...ids].sort());

    const exact = ok(await t.gql(SEARCH, { s: 'Page ', first: 5 }, admin)).customers;
    expect(exact.edges).toHaveLength(5);
    expect(exact.pageInfo.hasNextPage).toBe(false);
  });

  it('refuses a page size out of range and a cursor it did not give out', async () => {
    for (const first of [0, 101]) {
      const r = await t.gql(SEARCH, { s: null, first }, admin);
      expect(codes(r)).toEqual(['BAD_USER_INPUT']);
      expect(fields(r)).toEqual(['first']);
    }
    const r = await t.gql(SEARCH, { s: null, first: 2, after: 'not-a-cursor' }, admin);
    expect(codes(r)).toEqual(['BAD_USER_INPUT']);
    expect(fields(r)).toEqual(['after']);
  });

  it('lets agents create and update customers', async () => {
    const c = ok(
      await t.gql(CREATE_CUSTOMER, { i: { name: 'Agent Made', phoneNumbers: ['510 200 300'] } }, agent),
    ).createCustomer;
    expect(c.phoneNumbers).toEqual(['+48510200300']);
    const u = ok(
      await t.gql(
        UPDATE_CUSTOMER,
        { id: c.id, i: { phoneNumbers: ['510 200 300', '511 200 300'], email: 'made@agent.example' } },
        agent,
      ),
    ).updateCustomer;
    expect(u).toEqual({
      id: c.id,
      name: 'Agent Made',
      phoneNumbers: ['+48510200300', '+48511200300'],
      email: 'made@agent.example',
    });
    expect(
      ok(await t.gql(`query($id: ID!) { customer(id: $id) { ${CUSTOMER} } }`, { id: c.id }, agent)).customer,
    ).toEqual(u);

    const before = (await t.sql(`select * from customer where id = $1`, [Number(c.id)]))[0];
    const bad = await t.gql(UPDATE_CUSTOMER, { id: c.id, i: { name: 'Renamed', phoneNumbers: ['12'] } }, agent);
    expect(fields(bad)).toEqual(['phoneNumbers[0]']);
    expect((await t.sql(`select * from customer where id = $1`, [Number(c.id)]))[0]).toEqual(before);
  });

  it('answers NOT_FOUND for unknown customers', async () => {
    for (const id of ['999999', 'abc']) {
      expect(codes(await t.gql(`query($id: ID!) { customer(id: $id) { id } }`, { id }, admin))).toEqual(['NOT_FOUND']);
      expect(codes(await t.gql(UPDATE_CUSTOMER, { id, i: { name: 'Ghost' } }, admin))).toEqual(['NOT_FOUND']);
    }
  });
});

const SETTINGS = `{ settings { defaultSmsGateway { id name } } }`;
const UPDATE_SETTINGS = `mutation($id: ID) { updateSettings(input: { defaultSmsGatewayId: $id }) { defaultSmsGateway { id name } } }`;

describe('settings', () => {
  it('sets, reads back and clears the default SMS mailbox', async () => {
    const id = await seedGateway('Default mailbox');
    expect(ok(await t.gql(UPDATE_SETTINGS, { id }, admin)).updateSettings.defaultSmsGateway).toEqual({
      id,
      name: 'Default mailbox',
    });
    expect(ok(await t.gql(SETTINGS, {}, admin)).settings.defaultSmsGateway).toEqual({ id, name: 'Default mailbox' });
    // Agents read it (it is the mailbox they send from by default).
    expect(ok(await t.gql(SETTINGS, {}, agent)).settings.defaultSmsGateway).toEqual({ id, name: 'Default mailbox' });

    for (const bad of ['999999', 'abc']) {
      const r = await t.gql(UPDATE_SETTINGS, { id: bad }, admin);
      expect(codes(r)).toEqual(['BAD_USER_INPUT']);
      expect(violations(r)[0]).toMatchObject({ field: 'defaultSmsGatewayId', rule: 'exists' });
    }
    expect(ok(await t.gql(SETTINGS, {}, admin)).settings.defaultSmsGateway).toEqual({ id, name: 'Default mailbox' });

    expect(codes(await t.gql(UPDATE_SETTINGS, { id: null }, agent))).toEqual(['FORBIDDEN']);
    expect(ok(await t.gql(SETTINGS, {}, admin)).settings.defaultSmsGateway).toEqual({ id, name: 'Default mailbox' });

    expect(ok(await t.gql(UPDATE_SETTINGS, { id: null }, admin)).updateSettings.defaultSmsGateway).toBeNull();
    expect(ok(await t.gql(SETTINGS, {}, admin)).settings.defaultSmsGateway).toBeNull();
    expect(await t.sql(`select default_sms_gateway_id from settings`)).toEqual([{ default_sms_gateway_id: null }]);
  });
});

describe('malformed requests', () => {
  const post = (body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
    fetch(`${t.url}/graphql`, { method: 'POST', headers: { ...headers, authorization: `Bearer ${admin}` }, body });
  const noStack = (text: string) => {
    expect(text).not.toMatch(/\n\s*at \S/);
    expect(text).not.toMatch(/\bat [\w.<>]+ \(/);
    expect(text).not.toContain('node_modules');
  };

  it('answers broken JSON with 400 and a readable message, without a stack trace', async () => {
    const res = await post('{not json');
    expect(res.status).toBe(400);
    const text = await res.text();
    noStack(text);
    const body = JSON.parse(text);
    const message = String(body.error ?? body.message ?? body.errors?.[0]?.message);
    expect(message).toMatch(/json/i);
  });

  it('answers a GraphQL syntax error with 400 GRAPHQL_PARSE_FAILED', async () => {
    const res = await post(JSON.stringify({ query: '{ gateways { id ' }));
    expect(res.status).toBe(400);
    const text = await res.text();
    noStack(text);
    const body = JSON.parse(text);
    expect(body.errors.map((e: { extensions: { code: string } }) => e.extensions.code)).toEqual([
      'GRAPHQL_PARSE_FAILED',
    ]);
    expect(body.errors[0].message).toMatch(/Syntax Error/);
    expect(body.errors[0].extensions.stacktrace).toBeUndefined();
  });

  it('answers a request without a query with 400', async () => {
    const res = await post(JSON.stringify({ variables: {} }));
    expect(res.status).toBe(400);
    noStack(await res.text());
  });
});

import { expect } from 'vitest';
import { TEST_WEBHOOK_TOKEN } from '../fakes/push/providers';

/**
 * The GraphQL API as a client uses it: requests over HTTP, the shorthands for reading results, and the
 * objects tests set up the way an admin would (agents, queues, mailboxes, rules, customers). Every helper
 * takes an `Api`: a `TestApp`, or `apiAt(url)` for a service running in its own process.
 */

export const ADMIN = { email: 'admin@test.local', password: 'admin-password-1' };

export interface GqlResult<T = any> {
  status: number;
  data?: T;
  errors?: {
    message: string;
    extensions?: { code?: string; violations?: { field: string; rule: string; message: string }[] };
  }[];
}

/** What the helpers need of a running service. */
export interface Api {
  url: string;
  gql<T = any>(query: string, variables?: Record<string, unknown>, token?: string): Promise<GqlResult<T>>;
  login(email?: string, password?: string): Promise<string>;
}

/** GraphQL over HTTP; never throws on an HTTP status, only on a network error. */
export async function gql<T = any>(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  token?: string,
): Promise<GqlResult<T>> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as GqlResult<T>;
  return { ...body, status: res.status };
}

/** The data of a result that must have succeeded; shows the errors when it did not. */
export function ok<T = any>(r: GqlResult<T>): T {
  expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
  expect(r.data, `no data (HTTP ${r.status})`).toBeTruthy();
  return r.data as T;
}

/** A query that must succeed, against the service at `url`. */
export async function must<T = any>(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  token?: string,
): Promise<T> {
  return ok(await gql<T>(url, query, variables, token));
}

/** A session token of `email` (the admin by default). */
export async function login(url: string, email = ADMIN.email, password = ADMIN.password): Promise<string> {
  return (
    await must(url, `mutation($e:String!,$p:String!){ login(email:$e,password:$p){ token } }`, {
      e: email,
      p: password,
    })
  ).login.token;
}

/** The service at `url` as an `Api`. */
export function apiAt(url: string): Api {
  return {
    url,
    gql: (query, variables, token) => gql(url, query, variables, token),
    login: (email, password) => login(url, email, password),
  };
}

/** The codes of a result's errors, for compact assertions. */
export const codes = (r: GqlResult) => (r.errors ?? []).map((e) => e.extensions?.code);
/** The violations of a BAD_USER_INPUT result, over all its errors. */
export const violations = (r: GqlResult) => (r.errors ?? []).flatMap((e) => e.extensions?.violations ?? []);
/** The violated fields of a BAD_USER_INPUT result. */
export const fields = (r: GqlResult) => violations(r).map((v) => v.field);

export const AGENT_PASSWORD = 'agent-pass-1';
let seq = 0;

/** A new agent, logged in. Without an e-mail address, one is made from the name (unique in the run). */
export async function createAgent(
  t: Api,
  admin: string,
  name = `Agent ${++seq}`,
  email?: string,
): Promise<{ id: string; token: string; email: string }> {
  email ??= `${name.toLowerCase().replace(/[^a-z0-9]+/g, '.')}.${++seq}.${Date.now()}@agents.test`;
  const r = ok(
    await t.gql(
      `mutation($i: CreateUserInput!) { createUser(input: $i) { id } }`,
      { i: { email, name, password: AGENT_PASSWORD, role: 'AGENT' } },
      admin,
    ),
  );
  return { id: r.createUser.id, token: await t.login(email, AGENT_PASSWORD), email };
}

export async function createQueue(t: Api, admin: string, name: string, memberIds: string[] = []): Promise<string> {
  return ok(
    await t.gql(`mutation($i: QueueInput!) { createQueue(input: $i) { id } }`, { i: { name, memberIds } }, admin),
  ).createQueue.id;
}

export async function createGateway(
  t: Api,
  admin: string,
  input: Record<string, unknown>,
): Promise<{ id: string; webhookUrl: string | null }> {
  // The tests' usual webhook token, which the push helpers send, unless the test decides otherwise.
  const i = 'webhookToken' in input || 'webhookAuth' in input ? input : { ...input, webhookToken: TEST_WEBHOOK_TOKEN };
  return ok(await t.gql(`mutation($i: GatewayInput!) { createGateway(input: $i) { id webhookUrl } }`, { i }, admin))
    .createGateway;
}

export async function createRule(
  t: Api,
  admin: string,
  input: {
    name: string;
    position: number;
    gatewayId?: string | null;
    queueId: string;
    stop?: boolean;
    active?: boolean;
  },
): Promise<string> {
  return ok(await t.gql(`mutation($i: MessageRuleInput!) { createMessageRule(input: $i) { id } }`, { i: input }, admin))
    .createMessageRule.id;
}

export async function createCustomer(t: Api, token: string, name: string, phone: string): Promise<string> {
  return ok(
    await t.gql(
      `mutation($i: CustomerInput!) { createCustomer(input: $i) { id } }`,
      { i: { name, phoneNumbers: [phone] } },
      token,
    ),
  ).createCustomer.id;
}

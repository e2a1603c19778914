import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildClientSchema, getIntrospectionQuery, isEnumType, type IntrospectionQuery } from 'graphql';
import { ErrorCode } from '../../src/common/errors';
import { startTestApp, type TestApp } from '../support/app';
import { codes, createAgent, ok, type GqlResult } from '../support/api';
import { wsClient } from '../support/ws';
import { undescribed } from '../support/undescribed';

/*
 * Clients decide on `extensions.code`, so every code the service answers must be one the schema documents
 * (ErrorCode). Each code a client can provoke is provoked here, over HTTP and over graphql-ws, and checked
 * against the enum the running service serves; INTERNAL_SERVER_ERROR (test/unit/error-codes.test.ts) and
 * OPTED_OUT (the opt-out registry's tests) are produced elsewhere; BUSY (eraseCustomer while an SMS to the
 * customer is at its provider past the provider's timeout) is not provoked by a test.
 */
let t: TestApp;
let admin: string;
let served: Set<string>;

beforeAll(async () => {
  t = await startTestApp();
  admin = await t.login();
  const intro = ok<IntrospectionQuery>(await t.gql(getIntrospectionQuery({ descriptions: true }), {}, admin));
  const schema = buildClientSchema(intro);
  const type = schema.getType('ErrorCode');
  if (!isEnumType(type)) throw new Error('the served schema has no enum ErrorCode');
  served = new Set(type.getValues().map((v) => v.name));
});
afterAll(() => t?.close());

/** A raw POST to /graphql, for requests the helpers would not send. */
async function post(body: unknown, token?: string): Promise<GqlResult> {
  const res = await fetch(`${t.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { ...((await res.json()) as GqlResult), status: res.status };
}

/** The errors of one operation over graphql-ws. */
async function overSocket(query: string, variables: Record<string, unknown> = {}): Promise<GqlResult> {
  const client = wsClient(t.url, admin);
  try {
    return await new Promise<GqlResult>((resolve) => {
      const r: GqlResult = { status: 0 };
      client.subscribe(
        { query, variables },
        {
          next: (v) => Object.assign(r, v),
          error: (e) => resolve({ status: 0, errors: Array.isArray(e) ? e : [e as never] }),
          complete: () => resolve(r),
        },
      );
    });
  } finally {
    await client.dispose();
  }
}

/** `customer { tickets { … } }` nested `n` times below `ticket(id)`: 2n + 1 levels. */
const deep = (n: number) => `{ ticket(id: "1") { ${'customer { tickets { '.repeat(n)}id${' } }'.repeat(n)} } }`;
const COSTLY = `{ customers(first: 100) { edges { node { tickets(first: 100) { messages(first: 100) { id } } } } } }`;

describe('error codes', () => {
  it('are all described in the schema the service serves', async () => {
    const intro = ok<IntrospectionQuery>(await t.gql(getIntrospectionQuery({ descriptions: true }), {}, admin));
    expect(undescribed(buildClientSchema(intro))).toEqual([]);
    expect([...served].sort()).toEqual(Object.values(ErrorCode).sort());
  });

  it('that clients can provoke are ErrorCode values, over HTTP and graphql-ws', async () => {
    const agent = await createAgent(t, admin, 'Error Codes');
    const seen = new Map<string, string>();
    const expectCode = (what: string, r: GqlResult, code: ErrorCode) => {
      expect(codes(r), `${what}: ${JSON.stringify(r.errors)}`).toEqual([code]);
      seen.set(code, what);
    };

    expectCode('no token', await t.gql(`{ gateways { id } }`), ErrorCode.UNAUTHENTICATED);
    expectCode(
      'an agent creating a queue',
      await t.gql(`mutation { createQueue(input: { name: "Q" }) { id } }`, {}, agent.token),
      ErrorCode.FORBIDDEN,
    );
    expectCode('an unknown mailbox', await t.gql(`{ gateway(id: "999999") { id } }`, {}, admin), ErrorCode.NOT_FOUND);
    expectCode(
      'an empty name',
      await t.gql(`mutation { createCustomer(input: { name: " " }) { id } }`, {}, admin),
      ErrorCode.BAD_USER_INPUT,
    );
    expectCode('a deep query', await t.gql(deep(7), {}, admin), ErrorCode.QUERY_TOO_DEEP);
    expectCode('a costly query', await t.gql(COSTLY, {}, admin), ErrorCode.QUERY_TOO_COMPLEX);
    expectCode('broken query text', await t.gql(`{ me {`, {}, admin), ErrorCode.GRAPHQL_PARSE_FAILED);
    expectCode('an unknown field', await t.gql(`{ nope }`, {}, admin), ErrorCode.GRAPHQL_VALIDATION_FAILED);
    expectCode(
      'two operations without a name',
      await t.gql(`query A { me { id } } query B { me { id } }`, {}, admin),
      ErrorCode.OPERATION_RESOLUTION_FAILURE,
    );
    expectCode('no query', await post({ variables: {} }, admin), ErrorCode.BAD_REQUEST);
    expectCode(
      'an unknown persisted query',
      await post({ extensions: { persistedQuery: { version: 1, sha256Hash: 'ab'.repeat(32) } } }, admin),
      ErrorCode.PERSISTED_QUERY_NOT_FOUND,
    );
    const login = (password: string) =>
      t.gql(`mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }`, {
        e: agent.email,
        p: password,
      });
    for (let i = 0; i < 5; i++) await login(`wrong-${i}`);
    expectCode('a sixth login attempt', await login('wrong-5'), ErrorCode.RATE_LIMITED);

    // The same mapping over a socket.
    expectCode(
      'ws: an unknown ticket',
      await overSocket(`subscription { messageStatusChanged(ticketId: "999999") { id } }`),
      ErrorCode.NOT_FOUND,
    );
    expectCode('ws: a deep query', await overSocket(deep(7)), ErrorCode.QUERY_TOO_DEEP);
    expectCode('ws: an unknown field', await overSocket(`{ nope }`), ErrorCode.GRAPHQL_VALIDATION_FAILED);
    expectCode('ws: broken query text', await overSocket(`{ me {`), ErrorCode.GRAPHQL_PARSE_FAILED);
    expectCode(
      'ws: a bad variable',
      await overSocket(`query($n: Int!) { customers(first: $n) { edges { cursor } } }`, { n: 'x' }),
      ErrorCode.BAD_USER_INPUT,
    );

    for (const code of seen.keys()) expect(served, code).toContain(code);
    const elsewhere: string[] = [ErrorCode.INTERNAL_SERVER_ERROR, ErrorCode.OPTED_OUT, ErrorCode.BUSY];
    expect([...seen.keys(), ...elsewhere].sort()).toEqual(Object.values(ErrorCode).sort());
  });
});

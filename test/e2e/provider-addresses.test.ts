import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pem } from '../fakes/base';
import { codes, createGateway as createMailbox, type GqlResult } from '../support/api';
import { startTestApp, type TestApp } from '../support/app';
import { FAST_OUTBOUND_ENV, SEND, settled } from '../support/outbound';

/*
 * Admin-set URLs as a way into this server's own network (server-side request forgery): a mailbox whose API
 * base URL, MultiInfo host or generic URL template names an internal service must not make the server call
 * it, nor show its answer to agents, and pointing a mailbox elsewhere must not carry its stored secret along.
 * The app here runs without ALLOW_PRIVATE_PROVIDER_URLS, as in production; its "internal service" is a real
 * https server on 127.0.0.1 (with a certificate the app trusts, so only the address rule stands between).
 */

/** What an internal service would hand out: credentials of the machine. */
const INTERNAL_SECRET = 'AKIA-internal-metadata-Secret-7f3a9c';

/** An https service on 127.0.0.1 that records every request and answers with its secret (a metadata service). */
class InternalService {
  readonly requests: { path: string; headers: Record<string, unknown> }[] = [];
  /** Status and body of the answer; a large HTML page by default. */
  answer = { status: 200, type: 'text/html', body: `<html>${INTERNAL_SECRET} ${'x'.repeat(10_000)}</html>` };
  private server = https.createServer({ key: pem('server-key.pem'), cert: pem('server.pem') }, (req, res) => {
    this.requests.push({ path: req.url ?? '', headers: req.headers });
    req.resume();
    res.writeHead(this.answer.status, {
      'content-type': this.answer.type,
      ...(this.answer.status === 302 ? { location: this.redirectTo } : {}),
    });
    res.end(this.answer.body);
  });
  redirectTo = '';

  async start(): Promise<this> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()));
    return this;
  }
  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }
  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}

const CREATE = `mutation($i: GatewayInput!) { createGateway(input: $i) { id } }`;
const UPDATE = `mutation($id: ID!, $i: GatewayUpdateInput!) { updateGateway(id: $id, input: $i) { id apiBaseUrl host } }`;
const TEST = `mutation($id: ID!, $to: String) { testGateway(id: $id, sendTestSmsTo: $to) { ok checks { name ok detail } } }`;

const violations = (r: GqlResult) => (r.errors ?? []).flatMap((e) => e.extensions?.violations ?? []);

let prod: TestApp;
let admin: string;
const internal = new InternalService();

beforeAll(async () => {
  await internal.start();
  // The fakes' CA is trusted, so a call that the address rule let through would succeed.
  prod = await startTestApp({ ...FAST_OUTBOUND_ENV, ALLOW_PRIVATE_PROVIDER_URLS: 'false' });
  admin = await prod.login();
});
afterAll(async () => {
  await prod?.close();
  await internal.stop();
});

/** A create that must be refused naming `field` with `rule`, leaving no row. */
async function refused(input: Record<string, unknown>, field: string, rule: string): Promise<void> {
  const before = (await prod.sql(`select count(*)::int as n from gateway`))[0].n;
  const r = await prod.gql(CREATE, { i: input }, admin);
  expect(codes(r), JSON.stringify(input)).toEqual(['BAD_USER_INPUT']);
  expect(violations(r), JSON.stringify(input)).toContainEqual(expect.objectContaining({ field, rule }));
  expect((await prod.sql(`select count(*)::int as n from gateway`))[0].n).toBe(before);
}

const MULTIINFO = {
  provider: 'MULTIINFO',
  login: 'mi-user',
  password: 'mi-Pass-1',
  serviceId: 24138,
  certificatePem: pem('client-bundle.pem'),
  incomingActive: false,
};
const GENERIC = (urlTemplate: string) => ({
  provider: 'GENERIC_HTTP',
  incomingActive: false,
  genericHttp: {
    method: 'POST',
    urlTemplate,
    headers: [{ name: 'X-Api-Key', value: 'hdr-Secret-1' }],
    bodyTemplate: '{"to":"{to}"}',
    contentType: 'application/json',
  },
});

describe('saving a mailbox URL', () => {
  let n = 0;
  const name = () => `addr ${++n}`;

  it('refuses plain http and literal loopback, private and link-local addresses, naming the field', async () => {
    await refused(
      { name: name(), provider: 'SMSAPI', password: 't0ken-xyz', apiBaseUrl: 'http://api.smsapi.pl' },
      'apiBaseUrl',
      'https',
    );
    for (const url of [
      'https://127.0.0.1:8443',
      'https://169.254.169.254',
      'https://10.0.0.5/api',
      'https://192.168.1.20',
      'https://[::1]:8443',
      'https://0.0.0.0',
      'https://[::ffff:127.0.0.1]',
      'https://[fe80::1]',
    ]) {
      await refused(
        { name: name(), provider: 'SMSAPI', password: 't0ken-xyz', apiBaseUrl: url },
        'apiBaseUrl',
        'publicAddress',
      );
    }
    for (const host of ['127.0.0.1', '169.254.169.254:443', '172.16.0.9']) {
      await refused({ name: name(), ...MULTIINFO, host }, 'host', 'publicAddress');
    }
    await refused(
      { name: name(), ...GENERIC('http://sms.example.net/send?to={to}') },
      'genericHttp.urlTemplate',
      'https',
    );
    await refused(
      { name: name(), ...GENERIC('https://10.1.2.3/send?to={to}') },
      'genericHttp.urlTemplate',
      'publicAddress',
    );
    // A message must not choose the host the mailbox's secrets go to.
    for (const url of [
      'https://{text}/send',
      'https://{to}.sms.example.net/send',
      'https://user:{password}@sms.example.net/',
    ]) {
      await refused({ name: name(), ...GENERIC(url) }, 'genericHttp.urlTemplate', 'placeholderInHost');
    }
  });

  it('accepts https URLs of public hosts', async () => {
    await createGateway(prod, admin, {
      name: name(),
      provider: 'SMSAPI',
      password: 't0ken-xyz',
      apiBaseUrl: 'https://api2.smsapi.pl',
    });
    await createGateway(prod, admin, { name: name(), ...MULTIINFO, host: 'api1.multiinfo.plus.pl' });
    await createGateway(prod, admin, { name: name(), ...GENERIC('https://sms.example.net/send?to={to}') });
  });
});

describe('calling a provider whose name resolves to this machine', () => {
  it('testGateway calls nothing and keeps no answer in lastTest', async () => {
    const before = internal.requests.length;
    // "localhost" passes the save-time check (a name); it resolves to 127.0.0.1 at call time.
    const id = await createGateway(prod, admin, {
      name: 'internal via name',
      provider: 'SMSAPI',
      password: 'oauth-Token-1',
      apiBaseUrl: `https://localhost:${internal.port}`,
    });
    const r = await prod.gql(TEST, { id, to: '+48500100200' }, admin);
    expect(r.errors).toBeUndefined();
    expect(r.data.testGateway.ok).toBe(false);
    for (const c of r.data.testGateway.checks.filter((x: { ok: boolean }) => !x.ok)) {
      expect(c.detail).toMatch(/was not called: the name localhost resolves to a loopback address/);
    }
    expect(internal.requests.length).toBe(before);
    const g = await prod.gql(
      `query($id: ID!) { gateway(id: $id) { lastTest { ok checks { detail } } } }`,
      { id },
      admin,
    );
    expect(JSON.stringify(g.data.gateway.lastTest)).not.toContain(INTERNAL_SECRET);
  });

  it('a send through it fails at once, naming the reason, and reaches nothing', async () => {
    const before = internal.requests.length;
    const gatewayId = await createGateway(prod, admin, {
      name: 'internal send',
      provider: 'SMSAPI',
      password: 'oauth-Token-2',
      apiBaseUrl: `https://localhost:${internal.port}`,
    });
    const r = await prod.gql(SEND, { i: { to: '+48500100201', text: 'hello', gatewayId } }, admin);
    expect(r.errors).toBeUndefined();
    const m = await settled(prod, admin, r.data.sendSms, 'FAILED');
    expect(m).toMatchObject({ errorCode: 'NON_PUBLIC_ADDRESS' });
    expect(m.errorMessage).toMatch(/resolves to a loopback address/);
    expect(internal.requests.length).toBe(before);
  });
});

describe('pointing a mailbox elsewhere', () => {
  it('needs the password again when the API base URL changes, and changes nothing without it', async () => {
    const id = await createGateway(prod, admin, {
      name: 'move smsapi',
      provider: 'SMSAPI',
      password: 'oauth-Token-3',
      apiBaseUrl: 'https://api.smsapi.pl',
    });
    const before = (await prod.sql(`select * from gateway where id = $1`, [Number(id)]))[0];
    const r = await prod.gql(UPDATE, { id, i: { apiBaseUrl: 'https://collector.example.org' } }, admin);
    expect(codes(r)).toEqual(['BAD_USER_INPUT']);
    expect(violations(r)).toEqual([
      expect.objectContaining({
        field: 'password',
        rule: 'reenterOnNewAddress',
        message: expect.stringMatching(/enter it again/),
      }),
    ]);
    expect((await prod.sql(`select * from gateway where id = $1`, [Number(id)]))[0]).toEqual(before);
    // A path on the same host is the same address; other fields need nothing.
    expect(
      (await prod.gql(UPDATE, { id, i: { apiBaseUrl: 'https://api.smsapi.pl/v2', name: 'move smsapi 2' } }, admin))
        .errors,
    ).toBeUndefined();
    expect(
      (
        await prod.gql(
          UPDATE,
          { id, i: { apiBaseUrl: 'https://collector.example.org', password: 'oauth-Token-3b' } },
          admin,
        )
      ).data.updateGateway.apiBaseUrl,
    ).toBe('https://collector.example.org');
  });

  it('needs the password again when the MultiInfo host changes', async () => {
    const id = await createGateway(prod, admin, {
      name: 'move multiinfo',
      ...MULTIINFO,
      host: 'api1.multiinfo.plus.pl',
    });
    const r = await prod.gql(UPDATE, { id, i: { host: 'api2.multiinfo.plus.pl' } }, admin);
    expect(violations(r)).toEqual([expect.objectContaining({ field: 'password', rule: 'reenterOnNewAddress' })]);
    expect(
      (await prod.gql(UPDATE, { id, i: { host: 'api2.multiinfo.plus.pl', password: 'mi-Pass-2' } }, admin)).data
        .updateGateway.host,
    ).toBe('api2.multiinfo.plus.pl');
  });

  it('needs the header values again when the generic URL template moves to another host', async () => {
    const id = await createGateway(prod, admin, {
      name: 'move generic',
      ...GENERIC('https://sms.example.net/send?to={to}'),
    });
    const moved = { ...GENERIC('https://collector.example.org/send?to={to}').genericHttp, headers: undefined };
    const r = await prod.gql(UPDATE, { id, i: { genericHttp: moved } }, admin);
    expect(violations(r)).toEqual([
      expect.objectContaining({ field: 'genericHttp.headers', rule: 'reenterOnNewAddress' }),
    ]);
    expect(
      (
        await prod.gql(
          UPDATE,
          { id, i: { genericHttp: { ...moved, headers: [{ name: 'X-Api-Key', value: 'hdr-Secret-2' }] } } },
          admin,
        )
      ).errors,
    ).toBeUndefined();
    // A host made of the login: a new login is a new address.
    const byLogin = await createGateway(prod, admin, {
      name: 'move by login',
      login: 'acme',
      ...GENERIC('https://{login}.example.net/send'),
    });
    expect(violations(await prod.gql(UPDATE, { id: byLogin, i: { login: 'collector' } }, admin))).toEqual([
      expect.objectContaining({ field: 'genericHttp.headers', rule: 'reenterOnNewAddress' }),
    ]);
  });
});

describe("a provider's answer", () => {
  // Development settings: the address rule is off, so the answer of a (local) server is read.
  let dev: TestApp;
  let devAdmin: string;
  beforeAll(async () => {
    dev = await startTestApp(FAST_OUTBOUND_ENV);
    devAdmin = await dev.login();
  });
  afterAll(() => dev?.close());

  it('is never quoted to agents: lastTest and message errors say status, size and type only', async () => {
    internal.answer = { status: 500, type: 'text/html', body: `<html>${INTERNAL_SECRET} ${'x'.repeat(10_000)}</html>` };
    const smsapi = await createGateway(dev, devAdmin, {
      name: 'answer smsapi',
      provider: 'SMSAPI',
      password: 'oauth-Token-4',
      apiBaseUrl: `https://127.0.0.1:${internal.port}`,
    });
    const generic = await createGateway(dev, devAdmin, {
      name: 'answer generic',
      ...GENERIC(`https://127.0.0.1:${internal.port}/send`),
    });
    for (const status of [500, 400]) {
      internal.answer.status = status;
      for (const id of [smsapi, generic]) {
        const r = await dev.gql(TEST, { id, to: '+48500100202' }, devAdmin);
        expect(r.errors).toBeUndefined();
        const text = JSON.stringify(r.data.testGateway);
        expect(text).not.toContain(INTERNAL_SECRET);
        for (const c of r.data.testGateway.checks) expect(c.detail.length).toBeLessThanOrEqual(300);
      }
    }
    internal.answer.status = 400;
    const r = await dev.gql(SEND, { i: { to: '+48500100203', text: 'hello', gatewayId: generic } }, devAdmin);
    const m = await settled(dev, devAdmin, r.data.sendSms, 'FAILED');
    expect(m.errorMessage).toMatch(/HTTP 400, \d+ bytes of text\/html/);
    expect(m.errorMessage).not.toContain(INTERNAL_SECRET);
  });

  it('is taken as it is: a redirect is never followed', async () => {
    const target = await new InternalService().start();
    try {
      internal.answer = { status: 302, type: 'text/plain', body: '' };
      internal.redirectTo = `https://127.0.0.1:${target.port}/steal`;
      const id = await createGateway(dev, devAdmin, {
        name: 'answer redirect',
        provider: 'SMSAPI',
        password: 'oauth-Token-5',
        apiBaseUrl: `https://127.0.0.1:${internal.port}`,
      });
      const r = await dev.gql(TEST, { id, to: '+48500100204' }, devAdmin);
      expect(r.data.testGateway.ok).toBe(false);
      expect(target.requests).toHaveLength(0);
    } finally {
      await target.stop();
    }
  });
});

/** A mailbox made through the API; its id. */
async function createGateway(t: TestApp, admin: string, input: Record<string, unknown>): Promise<string> {
  return (await createMailbox(t, admin, input)).id;
}

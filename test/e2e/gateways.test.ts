import crypto, { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretBox } from '../../src/common/secret-box';
import { pem } from '../fakes/base';
import { codes, createAgent, fields, ok, violations, type GqlResult } from '../support/api';
import { rowCount, startTestApp, type TestApp } from '../support/app';
import { gatewaySecretAt } from '../../src/modules/gateways/gateway-secrets';
import { sealV1 } from '../support/sealing';
import { PROVIDER_IDS_IN_ORDER } from '../support/providers';

const CLIENT_CERT = pem('client.pem');
const CLIENT_KEY = pem('client-key.pem');
const CLIENT_BUNDLE = pem('client-bundle.pem');
const CLIENT_NOT_AFTER = new Date(new X509Certificate(CLIENT_CERT).validTo).toISOString();

const PUBLIC_URL = 'https://smsdesk.example.com';
/** Providers with no URL to paste: JustSend and MultiInfo are polled, Mobitex is not known to push. */
const NO_PUSH = ['JUSTSEND', 'MULTIINFO', 'MOBITEX'];

const G = `id name provider allowedIps destinationNumber prefixesToRemove incomingActive login passwordForm senderName
  serviceId host certificateExpiresAt apiBaseUrl replacePolishDiacritics hasPassword hasCertificate hasWebhookToken webhookAuth webhookUrl
  genericHttp { method urlTemplate headerNames bodyTemplate contentType inboundFromField inboundToField inboundTextField }`;
const CREATE = `mutation($i: GatewayInput!) { createGateway(input: $i) { ${G} } }`;
const UPDATE = `mutation($id: ID!, $i: GatewayUpdateInput!) { updateGateway(id: $id, input: $i) { ${G} } }`;
const DELETE = `mutation($id: ID!) { deleteGateway(id: $id) }`;
const GET = `query($id: ID!) { gateway(id: $id) { ${G} } }`;
const LIST = `{ gateways { ${G} } }`;

let t: TestApp;
let admin: string;
let box: SecretBox;
let catalog: {
  id: string;
  displayName: string;
  webhookPath: string | null;
  defaultPrefixesToRemove: string[];
  fields: { name: string; required: boolean }[];
}[];

beforeAll(async () => {
  t = await startTestApp({ PUBLIC_URL });
  admin = await t.login();
  box = new SecretBox(t.key);
  const r = await t.gql(
    `{ providers { id displayName webhookPath defaultPrefixesToRemove fields { name required } } }`,
    {},
    admin,
  );
  catalog = r.data.providers;
});
afterAll(() => t?.close());

const violation = (r: GqlResult, field: string) => violations(r).find((v) => v.field === field);
const gatewayCount = () => rowCount(t, 'gateway');
const row = async (id: string | number) => (await t.sql(`select * from gateway where id = $1`, [Number(id)]))[0];
const entry = (id: string) => catalog.find((p) => p.id === id)!;
/** Where each sealed column of a mailbox is bound, by the mailbox's GraphQL id. */
const AT = {
  password_secret: (id: string) => gatewaySecretAt.password(Number(id)),
  certificate_secret: (id: string) => gatewaySecretAt.certificate(Number(id)),
  webhook_token_secret: (id: string) => gatewaySecretAt.webhookToken(Number(id)),
};

/** A create that must be refused with BAD_USER_INPUT and leave the gateway table as it was. */
async function refusedCreate(input: Record<string, unknown>): Promise<GqlResult> {
  const before = await gatewayCount();
  const r = await t.gql(CREATE, { i: input }, admin);
  expect(codes(r)).toEqual(['BAD_USER_INPUT']);
  expect(r.data).toBeNull();
  expect(await gatewayCount()).toBe(before);
  return r;
}

/** An update that must be refused with BAD_USER_INPUT and leave the row exactly as it was. */
async function refusedUpdate(id: string, input: Record<string, unknown>): Promise<GqlResult> {
  const before = await row(id);
  const r = await t.gql(UPDATE, { id, i: input }, admin);
  expect(codes(r)).toEqual(['BAD_USER_INPUT']);
  expect(await row(id)).toEqual(before);
  return r;
}

/**
 * Inserts a mailbox row directly (secrets sealed with the app's key in the `v1` format of data written before
 * secrets were bound to their row), for tests of reading, deleting and permissions that must not depend on
 * createGateway.
 */
async function seedGateway(
  name: string,
  provider = 'SMSAPI',
  o: {
    destinationNumber?: string;
    incomingActive?: boolean;
    password?: string;
    passwordForm?: string;
    certificatePem?: string;
    webhookToken?: string;
  } = {},
): Promise<string> {
  const seal = (v?: string) => (v === undefined ? null : sealV1(t.key, v));
  const [r] = await t.sql(
    `insert into gateway (name, provider, allowed_ips, prefixes_to_remove, destination_number, incoming_active,
       password_secret, password_form, certificate_secret, webhook_token_secret, created_at, updated_at)
     values ($1, $2, '{}', '{}', $3, $4, $5, $6, $7, $8, now(), now()) returning id`,
    [
      name,
      provider,
      o.destinationNumber ?? null,
      o.incomingActive ?? false,
      seal(o.password),
      o.password ? (o.passwordForm ?? 'PLAIN') : null,
      seal(o.certificatePem),
      seal(o.webhookToken),
    ],
  );
  return String(r.id);
}

const GENERIC = (secret: string) => ({
  method: 'POST',
  urlTemplate: 'https://sms.example.net/api/send',
  headers: [{ name: 'Authorization', value: secret }],
  bodyTemplate: '{"to":"{to}","text":"{text}"}',
  contentType: 'application/json',
});

/** A Polish mobile number no other mailbox of this file uses, written as an admin would ("500 100 201"). */
let seq = 0;
function nextNumber(): string {
  const d = String(500100200 + ++seq);
  return `${d.slice(0, 3)} ${d.slice(3, 6)} ${d.slice(6)}`;
}
const e164 = (pl: unknown) => `+48${String(pl).replace(/\D/g, '')}`;

/** A complete, valid mailbox of `provider`, built from the catalog's required fields like the admin form does. */
function validInput(provider: string, name: string): Record<string, unknown> {
  const input: Record<string, unknown> = { name, provider };
  for (const f of entry(provider).fields.filter((x) => x.required)) {
    switch (f.name) {
      case 'login':
        input.login = 'smsdesk-test';
        break;
      case 'password':
        input.password = `pw-${provider.toLowerCase()}-Secret!`;
        break;
      case 'senderName':
        input.senderName = 'Helpdesk';
        break;
      case 'serviceId':
        input.serviceId = 24138;
        break;
      case 'host':
        input.host = 'api1.multiinfo.plus.pl';
        break;
      case 'certificatePem':
        input.certificatePem = CLIENT_BUNDLE;
        break;
      case 'destinationNumber':
        input.destinationNumber = nextNumber();
        input.incomingActive = true;
        break;
      case 'genericHttp':
        input.genericHttp = GENERIC(`Bearer hdr-${provider.toLowerCase()}-Secret`);
        break;
      default:
        throw new Error(`no sample value for required field ${f.name}`);
    }
  }
  if (provider === 'GENERIC_HTTP') input.genericHttp = GENERIC('Bearer hdr-generic_http-Secret');
  if (entry(provider).webhookPath) input.webhookToken = `hook-${provider.toLowerCase()}-Token`;
  return input;
}

async function createOk(input: Record<string, unknown>) {
  return ok(await t.gql(CREATE, { i: input }, admin)).createGateway;
}

describe('providers', () => {
  it('lists the eleven providers in contract order with their display names', async () => {
    expect(catalog.map((p) => p.id)).toEqual(PROVIDER_IDS_IN_ORDER);
    const names = Object.fromEntries(catalog.map((p) => [p.id, p.displayName]));
    expect(names).toMatchObject({ SMSAPI: 'SMSAPI.pl', MULTIINFO: 'Plus MultiInfo', THREE_S: '3S (platformy2.3s.pl)' });
    expect(entry('MULTIINFO').webhookPath).toBeNull();
    expect(entry('SMSAPI').webhookPath).toBe('/panel/tickets/incoming/smsapi');
    const mi = entry('MULTIINFO')
      .fields.filter((f) => f.required)
      .map((f) => f.name);
    expect(mi).toEqual(expect.arrayContaining(['serviceId', 'host', 'certificatePem']));
  });

  it('is readable by agents too', async () => {
    const agent = await agentToken();
    const r = await t.gql(`{ providers { id } gateways { id name } }`, {}, agent);
    expect(ok(r).providers).toHaveLength(11);
  });
});

describe('configuring one mailbox of every provider', () => {
  for (const provider of PROVIDER_IDS_IN_ORDER) {
    it(`creates and reads back a ${provider} mailbox without its secrets`, async () => {
      const input = validInput(provider, `Every ${provider}`);
      const created = await createOk(input);
      const e = entry(provider);

      const expected: Record<string, unknown> = {
        name: `Every ${provider}`,
        provider,
        allowedIps: [],
        destinationNumber: input.destinationNumber ? e164(input.destinationNumber) : null,
        incomingActive: !!input.incomingActive,
        prefixesToRemove: e.defaultPrefixesToRemove,
        login: input.login ?? null,
        senderName: input.senderName ?? null,
        serviceId: input.serviceId ?? null,
        host: input.host ?? null,
        hasPassword: input.password !== undefined,
        // SMSAPI's form asks for no login, so the password is taken as an OAuth token.
        passwordForm: input.password === undefined ? null : provider === 'SMSAPI' ? 'OAUTH_TOKEN' : 'PLAIN',
        hasCertificate: input.certificatePem !== undefined,
        certificateExpiresAt: input.certificatePem ? CLIENT_NOT_AFTER : null,
        // Every mailbox has a webhook token: the admin's, or one made for it.
        hasWebhookToken: true,
        webhookAuth: 'TOKEN',
        // SerwerSMS gets the forwarding template with our own number fixed in it; every URL carries the token.
        // A provider that does not push (polled, or sending only) has no URL to paste.
        webhookUrl:
          !e.webhookPath || NO_PUSH.includes(provider)
            ? null
            : provider === 'SERWERSMS'
              ? expect.stringMatching(
                  new RegExp(
                    `^${PUBLIC_URL}${e.webhookPath}\\?.*=${created.destinationNumber?.replace('+', '') ?? 'YOUR_NUMBER'}&token=[A-Za-z0-9_-]{8,}&`,
                  ),
                )
              : expect.stringMatching(new RegExp(`^${PUBLIC_URL}${e.webhookPath}\\?token=[A-Za-z0-9_-]{8,}$`)),
        apiBaseUrl: null,
      };
      expect(created).toMatchObject(expected);
      if (input.genericHttp) {
        expect(created.genericHttp).toMatchObject({
          method: 'POST',
          urlTemplate: 'https://sms.example.net/api/send',
          headerNames: ['Authorization'],
          contentType: 'application/json',
        });
      } else {
        expect(created.genericHttp).toBeNull();
      }

      // Read back as the admin UI does: the detail and the list show the same mailbox.
      const one = ok(await t.gql(GET, { id: created.id }, admin)).gateway;
      expect(one).toEqual(created);
      const list = ok(await t.gql(LIST, {}, admin)).gateways;
      expect(list.find((g: { id: string }) => g.id === created.id)).toEqual(created);

      // No answer carries a secret; the webhook token only inside the webhook URL the admin pastes.
      const withoutUrls = (g: any) => ({ ...g, webhookUrl: undefined });
      const text = JSON.stringify(
        [created, one, list.map(withoutUrls)].map((x) => (Array.isArray(x) ? x : withoutUrls(x))),
      );
      if (input.webhookToken && created.webhookUrl) expect(created.webhookUrl).toContain(`token=${input.webhookToken}`);
      for (const secret of [
        input.password,
        input.webhookToken,
        (input.genericHttp as any)?.headers[0].value,
        CLIENT_KEY.split('\n')[1],
      ]) {
        if (secret) expect(text).not.toContain(secret);
      }
    });
  }

  it('fills in default prefixes per provider, and keeps prefixes given by the admin (longest first)', async () => {
    const smsapi = await createOk({ ...validInput('SMSAPI', 'Prefix default'), destinationNumber: '600 100 200' });
    expect(smsapi.prefixesToRemove).toEqual(['48']);
    const dotpay = await createOk({
      ...validInput('DOTPAY', 'Prefix default dotpay'),
      destinationNumber: '600 100 201',
    });
    expect(dotpay.prefixesToRemove).toEqual([]);
    const tide = await createOk({ ...validInput('TIDE', 'Prefix default tide'), destinationNumber: '600 100 202' });
    expect(tide.prefixesToRemove).toEqual(['0048', '+48', '48']);
    const given = await createOk({
      ...validInput('SMSAPI', 'Prefix given'),
      destinationNumber: '600 100 203',
      prefixesToRemove: ['48', ' +48 ', '0048'],
    });
    expect(given.prefixesToRemove).toEqual(['0048', '+48', '48']);
    const none = await createOk({
      ...validInput('SMSAPI', 'Prefix none'),
      destinationNumber: '600 100 204',
      prefixesToRemove: [],
    });
    expect(none.prefixesToRemove).toEqual([]);
  });

  it('shows a MultiInfo mailbox its certificate expiry and no webhook', async () => {
    const g = await createOk({
      ...validInput('MULTIINFO', 'MultiInfo detail'),
      destinationNumber: '600 200 300',
      senderName: 'Firma',
    });
    expect(g).toMatchObject({
      serviceId: 24138,
      host: 'api1.multiinfo.plus.pl',
      hasCertificate: true,
      webhookUrl: null,
      senderName: 'Firma',
    });
    expect(g.certificateExpiresAt).toBe(CLIENT_NOT_AFTER);
    expect(new Date(g.certificateExpiresAt).getUTCFullYear()).toBeGreaterThan(new Date().getUTCFullYear() + 90);
  });

  it('shows the expiry of an expired certificate, or refuses it on certificatePem', async () => {
    const r = await t.gql(
      CREATE,
      {
        i: {
          ...validInput('MULTIINFO', 'MultiInfo expired'),
          destinationNumber: '600 200 301',
          certificatePem: pem('expired-bundle.pem'),
        },
      },
      admin,
    );
    if (r.errors) expect(fields(r)).toContain('certificatePem');
    else expect(r.data.createGateway.certificateExpiresAt).toBe('2021-01-01T00:00:00.000Z');
  });
});

describe('secrets are write-only', () => {
  it('reports stored secrets as present wherever a mailbox is read', async () => {
    const id = await seedGateway('Stored secrets', 'MULTIINFO', {
      password: 'seeded-Pass-1',
      certificatePem: CLIENT_BUNDLE,
      webhookToken: 'seeded-Token-1',
    });
    const bare = await seedGateway('No secrets', 'MULTIINFO');
    const flags = 'id hasPassword hasCertificate hasWebhookToken';
    const yes = { id, hasPassword: true, hasCertificate: true, hasWebhookToken: true };
    const no = { id: bare, hasPassword: false, hasCertificate: false, hasWebhookToken: false };
    expect(ok(await t.gql(`query($id: ID!) { gateway(id: $id) { ${flags} } }`, { id }, admin)).gateway).toEqual(yes);
    expect(ok(await t.gql(`query($id: ID!) { gateway(id: $id) { ${flags} } }`, { id: bare }, admin)).gateway).toEqual(
      no,
    );
    const list = ok(await t.gql(`{ gateways { ${flags} } }`, {}, admin)).gateways;
    expect(list).toContainEqual(yes);
    expect(list).toContainEqual(no);
  });

  it('has no password, certificate or webhook token field on Gateway', async () => {
    for (const secret of [
      'password',
      'certificatePem',
      'webhookToken',
      'passwordSecret',
      'certificateSecret',
      'webhookTokenSecret',
    ]) {
      const r = await t.gql(`{ gateways { id ${secret} } }`, {}, admin);
      expect(r.status).toBe(400);
      expect(codes(r)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
      expect(r.errors![0].message).toContain(`"${secret}"`);
    }
    const r = await t.gql(`{ gateways { id genericHttp { headers { value } } } }`, {}, admin);
    expect(codes(r)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
  });

  it('stores every secret sealed ("v2." AES-GCM, bound to its row and column), never as plain text', async () => {
    const input = {
      ...validInput('MULTIINFO', 'Sealed MultiInfo'),
      destinationNumber: '600 300 400',
      password: 'multiinfo-Plain-Pass-42',
      apiBaseUrl: 'https://127.0.0.1:9443/Api61',
    };
    const mi = await createOk(input);
    const gen = await createOk({
      ...validInput('GENERIC_HTTP', 'Sealed generic'),
      destinationNumber: '600 300 401',
      password: 'generic-Plain-Pass-43',
      webhookToken: 'generic-hook-Token-44',
    });

    const r1 = await row(mi.id);
    expect(r1.password_secret).toMatch(/^v2\./);
    expect(r1.password_secret).not.toContain('multiinfo-Plain-Pass-42');
    expect(box.open(r1.password_secret, AT.password_secret(mi.id))).toBe('multiinfo-Plain-Pass-42');
    expect(r1.certificate_secret).toMatch(/^v2\./);
    expect(r1.certificate_secret).not.toContain('BEGIN');
    expect(r1.certificate_secret).not.toContain(CLIENT_KEY.split('\n')[1]);
    expect(box.open(r1.certificate_secret, AT.certificate_secret(mi.id))).toContain(CLIENT_KEY.split('\n')[1]);

    const r2 = await row(gen.id);
    expect(r2.password_secret).toMatch(/^v2\./);
    expect(r2.webhook_token_secret).toMatch(/^v2\./);
    expect(r2.webhook_token_secret).not.toContain('generic-hook-Token-44');
    expect(box.open(r2.webhook_token_secret, AT.webhook_token_secret(gen.id))).toBe('generic-hook-Token-44');
    const generic = JSON.stringify(r2.generic_http);
    expect(generic).not.toContain('hdr-generic_http-Secret');
    expect(r2.generic_http.headers).toHaveLength(1);
    expect(r2.generic_http.headers[0].name).toBe('Authorization');
    expect(r2.generic_http.headers[0].sealedValue).toMatch(/^v2\./);
    expect(
      box.open(r2.generic_http.headers[0].sealedValue, gatewaySecretAt.header(Number(gen.id), 'Authorization')),
    ).toBe('Bearer hdr-generic_http-Secret');

    // No plain secret anywhere in either row.
    const all = JSON.stringify([r1, r2]);
    for (const s of [
      'multiinfo-Plain-Pass-42',
      'generic-Plain-Pass-43',
      'generic-hook-Token-44',
      'hdr-generic_http-Secret',
    ])
      expect(all).not.toContain(s);
  });
});

describe('SMSAPI password forms', () => {
  const md5 = (s: string) => crypto.createHash('md5').update(s, 'utf8').digest('hex');

  it('takes a 32-hex MD5 as given, hashes a plain password, and treats a password without login as an OAuth token', async () => {
    const given = await createOk({
      name: 'SMSAPI md5',
      provider: 'SMSAPI',
      login: 'api-user',
      password: md5('x').toUpperCase(),
    });
    expect(given).toMatchObject({ passwordForm: 'MD5_GIVEN', hasPassword: true, login: 'api-user' });
    expect(box.open((await row(given.id)).password_secret, AT.password_secret(given.id))).toBe(md5('x'));

    const computed = await createOk({
      name: 'SMSAPI plain',
      provider: 'SMSAPI',
      login: 'api-user',
      password: 'Plain-Api-Pass-1',
    });
    expect(computed).toMatchObject({ passwordForm: 'MD5_COMPUTED', hasPassword: true });
    const stored = (await row(computed.id)).password_secret;
    expect(stored).toMatch(/^v2\./);
    expect(stored).not.toContain('Plain-Api-Pass-1');
    // What SMSAPI gets is the MD5 of the password, never the password.
    expect(box.open(stored, AT.password_secret(computed.id))).toBe(md5('Plain-Api-Pass-1'));

    const oauth = await createOk({
      name: 'SMSAPI oauth',
      provider: 'SMSAPI',
      password: 'oauth-Token-ABCdef0123456789',
    });
    expect(oauth).toMatchObject({ passwordForm: 'OAUTH_TOKEN', hasPassword: true, login: null });
    expect(box.open((await row(oauth.id)).password_secret, AT.password_secret(oauth.id))).toBe(
      'oauth-Token-ABCdef0123456789',
    );
  });

  it('refuses to drop the login of an MD5 mailbox, which would send the hash as a token', async () => {
    const g = await createOk({
      name: 'SMSAPI keep login',
      provider: 'SMSAPI',
      login: 'api-user',
      password: 'Another-Pass-2',
    });
    const r = await refusedUpdate(g.id, { login: '' });
    expect(violation(r, 'login')).toMatchObject({ rule: 'required' });
  });
});

describe('update semantics', () => {
  it('keeps the stored password and certificate when an update omits them', async () => {
    const g = await createOk({ ...validInput('MULTIINFO', 'Keep secrets'), destinationNumber: '600 400 500' });
    const before = await row(g.id);
    const u = ok(
      await t.gql(UPDATE, { id: g.id, i: { senderName: 'NewSender', allowedIps: ['192.0.2.1'] } }, admin),
    ).updateGateway;
    expect(u).toMatchObject({
      senderName: 'NewSender',
      allowedIps: ['192.0.2.1'],
      hasPassword: true,
      hasCertificate: true,
      certificateExpiresAt: CLIENT_NOT_AFTER,
    });
    const after = await row(g.id);
    expect(box.open(after.password_secret, AT.password_secret(g.id))).toBe(
      box.open(before.password_secret, AT.password_secret(g.id)),
    );
    expect(box.open(after.certificate_secret, AT.certificate_secret(g.id))).toBe(CLIENT_BUNDLE.trim());
  });

  it('changes only the name when only the name is given', async () => {
    const g = await createOk({
      ...validInput('GENERIC_HTTP', 'Rename me'),
      destinationNumber: '600 400 501',
      allowedIps: ['198.51.100.0/24'],
      senderName: 'Desk',
      login: 'gen-login',
      password: 'gen-Pass-9',
    });
    const u = ok(await t.gql(UPDATE, { id: g.id, i: { name: 'Renamed' } }, admin)).updateGateway;
    expect(u).toEqual({ ...g, name: 'Renamed' });
    expect(ok(await t.gql(GET, { id: g.id }, admin)).gateway).toEqual({ ...g, name: 'Renamed' });
    const r = await row(g.id);
    expect(box.open(r.password_secret, AT.password_secret(g.id))).toBe('gen-Pass-9');
    expect(box.open(r.generic_http.headers[0].sealedValue, gatewaySecretAt.header(Number(g.id), 'Authorization'))).toBe(
      'Bearer hdr-generic_http-Secret',
    );
  });

  it('removes an optional secret given as an empty string', async () => {
    const g = await createOk({
      ...validInput('DOTPAY', 'Remove secrets'),
      destinationNumber: '600 400 502',
      password: 'dotpay-PIN-1234',
    });
    expect(g).toMatchObject({ hasPassword: true, passwordForm: 'PLAIN', hasWebhookToken: true });
    // The webhook token may go only where webhooks are authenticated by the allowed IP list instead.
    const u = ok(
      await t.gql(
        UPDATE,
        { id: g.id, i: { password: '', webhookToken: '', webhookAuth: 'IP_LIST_ONLY', allowedIps: ['203.0.113.7'] } },
        admin,
      ),
    ).updateGateway;
    expect(u).toMatchObject({ hasPassword: false, passwordForm: null, hasWebhookToken: false, login: 'smsdesk-test' });
    const r = await row(g.id);
    expect(r.password_secret).toBeNull();
    expect(r.webhook_token_secret).toBeNull();
  });

  it('refuses to remove a secret the provider requires, and keeps it', async () => {
    const g = await createOk({ ...validInput('MULTIINFO', 'Required secrets'), destinationNumber: '600 400 503' });
    const r = await refusedUpdate(g.id, { certificatePem: '', password: '' });
    expect(violation(r, 'certificatePem')).toMatchObject({ rule: 'required' });
    expect(violation(r, 'password')).toMatchObject({ rule: 'required' });
    expect(ok(await t.gql(GET, { id: g.id }, admin)).gateway).toMatchObject({
      hasPassword: true,
      hasCertificate: true,
    });
  });
});

describe('bad input is refused with the field and rule, and writes nothing', () => {
  it('names each bad IP address or CIDR range by its index', async () => {
    const r = await refusedCreate({
      ...validInput('SMSAPI', 'Bad IPs'),
      allowedIps: ['192.0.2.1', '10.0.0.300', '10.0.0.0/33', 'fe80::/129', 'hello'],
    });
    expect(violations(r).map((v) => [v.field, v.rule])).toEqual([
      ['allowedIps[1]', 'ipOrCidr'],
      ['allowedIps[2]', 'ipOrCidr'],
      ['allowedIps[3]', 'ipOrCidr'],
      ['allowedIps[4]', 'ipOrCidr'],
    ]);
    expect(violation(r, 'allowedIps[1]')!.message).toContain('10.0.0.300');
  });

  it('accepts IPv4, IPv6 and CIDR ranges and stores them canonically, once each', async () => {
    const g = await createOk({
      ...validInput('SMSAPI', 'Good IPs'),
      destinationNumber: '600 500 600',
      allowedIps: [
        ' 203.0.113.7 ',
        '2001:DB8:0:0::1',
        '203.0.113.9/24',
        '2001:db8::/32',
        '2001:db8::1/128',
        '203.0.113.7',
      ],
    });
    expect(g.allowedIps).toEqual(['203.0.113.7', '2001:db8::1', '203.0.113.0/24', '2001:db8::/32']);
    const bad = await refusedUpdate(g.id, { allowedIps: ['203.0.113.7', 'hello'] });
    expect(fields(bad)).toEqual(['allowedIps[1]']);
  });

  it('does not read "12345" or "010.0.0.1" as some other IPv4 address', async () => {
    const r = await refusedCreate({
      ...validInput('SMSAPI', 'Odd IPs'),
      destinationNumber: '600 500 601',
      allowedIps: ['12345', '010.0.0.1', '10.1'],
    });
    expect(fields(r)).toEqual(['allowedIps[0]', 'allowedIps[1]', 'allowedIps[2]']);
  });

  it('refuses a destination number that is not a phone number, with the reason', async () => {
    const r = await refusedCreate({ ...validInput('SMSAPI', 'Bad number'), destinationNumber: '500 100 20' });
    expect(violation(r, 'destinationNumber')).toMatchObject({ rule: 'phoneNumber' });
    expect(violation(r, 'destinationNumber')!.message).toMatch(/500 100 20.*(valid|short|digits)/);
    const r2 = await refusedCreate({ ...validInput('SMSAPI', 'Bad number 2'), destinationNumber: 'call me' });
    expect(violation(r2, 'destinationNumber')).toMatchObject({ rule: 'phoneNumber' });
  });

  it('refuses a prefix to remove that is not digits after an optional +', async () => {
    const r = await refusedCreate({
      ...validInput('SMSAPI', 'Bad prefix'),
      prefixesToRemove: ['+48', '48x', '123456789'],
    });
    expect(violations(r).map((v) => [v.field, v.rule])).toEqual([
      ['prefixesToRemove[1]', 'prefix'],
      ['prefixesToRemove[2]', 'prefix'],
    ]);
  });

  it('refuses a MultiInfo host given as a URL and shows the bare form', async () => {
    const r = await refusedCreate({
      ...validInput('MULTIINFO', 'Bad host'),
      host: 'https://api1.multiinfo.plus.pl/Api61',
    });
    const v = violation(r, 'host')!;
    expect(v.rule).toBe('bareHost');
    expect(v.message).toContain('"api1.multiinfo.plus.pl"');
    expect(v.message).not.toContain('"https://api1.multiinfo.plus.pl');
    const r2 = await refusedCreate({ ...validInput('MULTIINFO', 'Bad host 2'), host: 'api1.multiinfo.plus.pl/Api61' });
    expect(violation(r2, 'host')!.message).toContain('"api1.multiinfo.plus.pl"');
  });

  it('refuses a service id that is not positive', async () => {
    for (const serviceId of [0, -5]) {
      const r = await refusedCreate({ ...validInput('MULTIINFO', `Bad service ${serviceId}`), serviceId });
      expect(violation(r, 'serviceId')).toMatchObject({ rule: 'positive' });
    }
  });

  it('refuses a certificate without its key, with the wrong key, or with an encrypted key', async () => {
    const cases: [string, string, string][] = [
      ['certificate only', CLIENT_CERT, 'pemPrivateKey'],
      ['key only', CLIENT_KEY, 'pemCertificate'],
      ['someone else’s key', CLIENT_CERT + pem('other-key.pem'), 'keyMatchesCertificate'],
      ['encrypted key', pem('encrypted-bundle.pem'), 'pemPrivateKey'],
      [
        'garbage',
        '-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n' + CLIENT_KEY,
        'pemCertificate',
      ],
    ];
    for (const [label, certificatePem, rule] of cases) {
      const r = await refusedCreate({ ...validInput('MULTIINFO', `Cert ${label}`), certificatePem });
      expect(violation(r, 'certificatePem'), label).toMatchObject({ rule });
    }
    const enc = await t.gql(
      CREATE,
      { i: { ...validInput('MULTIINFO', 'Cert enc msg'), certificatePem: pem('encrypted-bundle.pem') } },
      admin,
    );
    expect(violation(enc, 'certificatePem')!.message).toMatch(/password/);
  });

  it('refuses a name another mailbox has', async () => {
    await createOk({ ...validInput('PEOPLEFONE', 'Taken name'), destinationNumber: '600 600 700' });
    const r = await refusedCreate({ ...validInput('SMSAPI', ' Taken name '), destinationNumber: '600 600 701' });
    expect(violation(r, 'name')).toMatchObject({ rule: 'unique' });
    const other = await createOk({ ...validInput('SMSAPI', 'Not taken'), destinationNumber: '600 600 702' });
    const u = await refusedUpdate(other.id, { name: 'Taken name' });
    expect(violation(u, 'name')).toMatchObject({ rule: 'unique' });
  });

  it('refuses a second active mailbox of one provider for the same number, in any format', async () => {
    const first = await createOk({
      ...validInput('SERWERSMS', 'Dest A'),
      destinationNumber: '+48 500 700 800',
      incomingActive: true,
    });
    expect(first.destinationNumber).toBe('+48500700800');
    const r = await refusedCreate({
      ...validInput('SERWERSMS', 'Dest B'),
      destinationNumber: '500700800',
      incomingActive: true,
    });
    expect(violation(r, 'destinationNumber')).toMatchObject({ rule: 'unique' });
    expect(violation(r, 'destinationNumber')!.message).toContain('Dest A');

    // Allowed while the second one is inactive, or for another provider.
    const inactive = await createOk({
      ...validInput('SERWERSMS', 'Dest C'),
      destinationNumber: '0048 500-700-800',
      incomingActive: false,
    });
    expect(inactive).toMatchObject({ destinationNumber: '+48500700800', incomingActive: false });
    const otherProvider = await createOk({
      ...validInput('JUSTSEND', 'Dest D'),
      destinationNumber: '500700800',
      incomingActive: true,
    });
    expect(otherProvider.incomingActive).toBe(true);

    // Activating the inactive one is the same clash.
    const u = await refusedUpdate(inactive.id, { incomingActive: true });
    expect(violation(u, 'destinationNumber')).toMatchObject({ rule: 'unique' });
    // Once the first is deactivated, it may be activated.
    ok(await t.gql(UPDATE, { id: first.id, i: { incomingActive: false } }, admin));
    expect(
      ok(await t.gql(UPDATE, { id: inactive.id, i: { incomingActive: true } }, admin)).updateGateway.incomingActive,
    ).toBe(true);
  });

  it('refuses a mailbox without a field its provider requires', async () => {
    const mi = await refusedCreate({
      name: 'MultiInfo bare',
      provider: 'MULTIINFO',
      login: 'smsdesk-test',
      password: 'x-pass-1',
    });
    expect(fields(mi)).toEqual(expect.arrayContaining(['serviceId', 'host', 'certificatePem']));
    for (const v of violations(mi)) expect(v.rule).toBe('required');

    const mobitex = validInput('MOBITEX', 'Mobitex no sender');
    delete mobitex.senderName;
    expect(fields(await refusedCreate(mobitex))).toEqual(['senderName']);

    const smsapi = validInput('SMSAPI', 'SMSAPI no password');
    delete smsapi.password;
    expect(fields(await refusedCreate(smsapi))).toEqual(['password']);
  });

  it('refuses TIDE and GENERIC_HTTP without generic HTTP settings', async () => {
    for (const provider of ['TIDE', 'GENERIC_HTTP']) {
      const input = validInput(provider, `${provider} no generic`);
      delete input.genericHttp;
      const r = await refusedCreate(input);
      expect(violation(r, 'genericHttp')).toMatchObject({ rule: 'required' });
    }
  });

  it('refuses bad generic HTTP settings by their path', async () => {
    const input = validInput('GENERIC_HTTP', 'Generic bad');
    input.genericHttp = {
      method: 'PUT',
      urlTemplate: 'ftp://x/{to}',
      headers: [{ name: 'Bad Header', value: 'v' }],
      successStatus: 42,
      successBodyPattern: '(',
    };
    const r = await refusedCreate(input);
    expect(fields(r).sort()).toEqual([
      'genericHttp.headers[0].name',
      'genericHttp.method',
      'genericHttp.successBodyPattern',
      'genericHttp.successStatus',
      'genericHttp.urlTemplate',
    ]);
  });

  it('refuses an API base URL that is not an http(s) URL', async () => {
    for (const apiBaseUrl of ['api2.smsapi.pl', 'ftp://api2.smsapi.pl', 'https://api2.smsapi.pl/?x=1']) {
      const r = await refusedCreate({ ...validInput('SMSAPI', `Base ${apiBaseUrl}`), apiBaseUrl });
      expect(violation(r, 'apiBaseUrl'), apiBaseUrl).toMatchObject({ rule: 'httpUrl' });
    }
    const g = await createOk({
      ...validInput('SMSAPI', 'Base ok'),
      destinationNumber: '600 700 800',
      apiBaseUrl: 'https://api2.smsapi.pl/',
    });
    expect(g.apiBaseUrl).toBe('https://api2.smsapi.pl');
  });

  it('refuses a webhook token shorter than 8 characters', async () => {
    const r = await refusedCreate({ ...validInput('SMSAPI', 'Short token'), webhookToken: 'abc' });
    expect(violation(r, 'webhookToken')).toMatchObject({ rule: 'minLength' });
  });

  it('refuses an active incoming mailbox without a destination number', async () => {
    const input = validInput('PEOPLEFONE', 'No destination');
    delete input.destinationNumber;
    const r = await refusedCreate({ ...input, incomingActive: true });
    expect(violation(r, 'destinationNumber')).toMatchObject({ rule: 'required' });
    // Inactive, the same mailbox is fine (it may only send).
    const g = await createOk({ ...input, incomingActive: false });
    expect(g).toMatchObject({ destinationNumber: null, incomingActive: false });
    const u = await refusedUpdate(g.id, { incomingActive: true });
    expect(violation(u, 'destinationNumber')).toMatchObject({ rule: 'required' });
  });

  it('accepts the premium short number of a Dotpay mailbox, as its catalog entry asks', async () => {
    const g = await createOk({
      ...validInput('DOTPAY', 'Dotpay premium'),
      destinationNumber: '71366',
      incomingActive: true,
    });
    expect(g).toMatchObject({ destinationNumber: '71366', incomingActive: true });
  });
});

describe('refused updates of an existing mailbox', () => {
  it('answer BAD_USER_INPUT and leave the row exactly as it was', async () => {
    await seedGateway('Flush taken', 'PEOPLEFONE', {
      password: 'pf-key-1',
      destinationNumber: '+48500999001',
      incomingActive: true,
    });
    const id = await seedGateway('Flush target', 'PEOPLEFONE', {
      password: 'pf-key-2',
      destinationNumber: '+48500999002',
      incomingActive: true,
    });
    const empty = await refusedUpdate(id, { name: '  ' });
    expect(violation(empty, 'name')).toMatchObject({ rule: 'required' });
    const taken = await refusedUpdate(id, { name: 'Flush taken' });
    expect(violation(taken, 'name')).toMatchObject({ rule: 'unique' });
    expect(ok(await t.gql(`query($id: ID!) { gateway(id: $id) { name } }`, { id }, admin)).gateway.name).toBe(
      'Flush target',
    );
  });
});

describe('unknown ids', () => {
  it('answers NOT_FOUND for gateway, updateGateway and deleteGateway', async () => {
    for (const id of ['999999', 'abc', '-1']) {
      expect(codes(await t.gql(GET, { id }, admin)), id).toEqual(['NOT_FOUND']);
      expect(codes(await t.gql(UPDATE, { id, i: { name: 'Ghost' } }, admin)), id).toEqual(['NOT_FOUND']);
      expect(codes(await t.gql(DELETE, { id }, admin)), id).toEqual(['NOT_FOUND']);
    }
    expect(await t.sql(`select 1 from gateway where name = 'Ghost'`)).toHaveLength(0);
  });
});

let agent: string | undefined;
async function agentToken(): Promise<string> {
  agent ??= (await createAgent(t, admin, 'Agent', 'agent@gateways.test')).token;
  return agent;
}

describe('agents', () => {
  it('may list and read mailboxes but not create, change or delete them', async () => {
    const token = await agentToken();
    const id = await seedGateway('Agent visible');
    const list = ok(await t.gql(`{ gateways { id name hasPassword } }`, {}, token)).gateways;
    expect(list.map((g: { name: string }) => g.name)).toContain('Agent visible');
    expect(ok(await t.gql(`query($id: ID!) { gateway(id: $id) { name } }`, { id }, token)).gateway.name).toBe(
      'Agent visible',
    );

    const before = await gatewayCount();
    const rowBefore = await row(id);
    expect(codes(await t.gql(CREATE, { i: { name: 'Agent made', provider: 'DOTPAY' } }, token))).toEqual(['FORBIDDEN']);
    expect(codes(await t.gql(UPDATE, { id, i: { name: 'Agent renamed' } }, token))).toEqual(['FORBIDDEN']);
    expect(codes(await t.gql(DELETE, { id }, token))).toEqual(['FORBIDDEN']);
    expect(await gatewayCount()).toBe(before);
    expect(await row(id)).toEqual(rowBefore);
  });

  it('gets UNAUTHENTICATED without a token', async () => {
    expect(codes(await t.gql(CREATE, { i: { name: 'Anon', provider: 'DOTPAY' } }))).toEqual(['UNAUTHENTICATED']);
    expect(await t.sql(`select 1 from gateway where name = 'Anon'`)).toHaveLength(0);
  });
});

describe('deleting mailboxes', () => {
  it('refuses to delete a mailbox a message rule uses, and deletes it once the rule is gone', async () => {
    const id = await seedGateway('Used by rule');
    const q = ok(
      await t.gql(`mutation { createQueue(input: { name: "Delete test queue" }) { id } }`, {}, admin),
    ).createQueue;
    const rule = ok(
      await t.gql(
        `mutation($i: MessageRuleInput!) { createMessageRule(input: $i) { id } }`,
        { i: { name: 'Route used', position: 1, gatewayId: id, queueId: q.id } },
        admin,
      ),
    ).createMessageRule;

    const before = await gatewayCount();
    const r = await t.gql(DELETE, { id }, admin);
    expect(codes(r)).toEqual(['BAD_USER_INPUT']);
    expect(violations(r)[0]).toMatchObject({ field: 'id', rule: 'inUse' });
    expect(violations(r)[0].message).toContain('Route used');
    expect(await gatewayCount()).toBe(before);
    expect(ok(await t.gql(`query($id: ID!) { gateway(id: $id) { name } }`, { id }, admin)).gateway.name).toBe(
      'Used by rule',
    );

    expect(
      ok(await t.gql(`mutation($id: ID!) { deleteMessageRule(id: $id) }`, { id: rule.id }, admin)).deleteMessageRule,
    ).toBe(rule.id);
    expect(ok(await t.gql(DELETE, { id }, admin)).deleteGateway).toBe(id);
    expect(await gatewayCount()).toBe(before - 1);
    expect(codes(await t.gql(GET, { id }, admin))).toEqual(['NOT_FOUND']);
  });

  it('clears the default SMS mailbox setting when that mailbox is deleted', async () => {
    const id = await seedGateway('Default sender');
    const s = ok(
      await t.gql(
        `mutation($id: ID) { updateSettings(input: { defaultSmsGatewayId: $id }) { defaultSmsGateway { id name } } }`,
        { id },
        admin,
      ),
    );
    expect(s.updateSettings.defaultSmsGateway).toEqual({ id, name: 'Default sender' });
    expect(ok(await t.gql(DELETE, { id }, admin)).deleteGateway).toBe(id);
    expect(
      ok(await t.gql(`{ settings { defaultSmsGateway { id } } }`, {}, admin)).settings.defaultSmsGateway,
    ).toBeNull();
  });
});

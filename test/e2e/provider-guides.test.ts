import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pem } from '../fakes/base';
import { push } from '../fakes/push/http';
import { FakeSmsapi } from '../fakes/smsapi';
import { codes, createAgent, ok } from '../support/api';
import { startTestApp, type TestApp } from '../support/app';
import { FAST_OUTBOUND_ENV, SEND, settled } from '../support/outbound';
import { PROVIDER_IDS_IN_ORDER } from '../support/providers';

/*
 * The set-up guides an admin follows (docs/providers/<provider>.md) and the URLs the API tells them to
 * paste (Gateway.webhookUrls): every provider has a guide, the guide names exactly the URLs the API shows
 * for a mailbox of that provider, the URLs carry the mailbox's token and work, only admins read them, and
 * the catalog's link to the guide is served by the service itself.
 */

const PUBLIC_URL = 'https://smsdesk.example.com/desk';
const GUIDES = path.join(__dirname, '../../docs/providers');
const TOKEN = 'guide-Token_0123456789';

let t: TestApp;
let admin: string;
const smsapi = new FakeSmsapi();
let catalog: { id: string; guideUrl: string; fields: { name: string; required: boolean }[] }[];

beforeAll(async () => {
  await smsapi.start();
  t = await startTestApp({ ...FAST_OUTBOUND_ENV, PUBLIC_URL });
  admin = await t.login();
  catalog = ok(await t.gql(`{ providers { id guideUrl fields { name required } } }`, {}, admin)).providers;
});

afterAll(async () => {
  await t?.close();
  await smsapi.stop();
});

const URLS = `id destinationNumber webhookUrl webhookUrls { purpose url }`;
const CREATE = `mutation($i: GatewayInput!) { createGateway(input: $i) { ${URLS} } }`;
let seq = 0;

/** A complete mailbox of `provider`, from the catalog's required fields, with our own webhook token. */
function mailbox(provider: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const input: Record<string, unknown> = { name: `${provider} ${++seq}`, provider, webhookToken: TOKEN };
  const entry = catalog.find((p) => p.id === provider)!;
  for (const f of entry.fields.filter((x) => x.required)) {
    input[f.name] = {
      login: 'smsdesk-test',
      password: 'guide-Secret-1',
      senderName: 'Helpdesk',
      serviceId: 24138,
      host: 'api1.multiinfo.plus.pl',
      certificatePem: pem('client-bundle.pem'),
      destinationNumber: `+4860030${String(1000 + seq).slice(-4)}`,
      genericHttp: { method: 'POST', urlTemplate: 'https://sms.example.net/send', bodyTemplate: 'to={to}' },
    }[f.name];
  }
  if (provider === 'GENERIC_HTTP' || provider === 'THREE_S')
    input.genericHttp = { method: 'POST', urlTemplate: 'https://sms.example.net/send', bodyTemplate: 'to={to}' };
  return { ...input, incomingActive: !!input.destinationNumber, ...extra };
}

type Created = { id: string; destinationNumber: string | null; webhookUrl: string | null; webhookUrls: Url[] };
type Url = { purpose: string; url: string };

async function create(provider: string, extra: Record<string, unknown> = {}): Promise<Created> {
  return ok(await t.gql(CREATE, { i: mailbox(provider, extra) }, admin)).createGateway;
}

/** A URL as the guides write it: PUBLIC_URL, the token and our own number as placeholders. */
function asInGuide(url: string, destination: string | null): string {
  expect(url.startsWith(`${PUBLIC_URL}/`), url).toBe(true);
  let s = `<PUBLIC_URL>${url.slice(PUBLIC_URL.length)}`.replace(`token=${encodeURIComponent(TOKEN)}`, 'token=<TOKEN>');
  if (destination) s = s.replace(`=${destination.replace('+', '')}&`, '=<NUMBER>&');
  return s;
}

const guideFile = (guideUrl: string) => path.join(GUIDES, path.basename(new URL(guideUrl).pathname));
/** The running app's address for a URL built on PUBLIC_URL. */
const local = (url: string) => `${t.url}${url.slice(PUBLIC_URL.length)}`;

describe('every provider has a guide naming exactly the URLs the API shows', () => {
  it('lists the eleven providers, each with a guide link on PUBLIC_URL', () => {
    expect(catalog).toHaveLength(11);
    for (const p of catalog) expect(p.guideUrl).toMatch(new RegExp(`^${PUBLIC_URL}/docs/providers/[a-z0-9-]+\\.md$`));
  });

  it.each(PROVIDER_IDS_IN_ORDER)('%s', async (provider) => {
    const g = await create(provider);
    const { guideUrl } = catalog.find((p) => p.id === provider)!;
    const file = guideFile(guideUrl);
    expect(fs.existsSync(file), `${file} is missing`).toBe(true);
    const guide = fs.readFileSync(file, 'utf8');
    expect(guide).toContain(`(\`${provider}\`)`);

    const shown = g.webhookUrls.map((u) => asInGuide(u.url, g.destinationNumber));
    const named = [...new Set(guide.match(/<PUBLIC_URL>\/panel\/tickets\/incoming\/[^\s`|)]+/g) ?? [])];
    expect(named.sort()).toEqual([...shown].sort());
    if (!shown.length) expect(guide).toMatch(/`webhookUrls` is empty/);
    // Each purpose is named beside its URL where there are several.
    if (shown.length > 1) for (const u of g.webhookUrls) expect(guide).toContain(`\`${u.purpose}\``);
    // webhookUrl stays the inbound SMS URL.
    expect(g.webhookUrl).toBe(g.webhookUrls.find((u) => u.purpose === 'INBOUND_SMS')?.url ?? null);
  });

  it('the index lists every guide', () => {
    const index = fs.readFileSync(path.join(GUIDES, 'README.md'), 'utf8');
    for (const p of catalog) expect(index).toContain(`(${path.basename(new URL(p.guideUrl).pathname)})`);
  });
});

describe('webhookUrls', () => {
  it('gives SMSAPI its SMS, MMS and delivery-report URLs, each with the token, and each one works', async () => {
    const g = await create('SMSAPI', { password: smsapi.token, apiBaseUrl: smsapi.url, senderName: 'Helpdesk' });
    const base = `${PUBLIC_URL}/panel/tickets/incoming/smsapi`;
    expect(g.webhookUrls).toEqual([
      { purpose: 'INBOUND_SMS', url: `${base}?token=${TOKEN}` },
      { purpose: 'INBOUND_MMS', url: `${base}/mms?token=${TOKEN}` },
      { purpose: 'DELIVERY_REPORTS', url: `${base}/dlr?token=${TOKEN}` },
    ]);
    const [sms, mms, dlr] = g.webhookUrls.map((u) => local(u.url));
    const ours = g.destinationNumber!.replace('+', '');
    const now = String(Math.floor(Date.now() / 1000));
    const text = await push(sms, { form: { sms_to: ours, sms_from: '48500600700', sms_text: 'hi', sms_date: now } });
    expect(text).toMatchObject({ status: 200, body: 'OK' });
    const image = { field: 'file1', filename: 'a.jpg', contentType: 'image/jpeg', data: Buffer.from('jpeg') };
    const picture = await push(mms, {
      multipart: { fields: { mms_to: ours, mms_from: '48500600700', mms_date: now }, files: [image] },
    });
    expect(picture).toMatchObject({ status: 200, body: 'OK' });
    const events = ok(
      await t.gql(`query($g: ID!) { inboundEvents(gatewayId: $g) { edges { node { outcome } } } }`, { g: g.id }, admin),
    ).inboundEvents.edges.map((e: { node: { outcome: string } }) => e.node.outcome);
    expect(events).toEqual(['ACCEPTED', 'ACCEPTED']);

    // The delivery-report URL is the notify_url smsdesk gives SMSAPI with each message, and SMSAPI's report to it lands.
    const agent = await createAgent(t, admin);
    const r = await t.gql(SEND, { i: { to: '+48500600701', text: 'Hello', gatewayId: g.id } }, agent.token);
    const queued = ok(r).sendSms;
    const sent = await settled(t, agent.token, queued, 'SENT');
    const out = smsapi.sent.find((s) => s.id === sent.providerMessageId)!;
    expect(out.notifyUrl).toBe(g.webhookUrls[2].url);
    const report = await push(`${dlr}&MsgId=${out.id}&status=404&donedate=${now}`);
    expect(report).toMatchObject({ status: 200, body: 'OK' });
    await settled(t, agent.token, queued, 'DELIVERED');
  });

  it('carries no token for a mailbox without one, and the new token after a rotation', async () => {
    const open = await create('PEOPLEFONE', {
      webhookToken: undefined,
      webhookAuth: 'IP_LIST_ONLY',
      allowedIps: ['203.0.113.7'],
    });
    expect(open.webhookUrls.map((u) => u.purpose)).toEqual(['INBOUND_SMS', 'DELIVERY_REPORTS']);
    for (const u of open.webhookUrls) expect(new URL(u.url).search).toBe('');

    const g = await create('DOTPAY');
    const rotated = ok(
      await t.gql(`mutation($id: ID!) { rotateWebhookToken(id: $id) { webhookUrls { url } } }`, { id: g.id }, admin),
    ).rotateWebhookToken.webhookUrls[0].url;
    const fresh = new URL(rotated).searchParams.get('token');
    expect(fresh).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(fresh).not.toBe(TOKEN);
  });

  it('is for admins only: an agent gets FORBIDDEN and no token', async () => {
    const g = await create('SMSAPI');
    const agent = await createAgent(t, admin);
    const r = await t.gql(
      `query($id: ID!) { gateway(id: $id) { name webhookUrls { url } } }`,
      { id: g.id },
      agent.token,
    );
    expect(codes(r)).toEqual(['FORBIDDEN']);
    expect(JSON.stringify(r)).not.toContain(TOKEN);
  });
});

describe('the guide route', () => {
  it("serves each catalog link's guide as UTF-8 Markdown from the running service", async () => {
    for (const p of catalog) {
      const res = await fetch(local(p.guideUrl));
      expect(res.status, p.guideUrl).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/markdown; charset=utf-8');
      expect(await res.text()).toBe(fs.readFileSync(guideFile(p.guideUrl), 'utf8'));
    }
    const index = await fetch(`${t.url}/docs/providers/README.md`);
    expect(index.status).toBe(200);
  });

  it.each([
    'nosuch.md',
    'smsapi',
    'SMSAPI.md',
    '..%2F..%2Fpackage.json',
    '..%2Farchitecture.md',
    '%2e%2e%2f%2e%2e%2fREADME.md',
    '..%5C..%5Cpackage.json',
    'smsapi.md%00.txt',
  ])('answers 404 for %s and reads no other file', async (name) => {
    const res = await push(`${t.url}/docs/providers/${name}`);
    expect(res.status).toBe(404);
    expect(res.body).not.toMatch(/"dependencies"|# Architecture|# smsdesk/);
  });

  it('answers 404 to a path that climbs out of the folder', async () => {
    for (const p of ['/docs/providers/../../package.json', '/docs/providers/../architecture.md']) {
      // Sent as written: node:http does not resolve dot segments the way fetch does.
      const res = await push(`${t.url}${p}`);
      expect(res.status, p).toBe(404);
      expect(res.body).not.toMatch(/"dependencies"|# Architecture/);
    }
  });
});

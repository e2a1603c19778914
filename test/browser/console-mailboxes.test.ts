import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
import { FakeSmsapi } from '../fakes/smsapi';
import { smsapiSms } from '../fakes/push/providers';
import { ADMIN, createGateway, createQueue, ok, violations } from '../support/api';
import { rowCount, startTestApp, type TestApp } from '../support/app';
import { describeWithChromium, launchChromium } from '../support/browser';
import { expectAccessible, goTo, logIn, openConsole, screenshot } from '../support/console';
import { FAST_OUTBOUND_ENV } from '../support/outbound';
import { waitFor } from '../support/wait';
import { HEALTH_STATUS } from '../../src/web/console/src/screens/mailboxes/labels';

/*
 * Administration → E-mail and SMS configuration, as an admin meets it: the add menu's "SMS", the form with the
 * product's labels and the provider's fields from the catalog, the API's refusal next to the field it names,
 * the URLs for the provider's panel, the test against the SMSAPI fake, and the inbound log with its replay.
 */

interface CatalogEntry {
  id: string;
  displayName: string;
  defaultPrefixesToRemove: string[];
  guideUrl: string;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** A pattern for a detail as the API answered it, from the kept one where numbers are masked as "[number]". */
const unmasked = (detail: string) => detail.split('[number]').map(escapeRegExp).join('\\S+');

describeWithChromium('web console: E-mail and SMS configuration (in Chromium)', () => {
  let t: TestApp;
  let browser: Browser;
  let admin: string;
  let catalog: CatalogEntry[];
  const smsapi = new FakeSmsapi();

  beforeAll(async () => {
    await smsapi.start();
    browser = await launchChromium();
    // Health counts reach the list within a moment, not the usual ten seconds.
    t = await startTestApp({ ...FAST_OUTBOUND_ENV, HEALTH_FLUSH_MS: '50' });
    admin = await t.login();
    catalog = ok(await t.gql(`{ providers { id displayName defaultPrefixesToRemove guideUrl } }`, {}, admin)).providers;
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await smsapi.stop();
  });

  const entry = (id: string) => catalog.find((p) => p.id === id)!;
  /** The form field (label, control, help, error) around the control labelled `label`. */
  const fieldOf = (page: Page, label: string): Locator =>
    page.locator('.field', { has: page.getByLabel(label, { exact: true }) });
  /** The texts the control's aria-describedby points at (its help and its error). */
  async function describedBy(control: Locator): Promise<string> {
    const ids = ((await control.getAttribute('aria-describedby')) ?? '').split(' ').filter(Boolean);
    const page = control.page();
    const texts = await Promise.all(ids.map((id) => page.locator(`[id="${id}"]`).textContent()));
    return texts.join(' ');
  }

  it('creates an SMSAPI mailbox through the form, tests it, and replays a refused webhook once incoming is on', async () => {
    const { page, context, errors } = await openConsole(browser, t.url);
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: t.url });
    await logIn(page, ADMIN.email, ADMIN.password);
    await goTo(page, '/admin/mailboxes');
    await page.getByRole('heading', { level: 1, name: 'E-mail and SMS configuration' }).waitFor();

    // The add button is a real button that opens a list offering SMS, and Escape closes it again.
    const add = page.getByRole('button', { name: 'Add' });
    await add.focus();
    await page.keyboard.press('Enter');
    expect(await add.getAttribute('aria-expanded')).toBe('true');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Escape');
    expect(await add.getAttribute('aria-expanded')).toBe('false');
    await page.keyboard.press('Enter');
    await page.getByRole('list', { name: 'Add a mailbox' }).getByRole('link', { name: 'SMS' }).click();
    await page.getByRole('heading', { level: 1, name: 'New SMS mailbox' }).waitFor();
    expect(page.url()).toMatch(/#\/admin\/mailboxes\/new$/);

    await page.getByLabel('Name', { exact: true }).fill('Biuro SMS');
    await page.getByLabel('Service provider').selectOption({ label: entry('SMSAPI').displayName });
    const prefixes = page.getByLabel('Prefixes to remove (comma separated list)');
    await expect
      .poll(async () => (await prefixes.inputValue()).split(',').map((p) => p.trim()))
      .toEqual(entry('SMSAPI').defaultPrefixesToRemove);
    // The provider's fields come with the product's labels; MultiInfo's are not among SMSAPI's.
    for (const label of ['Gateway login', 'Gateway password', 'Name of sender', 'Destination phone number'])
      await page.getByLabel(label, { exact: true }).waitFor();
    expect(await page.getByLabel('Service ID').count()).toBe(0);

    const input = {
      name: 'Biuro SMS',
      provider: 'SMSAPI',
      allowedIps: ['127.0.0.1', '300.1.1.1'],
      destinationNumber: '+48 739 100 200',
      password: smsapi.token,
      apiBaseUrl: smsapi.url,
    };
    await page.getByLabel('Allowed IP addresses').fill(input.allowedIps.join(', '));
    await page.getByLabel('Destination phone number').fill(input.destinationNumber);
    await page.getByLabel('Gateway password', { exact: true }).fill(input.password);
    await page.getByLabel('API base URL').fill(input.apiBaseUrl);

    // What the API says of this input, asked directly (it stores nothing either).
    const refusal = violations(
      await t.gql(`mutation($i: GatewayInput!) { createGateway(input: $i) { id } }`, { i: input }, admin),
    );
    expect(refusal.map((v) => v.field)).toEqual(['allowedIps[1]']);
    const before = await rowCount(t, 'gateway');
    await page.getByRole('button', { name: 'Create mailbox' }).click();
    const ips = fieldOf(page, 'Allowed IP addresses');
    await ips.locator('.field-error').waitFor();
    expect(await ips.locator('.field-error').textContent()).toBe(refusal[0].message);
    expect(await describedBy(page.getByLabel('Allowed IP addresses'))).toContain(refusal[0].message);
    expect(await page.getByLabel('Allowed IP addresses').getAttribute('aria-invalid')).toBe('true');
    expect(await rowCount(t, 'gateway')).toBe(before);
    // The form keeps what the admin typed.
    expect(await page.getByLabel('Gateway password', { exact: true }).inputValue()).toBe(smsapi.token);
    await expectAccessible(page, 'the mailbox form with an error');
    await screenshot(page, 'mailbox-form-error');

    await page.getByLabel('Allowed IP addresses').fill('127.0.0.1');
    await page.getByRole('button', { name: 'Create mailbox' }).click();
    await page.getByRole('heading', { level: 1, name: 'Mailbox Biuro SMS' }).waitFor();
    expect(await rowCount(t, 'gateway')).toBe(before + 1);
    const id = page.url().split('/').at(-1)!;
    const stored = ok(
      await t.gql(
        `query($id: ID!) { gateway(id: $id) { allowedIps prefixesToRemove hasPassword webhookUrls { purpose url } } }`,
        { id },
        admin,
      ),
    ).gateway;
    expect(stored).toMatchObject({
      allowedIps: ['127.0.0.1'],
      prefixesToRemove: entry('SMSAPI').defaultPrefixesToRemove,
      hasPassword: true,
    });

    // The URLs to paste into SMSAPI's panel are the API's, each with a copy button; the guide is the catalog's.
    const urls = page.getByRole('region', { name: "Addresses for the provider's panel" });
    expect(await urls.locator('code.url').allTextContents()).toEqual(
      stored.webhookUrls.map((u: { url: string }) => u.url),
    );
    expect(
      await urls.getByRole('link', { name: `Set-up guide for ${entry('SMSAPI').displayName}` }).getAttribute('href'),
    ).toBe(entry('SMSAPI').guideUrl);
    await urls.getByRole('button', { name: 'Copy' }).first().click();
    await expect.poll(() => urls.getByRole('status').first().textContent()).toBe('Copied');
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(stored.webhookUrls[0].url);

    // Test: the checks the API kept as the mailbox's last test, each shown with its detail.
    const test = page.getByRole('region', { name: 'Test' });
    await test.getByRole('button', { name: 'Test' }).click();
    await test.getByText('Test passed').waitFor();
    const lastTest = ok(
      await t.gql(`query($id: ID!) { gateway(id: $id) { lastTest { ok checks { name ok detail } } } }`, { id }, admin),
    ).gateway.lastTest;
    expect(lastTest.ok).toBe(true);
    const shown = test.getByRole('list', { name: 'Checks' }).getByRole('listitem');
    expect(await shown.allTextContents()).toEqual(
      lastTest.checks.map((c: { name: string; detail: string }) => `${c.name}: passed — ${c.detail}`),
    );
    expect(smsapi.sent).toHaveLength(0);
    // With a number, the test also sends one real SMS, and says so as one more check.
    await test.getByLabel('Send a test SMS to (optional)').fill('+48 500 600 700');
    await test.getByRole('button', { name: 'Test' }).click();
    await expect.poll(() => smsapi.sent.length).toBe(1);
    const withSms = ok(
      await t.gql(`query($id: ID!) { gateway(id: $id) { lastTest { checks { name ok detail } } } }`, { id }, admin),
    ).gateway.lastTest;
    expect(withSms.checks.at(-1).name).toBe('Test SMS');
    // The kept result masks numbers ("[number]"); the page shows the answer as it came, with the number typed.
    await expect.poll(() => shown.count()).toBe(withSms.checks.length);
    const texts = await shown.allTextContents();
    withSms.checks.forEach((c: { name: string; detail: string }, i: number) =>
      expect(texts[i]).toMatch(new RegExp(`^${escapeRegExp(`${c.name}: passed — `)}${unmasked(c.detail)}$`)),
    );
    expect(texts.at(-1)).toContain('+48500600700');

    // SMSAPI delivers an SMS while incoming is still off: refused, and the log says why.
    const inbound = new URL(stored.webhookUrls.find((u: { purpose: string }) => u.purpose === 'INBOUND_SMS')!.url);
    const push = await smsapiSms(
      t.url,
      { to: '48739100200', from: '48500600700', text: 'Dzień dobry, czy paczka już wyszła?', msgId: 'UI-1' },
      { token: inbound.searchParams.get('token')! },
    );
    expect(push.status).toBe(403);
    const [event] = ok(
      await t.gql(
        `query($g: ID!) { inboundEvents(gatewayId: $g) { edges { node { id outcome reasonCode reason } } } }`,
        { g: id },
        admin,
      ),
    ).inboundEvents.edges.map((e: { node: unknown }) => e.node);
    expect(event).toMatchObject({ outcome: 'REJECTED', reasonCode: 'INCOMING_INACTIVE' });
    const log = page.getByRole('region', { name: 'Inbound event log' });
    await log.getByRole('button', { name: 'Refresh' }).click();
    const row = log.getByRole('row').filter({ hasText: event.reason });
    await row.waitFor();
    expect(await row.getByRole('cell').nth(1).textContent()).toBe('Rejected');
    expect(await row.getByRole('cell').nth(2).textContent()).toContain('INCOMING_INACTIVE');

    // The password is set, and never reaches the page.
    const password = fieldOf(page, 'Gateway password');
    expect(await password.locator('.secret-set').textContent()).toBe('Set');
    expect(await page.getByLabel('Gateway password', { exact: true }).inputValue()).toBe('');
    expect(await page.content()).not.toContain(smsapi.token);

    // Incoming on, then the replay is accepted and shown as such.
    await page.getByLabel('Active incoming messages').check();
    await page.getByRole('button', { name: 'Save' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: /^Saved\.$/ })
      .waitFor();
    expect((await t.sql(`select incoming_active from gateway where id = $1`, [Number(id)]))[0].incoming_active).toBe(
      true,
    );
    await row.getByRole('button', { name: 'Replay' }).click();
    await log.getByRole('status').filter({ hasText: 'Replayed as a new event: Accepted' }).waitFor();
    await log.getByRole('row').filter({ hasText: 'Replayed: Accepted' }).waitFor();
    const [m] = await t.sql(`select text from message where provider_message_id = 'UI-1'`);
    expect(m.text).toBe('Dzień dobry, czy paczka już wyszła?');
    await expectAccessible(page, 'the mailbox page');
    await screenshot(page, 'mailbox-page');

    // Removing the password SMSAPI needs is refused next to the field, and the stored one stays.
    const removal = violations(
      await t.gql(
        `mutation($id: ID!, $i: GatewayUpdateInput!) { updateGateway(id: $id, input: $i) { id } }`,
        { id, i: { password: '' } },
        admin,
      ),
    );
    expect(removal.map((v) => v.field)).toEqual(['password']);
    await page.getByLabel('Remove the stored Gateway password').check();
    await page.getByRole('button', { name: 'Save' }).click();
    await password.locator('.field-error').waitFor();
    expect(await password.locator('.field-error').textContent()).toBe(removal[0].message);
    expect(ok(await t.gql(`query($id: ID!) { gateway(id: $id) { hasPassword } }`, { id }, admin)).gateway).toEqual({
      hasPassword: true,
    });
    await page.getByLabel('Remove the stored Gateway password').uncheck();

    // A new webhook token: the page shows the API's new URLs, and the old token no longer gets in.
    await urls.getByRole('button', { name: 'New webhook token' }).click();
    await urls.getByRole('button', { name: 'Yes, make a new token' }).click();
    await urls.getByRole('status').filter({ hasText: 'New webhook token made' }).waitFor();
    const rotated = ok(await t.gql(`query($id: ID!) { gateway(id: $id) { webhookUrls { url } } }`, { id }, admin))
      .gateway.webhookUrls;
    expect(rotated[0].url).not.toBe(stored.webhookUrls[0].url);
    await expect
      .poll(() => urls.locator('code.url').allTextContents())
      .toEqual(rotated.map((u: { url: string }) => u.url));
    const stale = await smsapiSms(
      t.url,
      { to: '48739100200', from: '48500600700', text: 'Stary token', msgId: 'UI-2' },
      { token: inbound.searchParams.get('token')! },
    );
    expect(stale.status).toBe(403);

    // The list: the mailbox with its provider, number, incoming, health and last activity; its name opens it.
    // Once its counts are in: the accepted SMS, and the two refused requests (incoming off, then the old token).
    const health = await waitFor(async () => {
      const h = ok(
        await t.gql(
          `query($id: ID!) { gateway(id: $id) { health { status problems lastInboundAt lastSentAt lastDeliveryReportAt last24h { refused { count } } } } }`,
          { id },
          admin,
        ),
      ).gateway.health;
      const refused = h.last24h.refused.reduce((n: number, r: { count: number }) => n + r.count, 0);
      return h.lastInboundAt && refused === 2 && h;
    }, 'the mailbox health to count what happened');
    await goTo(page, '/admin/mailboxes');
    const listed = page.getByRole('row').filter({ has: page.getByRole('link', { name: 'Biuro SMS' }) });
    await listed.waitFor();
    expect(await listed.getByRole('cell').allTextContents()).toEqual([
      'Biuro SMS',
      entry('SMSAPI').displayName,
      '+48739100200',
      'On',
      expect.any(String),
      expect.any(String),
    ]);
    const healthCell = (await listed.getByRole('cell').nth(4).textContent())!;
    expect(healthCell.startsWith(HEALTH_STATUS[health.status as keyof typeof HEALTH_STATUS].text)).toBe(true);
    for (const problem of health.problems) expect(healthCell).toContain(problem);
    // Last activity: the latest of the last inbound SMS, send and delivery report, as the console writes dates.
    const latest = [health.lastInboundAt, health.lastSentAt, health.lastDeliveryReportAt]
      .filter(Boolean)
      .map((iso: string) => new Date(iso))
      .sort((x, y) => y.getTime() - x.getTime())[0];
    const timeZone = await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone);
    const when = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(latest);
    expect(await listed.getByRole('cell').nth(5).textContent()).toBe(when);
    await expectAccessible(page, 'the mailbox list');
    await screenshot(page, 'mailboxes-list');
    await listed.getByRole('link', { name: 'Biuro SMS' }).click();
    await page.getByRole('heading', { level: 1, name: 'Mailbox Biuro SMS' }).waitFor();

    // The new mailbox's SMS go to a queue: a rule set through the rules screen, as the admin's next step.
    const queueId = await createQueue(t, admin, 'Biuro');
    await page.getByRole('link', { name: 'Message rules' }).click();
    const ruleForm = page.getByRole('form', { name: 'Add a rule' });
    await ruleForm.getByLabel('Name').fill('Biuro SMS to Biuro');
    await ruleForm.getByLabel('Retrieved from mailbox').selectOption({ label: 'Biuro SMS' });
    await ruleForm.getByLabel('Move to the queue').selectOption({ label: 'Biuro' });
    await ruleForm.getByRole('button', { name: 'Add rule' }).click();
    await expect
      .poll(() => page.getByRole('list', { name: 'Rules in walk order' }).textContent())
      .toContain('Retrieved from mailbox Biuro SMS → Move to the queue Biuro and stop');
    const rules = ok(await t.gql(`{ messageRules { gateway { id } queue { id } stop active } }`, {}, admin));
    expect(rules.messageRules).toEqual([{ gateway: { id }, queue: { id: queueId }, stop: true, active: true }]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("shows Plus MultiInfo's own fields, keeps prefixes the admin typed, and saves a Generic HTTP mailbox", async () => {
    const { page, context } = await openConsole(browser, t.url);
    await logIn(page, ADMIN.email, ADMIN.password);
    await goTo(page, '/admin/mailboxes/new');
    await page.getByLabel('Service provider').selectOption({ label: entry('MULTIINFO').displayName });
    for (const label of ['Service ID', 'Gateway host', 'SSL certificate auth', 'Gateway login', 'Gateway password'])
      await page.getByLabel(label, { exact: true }).waitFor();
    const prefixes = page.getByLabel('Prefixes to remove (comma separated list)');
    expect((await prefixes.inputValue()).split(',').map((p) => p.trim())).toEqual(
      entry('MULTIINFO').defaultPrefixesToRemove,
    );
    await prefixes.fill('+48, 0048');
    await page.getByLabel('Service provider').selectOption({ label: entry('SERWERSMS').displayName });
    expect(await prefixes.inputValue()).toBe('+48, 0048');
    expect(await page.getByLabel('SSL certificate auth').count()).toBe(0);

    // Generic HTTP: the send request is enough to save one; what the API set beyond it survives the form.
    await page.getByLabel('Name', { exact: true }).fill('Bramka HTTP');
    await page.getByLabel('Service provider').selectOption({ label: entry('GENERIC_HTTP').displayName });
    await page.getByLabel('Destination phone number').fill('+48 739 100 300');
    const urlTemplate = 'https://sms.example.com/send?to={to}&text={text}';
    await page.getByLabel('Send URL template').fill(urlTemplate);
    await page.getByRole('button', { name: 'Create mailbox' }).click();
    await page.getByRole('heading', { level: 1, name: 'Mailbox Bramka HTTP' }).waitFor();
    const id = page.url().split('/').at(-1)!;
    const HTTP = `query($id: ID!) { gateway(id: $id) { genericHttp { method urlTemplate inboundFromField } } }`;
    expect(ok(await t.gql(HTTP, { id }, admin)).gateway.genericHttp).toEqual({
      method: 'POST',
      urlTemplate,
      inboundFromField: 'from',
    });
    ok(
      await t.gql(
        `mutation($id: ID!, $i: GatewayUpdateInput!) { updateGateway(id: $id, input: $i) { id } }`,
        { id, i: { genericHttp: { urlTemplate, inboundFromField: 'sender' } } },
        admin,
      ),
    );
    await page.reload();
    await page.getByLabel('Send method').selectOption('GET');
    await page.getByRole('button', { name: 'Save' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: /^Saved\.$/ })
      .waitFor();
    expect(ok(await t.gql(HTTP, { id }, admin)).gateway.genericHttp).toEqual({
      method: 'GET',
      urlTemplate,
      inboundFromField: 'sender',
    });
    await context.close();
  });

  it('pages through a long inbound log with "Load more", and deletes the mailbox after a confirmation', async () => {
    const g = await createGateway(t, admin, {
      name: 'Long log',
      provider: 'SMSAPI',
      password: smsapi.token,
      destinationNumber: '+48739100400',
    });
    const PAGE = 20;
    for (let i = 0; i <= PAGE; i++)
      expect((await smsapiSms(t.url, { to: '48739100400', from: '48500600700', text: `nr ${i}` })).status).toBe(403);
    const { page, context } = await openConsole(browser, t.url);
    await logIn(page, ADMIN.email, ADMIN.password);
    await goTo(page, `/admin/mailboxes/${g.id}`);
    const log = page.getByRole('region', { name: 'Inbound event log' });
    const replayButtons = log.getByRole('button', { name: 'Replay' });
    await expect.poll(() => replayButtons.count()).toBe(PAGE);
    await log.getByRole('button', { name: 'Load more' }).click();
    await expect.poll(() => replayButtons.count()).toBe(PAGE + 1);
    expect(await log.getByRole('button', { name: 'Load more' }).count()).toBe(0);

    // Deleting asks once more, then the list no longer has it.
    await page.getByRole('button', { name: 'Delete mailbox' }).click();
    await page.getByRole('button', { name: 'Yes, delete "Long log"' }).click();
    await page.getByRole('heading', { level: 1, name: 'E-mail and SMS configuration' }).waitFor();
    await expect.poll(() => page.getByRole('link', { name: 'Long log' }).count()).toBe(0);
    expect(await t.sql(`select id from gateway where id = $1`, [Number(g.id)])).toEqual([]);
    await context.close();
  });
});

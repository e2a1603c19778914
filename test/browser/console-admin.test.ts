import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
import { ADMIN, codes, createAgent, createGateway, createQueue, createRule, ok, violations } from '../support/api';
import { startTestApp, type TestApp } from '../support/app';
import { describeWithChromium, launchChromium } from '../support/browser';
import { expectAccessible, goTo, logIn, openConsole, screenshot } from '../support/console';

/*
 * The administration screens an admin sets routing up with: message rules (made, reordered, switched off and
 * previewed through the forms), queues and their agents, users, and the system parameters; each change checked
 * against what the API then answers.
 */

const MAILBOX = 'Rules box';
const OTHER_MAILBOX = 'Spare box';
const SENDER = '+48600700800';

const RULES = `{ messageRules { id name position active stop gateway { id } queue { id name } } }`;
const PREVIEW = `query($g: ID!, $f: String!, $x: String!) {
  previewMessageRules(gatewayId: $g, from: $f, text: $x) { queueName usesDefaultQueue decidingRule { rule { name } } }
}`;

describeWithChromium('web console: message rules, queues and users, system parameters (in Chromium)', () => {
  let t: TestApp;
  let browser: Browser;
  let admin: string;
  let agent: { id: string };
  let gatewayId: string;
  let otherGatewayId: string;
  let sales: string;
  let support: string;

  beforeAll(async () => {
    browser = await launchChromium();
    t = await startTestApp();
    admin = await t.login();
    agent = await createAgent(t, admin, 'Rita Rules');
    const mailbox = (name: string, number: string) =>
      createGateway(t, admin, { name, provider: 'SMSAPI', password: 'tok-rules-1', destinationNumber: number });
    gatewayId = (await mailbox(MAILBOX, '48739100101')).id;
    otherGatewayId = (await mailbox(OTHER_MAILBOX, '48739100102')).id;
    sales = await createQueue(t, admin, 'Sales');
    support = await createQueue(t, admin, 'Support');
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  /** Errors each page logged or threw; none is expected, refusals included (they are answers, not failures). */
  const pageErrors = new Map<Page, string[]>();

  async function adminAt(route: string, heading: string): Promise<Page> {
    const { page, errors } = await openConsole(browser, t.url);
    pageErrors.set(page, errors);
    await logIn(page, ADMIN.email, ADMIN.password);
    await goTo(page, route);
    await page.getByRole('heading', { level: 1, name: heading }).waitFor();
    return page;
  }

  async function done(page: Page) {
    expect(pageErrors.get(page)).toEqual([]);
    await page.context().close();
  }

  const apiRules = async () => ok(await t.gql(RULES, {}, admin)).messageRules as any[];
  const apiPreview = async (text: string) =>
    ok(await t.gql(PREVIEW, { g: gatewayId, f: SENDER, x: text }, admin)).previewMessageRules;
  /** The text of the message shown under a control (its aria-describedby), as a screen reader reads it. */
  const describedBy = async (control: Locator) => {
    const ids = ((await control.getAttribute('aria-describedby')) ?? '').split(' ').filter(Boolean);
    const page = control.page();
    return (await Promise.all(ids.map((id) => page.locator(`[id="${id}"]`).textContent()))).join(' ');
  };

  it('makes a rule through the form, reorders, deactivates it, and previews as the API walks the rules', async () => {
    const page = await adminAt('/admin/rules', 'Message rules');
    const list = page.getByRole('list', { name: 'Rules in walk order' });
    const items = list.getByRole('listitem');

    const form = page.getByRole('form', { name: 'Add a rule' });
    await form.getByLabel('Name').fill('Rules box to Sales');
    await form.getByLabel('Retrieved from mailbox').selectOption({ label: MAILBOX });
    await form.getByLabel('Move to the queue').selectOption({ label: 'Sales' });
    expect(await form.getByLabel('and stop').isChecked()).toBe(true);
    expect(await form.getByLabel('Active').isChecked()).toBe(true);
    await form.getByRole('button', { name: 'Add rule' }).click();

    await expect
      .poll(() => items.first().textContent())
      .toContain(`Retrieved from mailbox ${MAILBOX} → Move to the queue Sales and stop`);
    await expect
      .poll(() => page.getByRole('main').getByRole('status').first().textContent())
      .toBe('Rule "Rules box to Sales" added.');
    let [first] = await apiRules();
    expect(first).toMatchObject({ name: 'Rules box to Sales', active: true, stop: true, gateway: { id: gatewayId } });
    expect(first.queue.id).toBe(sales);

    // A second rule, from any mailbox and without "stop": it goes after the first.
    await form.getByLabel('Name').fill('Anything to Support');
    await form.getByLabel('Retrieved from mailbox').selectOption({ label: 'any mailbox' });
    await form.getByLabel('Move to the queue').selectOption({ label: 'Support' });
    await form.getByLabel('and stop').uncheck();
    await form.getByRole('button', { name: 'Add rule' }).click();
    await expect.poll(() => items.count()).toBe(2);
    expect(await items.nth(1).textContent()).toContain('Retrieved from any mailbox → Move to the queue Support');
    expect(await items.nth(1).textContent()).not.toContain('and stop');
    expect((await apiRules()).map((r) => [r.name, r.gateway, r.queue.id, r.stop])).toEqual([
      ['Rules box to Sales', { id: gatewayId }, sales, true],
      ['Anything to Support', null, support, false],
    ]);

    // The preview answers what the API answers for the same message.
    const preview = page.getByRole('form', { name: 'Which queue would this SMS reach?' });
    await preview.getByLabel('Mailbox').selectOption({ label: MAILBOX });
    await preview.getByLabel('From').fill(SENDER);
    await preview.getByLabel('Text').fill('Hello');
    await preview.getByRole('button', { name: 'Show the queue' }).click();
    const answer = page.locator('.preview-result');
    const before = await apiPreview('Hello');
    await expect.poll(() => answer.textContent()).toContain(`reach the queue ${before.queueName}.`);
    expect(await answer.textContent()).toContain(`Decided by the rule "${before.decidingRule.rule.name}"`);

    // Move up, from the keyboard: the list and the API's walk order both change, and the focus stays on the rule.
    await items.nth(1).getByRole('button', { name: 'Move up' }).focus();
    await page.keyboard.press('Enter');
    const names = () => list.locator('.rule-head strong').allTextContents();
    await expect.poll(names).toEqual(['Anything to Support', 'Rules box to Sales']);
    expect((await apiRules()).map((r) => r.name)).toEqual(['Anything to Support', 'Rules box to Sales']);
    await expect.poll(() => page.locator(':focus').textContent()).toBe('Move down');
    expect(await items.first().textContent()).toContain('Anything to Support');

    // Deactivating the rule that decides: the list says so, the API agrees, and the preview follows.
    const salesRule = items.filter({ hasText: 'Rules box to Sales' });
    await salesRule.getByRole('button', { name: 'Deactivate' }).click();
    await expect.poll(() => salesRule.textContent()).toContain('Inactive');
    [first] = (await apiRules()).filter((r) => r.name === 'Rules box to Sales');
    expect(first.active).toBe(false);
    const after = await apiPreview('Hello');
    expect(after.queueName).not.toBe(before.queueName);
    await expect.poll(() => answer.textContent()).toContain(`reach the queue ${after.queueName}.`);

    await expectAccessible(page, 'message rules');
    await screenshot(page, 'admin-rules');

    // Deleting asks first; "Yes, delete" removes it from the list and from the API.
    await salesRule.getByRole('button', { name: 'Delete' }).click();
    await salesRule.getByRole('button', { name: 'Yes, delete' }).click();
    await expect.poll(() => items.count()).toBe(1);
    expect((await apiRules()).map((r) => r.name)).toEqual(['Anything to Support']);

    // Rules made elsewhere may share a position (the walk then goes by id) or leave gaps: moving one still
    // gives the API the order the list shows.
    await createRule(t, admin, { name: 'Same position', position: 0, queueId: sales });
    await createRule(t, admin, { name: 'After a gap', position: 7, queueId: support });
    await page.reload();
    const walked = async () => (await apiRules()).map((r) => r.name);
    await expect.poll(names).toEqual(await walked());
    expect(await names()).toEqual(['Anything to Support', 'Same position', 'After a gap']);
    await items.filter({ hasText: 'Same position' }).getByRole('button', { name: 'Move up' }).click();
    await expect.poll(names).toEqual(['Same position', 'Anything to Support', 'After a gap']);
    expect(await walked()).toEqual(await names());

    // Editing in place: the form opens with the focus on its title, and the list and the API take the change.
    await items.filter({ hasText: 'After a gap' }).getByRole('button', { name: 'Edit' }).click();
    const edit = page.getByRole('form', { name: 'Edit rule "After a gap"' });
    await expect.poll(() => page.locator(':focus').textContent()).toBe('Edit rule "After a gap"');
    await edit.getByLabel('Name').fill('From the box, then on');
    await edit.getByLabel('Retrieved from mailbox').selectOption({ label: MAILBOX });
    await edit.getByLabel('and stop').uncheck();
    await edit.getByRole('button', { name: 'Save rule' }).click();
    await expect
      .poll(() => items.last().textContent())
      .toContain(`Retrieved from mailbox ${MAILBOX} → Move to the queue Support`);
    expect(await items.last().textContent()).not.toContain('and stop');
    const edited = (await apiRules()).at(-1);
    expect(edited).toMatchObject({ name: 'From the box, then on', gateway: { id: gatewayId }, stop: false });
    await expect.poll(() => page.locator(':focus').textContent()).toBe('Edit');
    await done(page);
  });

  it('adds a queue with an agent, refuses a taken name next to "Name", assigns agents, and adds a user', async () => {
    const page = await adminAt('/admin/queues', 'Queues and users');
    const queueRows = page.getByRole('table').first().getByRole('row');
    const queueRow = (name: string) => queueRows.filter({ has: page.getByRole('rowheader', { name, exact: true }) });
    const form = page.getByRole('form', { name: 'Add a queue' });

    await form.getByLabel('Name').fill('Billing');
    await form.getByLabel('Rita Rules').check();
    await form.getByRole('button', { name: 'Add queue' }).click();
    const billing = queueRow('Billing');
    await expect.poll(() => billing.textContent()).toContain('Rita Rules');
    const queues = async () => ok(await t.gql(`{ queues { id name members { id } } }`, {}, admin)).queues as any[];
    expect((await queues()).find((q) => q.name === 'Billing').members).toEqual([{ id: agent.id }]);

    // A taken name: the API's own sentence under "Name", and no row added.
    const count = (await queues()).length;
    const refusal = await t.gql(`mutation { createQueue(input: { name: "Billing" }) { id } }`, {}, admin);
    const [taken] = violations(refusal);
    await form.getByLabel('Name').fill('Billing');
    await form.getByRole('button', { name: 'Add queue' }).click();
    await expect.poll(() => describedBy(form.getByLabel('Name'))).toContain(taken.message);
    expect(await form.getByLabel('Name').getAttribute('aria-invalid')).toBe('true');
    expect(await queueRow('Billing').count()).toBe(1);
    expect((await queues()).length).toBe(count);

    // Assigning an agent to a queue that had none.
    await queueRow('Support').getByRole('button', { name: 'Assign agents' }).click();
    const edit = page.getByRole('form', { name: 'Assign agents to "Support"' });
    await expect.poll(() => page.locator(':focus').textContent()).toBe('Assign agents to "Support"');
    await edit.getByLabel('Rita Rules').check();
    await edit.getByRole('button', { name: 'Save queue' }).click();
    await expect.poll(() => queueRow('Support').textContent()).toContain('Rita Rules');
    expect((await queues()).find((q) => q.id === support).members).toEqual([{ id: agent.id }]);
    expect(
      await queueRow('Support').getByRole('button', { name: 'Assign agents' }).locator(':scope:focus').count(),
    ).toBe(1);

    // A user made through the form can log in; deactivated, they cannot.
    const users = page.getByRole('form', { name: 'Add a user' });
    const email = `uma.${Date.now()}@agents.test`;
    await users.getByLabel('Name').fill('Uma User');
    await users.getByLabel('E-mail').fill(email);
    await users.getByLabel('Password').fill('uma-password-1');
    await users.getByLabel('Role').selectOption({ label: 'Agent' });
    await users.getByRole('button', { name: 'Add user' }).click();
    const uma = page.getByRole('row').filter({ hasText: email });
    await expect.poll(() => uma.textContent()).toContain('Active');
    expect(await uma.textContent()).toContain('Agent');
    expect(await t.login(email, 'uma-password-1')).toBeTruthy();

    await expectAccessible(page, 'queues and users');
    await screenshot(page, 'admin-queues');

    await uma.getByRole('button', { name: 'Deactivate' }).click();
    await expect.poll(() => uma.textContent()).toContain('Deactivated');
    const listed = ok(await t.gql(`{ users { email active } }`, {}, admin)).users as any[];
    expect(listed.find((u) => u.email === email).active).toBe(false);
    const loginAgain = `mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }`;
    expect(codes(await t.gql(loginAgain, { e: email, p: 'uma-password-1' }))).toEqual(['UNAUTHENTICATED']);
    await done(page);
  });

  it('keeps every member of a queue with more than one page of them when an agent is added', async () => {
    const crowd: string[] = [];
    for (let i = 0; i < 101; i += 20)
      crowd.push(
        ...(await Promise.all(
          Array.from({ length: Math.min(20, 101 - i) }, (_, j) =>
            createAgent(t, admin, `Crowd ${String(i + j).padStart(3, '0')}`).then((a) => a.id),
          ),
        )),
      );
    await createQueue(t, admin, 'Crowd', crowd);
    const membersOf = async (name: string) => {
      const ids: string[] = [];
      for (let after: string | null = null; ;) {
        const { queues }: { queues: any[] } = ok(
          await t.gql(`query($a: ID) { queues { name members(first: 100, after: $a) { id } } }`, { a: after }, admin),
        );
        const page: string[] = queues.find((q) => q.name === name).members.map((m: any) => m.id);
        ids.push(...page);
        if (page.length < 100) return ids;
        after = page[page.length - 1];
      }
    };
    expect(await membersOf('Crowd')).toHaveLength(101);

    const page = await adminAt('/admin/queues', 'Queues and users');
    const row = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'Crowd', exact: true }) });
    await row.getByRole('button', { name: 'Assign agents' }).click();
    const edit = page.getByRole('form', { name: 'Assign agents to "Crowd"' });
    // The 101st agent (past the first page) is ticked once the form has read every page.
    await expect.poll(() => edit.getByLabel('Crowd 100').isChecked()).toBe(true);
    await edit.getByLabel('Rita Rules').check();
    await edit.getByRole('button', { name: 'Save queue' }).click();
    await edit.waitFor({ state: 'detached' });
    expect(new Set(await membersOf('Crowd'))).toEqual(new Set([...crowd, agent.id]));
    await done(page);
  });

  it('sets the default SMS mailbox and shows a keyword list the API refuses next to that list', async () => {
    const page = await adminAt('/admin/settings', 'System parameters');
    const settings = async () =>
      ok(await t.gql(`{ settings { defaultSmsGateway { id name } optOutKeywords optInKeywords } }`, {}, admin))
        .settings;

    await page.getByLabel('Default SMS mailbox').selectOption({ label: OTHER_MAILBOX });
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.getByRole('main').getByRole('status').textContent()).toBe('System parameters saved.');
    expect((await settings()).defaultSmsGateway).toEqual({ id: otherGatewayId, name: OTHER_MAILBOX });
    await page.reload();
    await expect.poll(() => page.getByLabel('Default SMS mailbox').inputValue()).toBe(otherGatewayId);

    // A start keyword that is also a stop keyword: the API's refusal under the opt-in list, nothing stored.
    const before = await settings();
    const both = [...before.optInKeywords, before.optOutKeywords[0]];
    const refusal = await t.gql(
      `mutation($i: SettingsInput!) { updateSettings(input: $i) { optInKeywords } }`,
      { i: { optInKeywords: both } },
      admin,
    );
    const [overlap] = violations(refusal);
    const optIn = page.getByLabel('Opt-in keywords (comma separated list)');
    await optIn.fill(both.join(', '));
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => describedBy(optIn)).toContain(overlap.message);
    expect(await settings()).toEqual(before);

    await expectAccessible(page, 'system parameters');
    await screenshot(page, 'admin-settings');

    await optIn.fill(before.optInKeywords.join(', '));
    await page.getByLabel('Default SMS mailbox').selectOption({ label: 'None' });
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(async () => (await settings()).defaultSmsGateway).toBeNull();
    await done(page);
  });
});

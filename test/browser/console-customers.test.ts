import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { FakeSmsapi } from '../fakes/smsapi';
import { AGENT_PASSWORD, createAgent, createGateway, ok } from '../support/api';
import { startTestApp, type TestApp } from '../support/app';
import { describeWithChromium, launchChromium } from '../support/browser';
import { expectAccessible, goTo, logIn, openConsole, screenshot, type ConsolePage } from '../support/console';
import { FAST_OUTBOUND_ENV, SEND, settled } from '../support/outbound';

/*
 * Customers in the console, as an agent uses them in real Chromium against the real service: the search, the
 * card with each number's opt-out state (changed by hand from the card, checked against the API's history), and
 * "Send SMS" through an SMSAPI-shaped fake, where the live counter must say what the API then stores and bills.
 */

const ZOFIA = { name: 'Zofia Przybylska-Nowak', opted: '+48500700101', open: '+48500700102' };
const JAN = { name: 'Jan Kowalski', phone: '+48600700201' };

describeWithChromium('web console: customers, the card and Send SMS (in Chromium)', () => {
  let t: TestApp;
  let browser: Browser;
  let c: ConsolePage;
  let page: Page;
  let agent: { email: string; token: string };
  let admin: string;
  const smsapi = new FakeSmsapi();
  const mailbox: Record<'main' | 'replacing' | 'badSender', string> = { main: '', replacing: '', badSender: '' };
  const customer: Record<'zofia' | 'jan', string> = { zofia: '', jan: '' };

  const createCard = async (name: string, phoneNumbers: string[]) =>
    ok(
      await t.gql(
        `mutation($i: CustomerInput!) { createCustomer(input: $i) { id } }`,
        { i: { name, phoneNumbers } },
        admin,
      ),
    ).createCustomer.id as string;

  beforeAll(async () => {
    browser = await launchChromium();
    await smsapi.start();
    t = await startTestApp(FAST_OUTBOUND_ENV);
    admin = await t.login();
    agent = await createAgent(t, admin, 'Celina Agent');
    const smsapiMailbox = {
      provider: 'SMSAPI',
      password: smsapi.token,
      senderName: 'Helpdesk',
      apiBaseUrl: smsapi.url,
    };
    mailbox.main = (await createGateway(t, admin, { ...smsapiMailbox, name: 'SMSAPI main' })).id;
    mailbox.replacing = (
      await createGateway(t, admin, { ...smsapiMailbox, name: 'SMSAPI Latin letters', replacePolishDiacritics: true })
    ).id;
    // Peoplefone's API has no sender field, so the API refuses to send through a mailbox that names one.
    mailbox.badSender = (
      await createGateway(t, admin, {
        name: 'Peoplefone with sender',
        provider: 'PEOPLEFONE',
        password: 'k',
        senderName: 'ACME',
        apiBaseUrl: 'http://127.0.0.1:9',
      })
    ).id;
    ok(
      await t.gql(
        `mutation($g: ID!) { updateSettings(input: { defaultSmsGatewayId: $g }) { defaultSmsGateway { id } } }`,
        { g: mailbox.main },
        admin,
      ),
    );
    customer.zofia = await createCard(ZOFIA.name, [ZOFIA.opted, ZOFIA.open]);
    customer.jan = await createCard(JAN.name, [JAN.phone]);
    await createCard('Zbigniew Przybysz', ['+48600700301']);
    c = await openConsole(browser, t.url);
    page = c.page;
    await logIn(page, agent.email, AGENT_PASSWORD);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await smsapi.stop();
  });

  const resultNames = () => page.getByRole('table').getByRole('row').locator('td:first-child').allTextContents();

  async function search(text: string) {
    await page.getByLabel('Search', { exact: true }).fill(text);
    await page.getByRole('button', { name: 'Search', exact: true }).click();
  }

  /** Through the search screen, so that the card opens afresh (read anew, its Send SMS form closed). */
  async function openCard(customerId: string) {
    await goTo(page, '/customers');
    await page.getByRole('heading', { level: 1, name: 'Customers' }).waitFor();
    await goTo(page, `/customers/${customerId}`);
  }

  async function openSendSms(customerId: string) {
    await openCard(customerId);
    await page.getByRole('button', { name: 'Send SMS' }).click();
    await page.getByRole('heading', { name: 'Send SMS' }).waitFor();
  }

  /** The live counter as the agent reads it: "161 characters · 2 parts · GSM-7". */
  async function counter() {
    const text = (await page.getByRole('status', { name: 'Length' }).textContent()) ?? '';
    const m = /(\d+) characters · (\d+) parts? · (GSM-7|Unicode)/.exec(text);
    if (!m) throw new Error(`the counter says "${text}"`);
    return { units: Number(m[1]), parts: Number(m[2]), encoding: m[3] === 'GSM-7' ? 'GSM7' : 'UCS2' };
  }

  /** Types the text and sends; answers the stored message, read through the API from the ticket the notice links. */
  async function send(text: string) {
    await page.getByLabel('Text', { exact: true }).fill(text);
    const counted = await counter();
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    const notice = page.getByRole('status').filter({ hasText: 'Queued' });
    await notice.waitFor();
    const href = (await notice.getByRole('link').getAttribute('href')) ?? '';
    const ticketId = /#\/tickets\/(\d+)$/.exec(href)?.[1];
    expect(ticketId, href).toBeTruthy();
    const messages = ok(
      await t.gql(
        `query($id: ID!) { ticket(id: $id) { messages(first: 100) { id text parts encoding status gateway { id } } } }`,
        { id: ticketId },
        agent.token,
      ),
    ).ticket.messages;
    const stored = messages.at(-1);
    return { counted, stored, notice: await notice.textContent(), ticketId: ticketId! };
  }

  it('finds a customer by part of the name and by phone digits, and opens the card', async () => {
    await goTo(page, '/customers');
    await page.getByRole('heading', { level: 1, name: 'Customers' }).waitFor();
    await search('przybyl');
    await expect.poll(resultNames).toEqual([ZOFIA.name]);
    await search('700102');
    await expect.poll(resultNames).toEqual([ZOFIA.name]);
    await expect
      .poll(() => page.getByRole('row', { name: new RegExp(ZOFIA.name) }).textContent())
      .toContain(ZOFIA.open);
    await search('przyby');
    await expect.poll(resultNames).toEqual(['Zbigniew Przybysz', ZOFIA.name]);
    // A page is 20 cards; "Load more" reads on from the last cursor until there is no next page.
    for (let i = 1; i <= 21; i++) await createCard(`Wiśniewska ${String(i).padStart(2, '0')}`, []);
    await search('wiśniewska');
    await expect.poll(async () => (await resultNames()).length).toBe(20);
    await page.getByRole('button', { name: 'Load more' }).click();
    await expect.poll(async () => (await resultNames()).at(-1)).toBe('Wiśniewska 21');
    expect(await resultNames()).toHaveLength(21);
    expect(await page.getByRole('button', { name: 'Load more' }).count()).toBe(0);
    await search('przyby');
    await expect.poll(resultNames).toEqual(['Zbigniew Przybysz', ZOFIA.name]);
    await expectAccessible(page, 'the customer search');
    await screenshot(page, 'customers-search');
    await page.getByRole('link', { name: ZOFIA.name }).click();
    await page.getByRole('heading', { level: 1, name: ZOFIA.name }).waitFor();
    expect(page.url()).toMatch(new RegExp(`#/customers/${customer.zofia}$`));
  });

  it("shows an opted-out number's state in words, and refuses Send SMS to it with when and how", async () => {
    const optOut = ok(
      await t.gql(
        `mutation($p: String!) { setOptOut(phoneNumber: $p, optedOut: true, reason: "asked by phone") { changedAt } }`,
        { p: ZOFIA.opted },
        agent.token,
      ),
    ).setOptOut;
    await openCard(customer.zofia);
    const row = page.getByRole('row', { name: new RegExp(`^${ZOFIA.opted.replace('+', '\\+')}`) });
    await expect.poll(() => row.textContent()).toContain('Opted out since');
    expect(await row.textContent()).toContain('How: set by hand (Celina Agent)');
    expect(await row.textContent()).toContain('Reason: asked by phone');
    expect(await page.getByRole('row', { name: new RegExp(ZOFIA.open.replace('+', '\\+')) }).textContent()).toContain(
      'May be texted',
    );
    await expectAccessible(page, 'the customer card');
    await screenshot(page, 'customers-card');

    await page.getByRole('button', { name: 'Send SMS' }).click();
    await page.getByLabel('Recipient').selectOption(ZOFIA.opted);
    await page.getByLabel('Text', { exact: true }).fill('Your parcel is ready');
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    const refusal = page.getByRole('alert').filter({ hasText: 'opted out' });
    await refusal.waitFor();
    const timeZone = await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone);
    const when = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(
      new Date(optOut.changedAt),
    );
    expect(await refusal.textContent()).toContain(`Not sent: ${ZOFIA.opted} opted out on ${when}: set by hand.`);
    const [{ n }] = await t.sql(`select count(*)::int as n from message where to_address = $1`, [ZOFIA.opted]);
    expect(n).toBe(0);
    await expectAccessible(page, 'the Send SMS form with a refusal');
    await screenshot(page, 'customers-send-sms-refused');
  });

  it('opts a number back in from the card, and the opt-out history agrees', async () => {
    await openCard(customer.zofia);
    await page.getByRole('button', { name: `Opt back in ${ZOFIA.opted}` }).click();
    await page.getByLabel('Reason').fill('customer called back');
    await page.getByRole('button', { name: 'Opt back in', exact: true }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `${ZOFIA.opted} may be texted again.` })
      .waitFor();
    await expect
      .poll(() => page.getByRole('row', { name: new RegExp(ZOFIA.opted.replace('+', '\\+')) }).textContent())
      .toContain('May be texted');
    const history = ok(
      await t.gql(
        `query($p: String!) { optOutHistory(phoneNumber: $p) { optedOut source reason changedBy { name } } }`,
        { p: ZOFIA.opted },
        agent.token,
      ),
    ).optOutHistory;
    expect(history[0]).toEqual({
      optedOut: false,
      source: 'MANUAL',
      reason: 'customer called back',
      changedBy: { name: 'Celina Agent' },
    });
  });

  it('counts characters, parts and encoding as the API stores them, through the default mailbox', async () => {
    await openSendSms(customer.jan);
    const settings = ok(await t.gql(`{ settings { defaultSmsGateway { id } } }`, {}, agent.token)).settings;
    expect(settings.defaultSmsGateway.id).toBe(mailbox.main);
    expect(await page.getByLabel('Mailbox').inputValue()).toBe(mailbox.main);
    // The default mailbox does not replace Polish letters: no such option.
    expect(await page.getByLabel('Replace Polish letters').count()).toBe(0);

    const text = page.getByLabel('Text', { exact: true });
    await text.fill('a'.repeat(160));
    await expect.poll(counter).toEqual({ units: 160, parts: 1, encoding: 'GSM7' });
    await text.fill('a'.repeat(161));
    await expect.poll(counter).toEqual({ units: 161, parts: 2, encoding: 'GSM7' });
    await text.fill('ą' + 'a'.repeat(69));
    await expect.poll(counter).toEqual({ units: 70, parts: 1, encoding: 'UCS2' });
    await text.fill('ą' + 'a'.repeat(70));
    await expect.poll(counter).toEqual({ units: 71, parts: 2, encoding: 'UCS2' });

    const gsm = await send('Your order 812 is ready. '.repeat(8));
    expect(gsm.counted).toMatchObject({ parts: 2, encoding: 'GSM7' });
    expect(gsm.stored).toMatchObject({ parts: gsm.counted.parts, encoding: gsm.counted.encoding });
    expect(gsm.stored.gateway.id).toBe(mailbox.main);
    expect(gsm.notice).toContain(`Queued: to ${JAN.phone} through “SMSAPI main”, 2 parts, on ticket #${gsm.ticketId}`);
    expect(['QUEUED', 'SENT']).toContain(gsm.stored.status);

    const unicode = await send('Zamówienie 812 czeka na odbiór w punkcie. '.repeat(3));
    expect(unicode.counted).toMatchObject({ parts: 2, encoding: 'UCS2' });
    expect(unicode.stored).toMatchObject({ parts: unicode.counted.parts, encoding: unicode.counted.encoding });
    const sent = await settled(t, agent.token, { id: unicode.stored.id, ticket: { id: unicode.ticketId } }, 'SENT');
    expect(sent.gateway).toMatchObject({ id: mailbox.main });
    expect(smsapi.sent.at(-1)!.to.replace(/^\+/, '')).toBe(JAN.phone.slice(1));
    // The card lists the conversation's ticket, linking to it.
    await page.getByRole('link', { name: `Ticket #${unicode.ticketId}`, exact: true }).waitFor();
  });

  it('offers "Replace Polish letters" on a mailbox that has it; unchecked, the text goes as typed, in Unicode', async () => {
    await openSendSms(customer.jan);
    await page.getByLabel('Mailbox').selectOption(mailbox.replacing);
    const replace = page.getByLabel('Replace Polish letters');
    expect(await replace.isChecked()).toBe(true);
    const typed = 'Zażółć gęślą jaźń';
    await page.getByLabel('Text', { exact: true }).fill(typed);
    await expect.poll(counter).toEqual({ units: typed.length, parts: 1, encoding: 'GSM7' });
    await replace.uncheck();
    await expect.poll(counter).toEqual({ units: typed.length, parts: 1, encoding: 'UCS2' });
    const asTyped = await send(typed);
    expect(asTyped.stored).toMatchObject({
      text: typed,
      encoding: 'UCS2',
      parts: 1,
      gateway: { id: mailbox.replacing },
    });

    await replace.check();
    const replaced = await send(typed);
    expect(replaced.counted).toMatchObject({ encoding: 'GSM7', parts: 1 });
    expect(replaced.stored).toMatchObject({ text: 'Zazolc gesla jazn', encoding: 'GSM7', parts: 1 });
  });

  it("shows the API's message for a bad recipient number next to the recipient field", async () => {
    await openSendSms(customer.jan);
    const recipient = page.getByLabel('Recipient');
    await recipient.fill('12ab');
    await page.getByLabel('Text', { exact: true }).fill('Hello');
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    const fieldError = page.locator('.field').filter({ has: recipient }).getByRole('alert');
    await fieldError.waitFor();
    const api = await t.gql(SEND, { i: { customerId: customer.jan, to: '12ab', text: 'Hello' } }, agent.token);
    const message = api.errors?.[0]?.extensions?.violations?.find((v: { field: string }) => v.field === 'to')?.message;
    expect(message).toBeTruthy();
    expect(await fieldError.textContent()).toBe(message);
    expect(await recipient.getAttribute('aria-invalid')).toBe('true');

    // A sender name the provider refuses is the mailbox's fault: the API's message stands by "Mailbox".
    await recipient.fill(JAN.phone);
    const mailboxField = page.getByLabel('Mailbox');
    await mailboxField.selectOption(mailbox.badSender);
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    const senderError = page.locator('.field').filter({ has: mailboxField }).getByRole('alert');
    await expect.poll(() => senderError.textContent()).toContain('clear the sender name "ACME" of the mailbox');
    expect(await fieldError.count()).toBe(0);
    expect(c.foreign).toEqual([]);
    expect(c.errors.filter((e) => !/40\d|Failed to load resource/.test(e))).toEqual([]);
  });

  it('creates a customer card; a number that is not one is refused next to its field', async () => {
    await goTo(page, '/customers');
    await page.getByRole('button', { name: 'New customer card' }).click();
    await page.getByLabel('Name').fill('Halina Kamińska');
    const phones = page.getByLabel('Phone numbers');
    await phones.fill('500 700 401, 12ab');
    await page.getByLabel('E-mail').fill('halina@example.com');
    await page.getByRole('button', { name: 'Create card' }).click();
    const fieldError = page.locator('.field').filter({ has: phones }).getByRole('alert');
    await expect.poll(() => fieldError.textContent()).toContain('12ab');
    await phones.fill('500 700 401, +48 600 700 402');
    await page.getByRole('button', { name: 'Create card' }).click();
    await page.getByRole('heading', { level: 1, name: 'Halina Kamińska' }).waitFor();
    const id = /#\/customers\/(\d+)$/.exec(page.url())?.[1];
    const stored = ok(await t.gql(`query($id: ID!) { customer(id: $id) { phoneNumbers email } }`, { id }, agent.token));
    expect(stored.customer).toEqual({ phoneNumbers: ['+48500700401', '+48600700402'], email: 'halina@example.com' });
  });
});

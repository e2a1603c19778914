import crypto from 'node:crypto';
import fs from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page, WebSocketRoute } from 'playwright-core';
import { smsapiDlrUrl, smsapiMms, smsapiSms } from '../fakes/push/providers';
import { FakeSmsapi } from '../fakes/smsapi';
import {
  ADMIN,
  AGENT_PASSWORD,
  createAgent,
  createCustomer,
  createGateway,
  createQueue,
  createRule,
  ok,
} from '../support/api';
import { startTestApp, type TestApp } from '../support/app';
import { describeWithChromium, launchChromium } from '../support/browser';
import { expectAccessible, goTo, logIn, openConsole, screenshot, type ConsolePage } from '../support/console';
import { FAST_OUTBOUND_ENV } from '../support/outbound';
import { waitFor } from '../support/wait';

/*
 * The agents' desk in Chromium against the real service: an SMS that a provider pushes reaches the bell of the
 * agent of its queue live (and no one else's), opens as a ticket, is answered, and the answer's delivery report
 * shows on the screen as it comes; the queue view follows new messages; after the socket was lost, the bell
 * lists what was missed exactly once.
 */

/** Our SMSAPI number, as SMSAPI writes it. */
const OUR = '48732123400';
const ANNA = { name: 'Anna Nowak', phone: '+48500600700', sms: '48500600700' };
const JAN = { name: 'Jan Kowalski', phone: '+48500600701', sms: '48500600701' };
let msgSeq = 0;
/** How long a live change may take to show: a webhook, its transaction, the push and a render. */
const LIVE = { timeout: 10_000 };

/**
 * The page's own GraphQL socket, passed through the test so that it can see what the page subscribes to and cut
 * the connection as a network would; while `down`, new connections are closed at once, as a server away would.
 */
interface Relay {
  /** Everything the page sent on its sockets, in order. */
  sent: string[];
  /** Closes the page's socket (1012: the code the service uses when it restarts) and refuses new ones. */
  drop(): Promise<void>;
  /** Lets the page connect again. */
  restore(): void;
  /** Waits until the page has sent a subscribe for `operation` after the first `since` messages. */
  subscribed(operation: string, since?: number): Promise<void>;
}

async function relaySocket(context: BrowserContext): Promise<Relay> {
  const sent: string[] = [];
  let open: WebSocketRoute | null = null;
  let down = false;
  await context.routeWebSocket(
    (url) => url.pathname === '/graphql',
    (ws) => {
      if (down) return ws.close({ code: 1012, reason: 'the test keeps the service away' });
      const server = ws.connectToServer();
      ws.onMessage((m) => {
        sent.push(String(m));
        server.send(m);
      });
      server.onMessage((m) => ws.send(m));
      open = ws;
    },
  );
  return {
    sent,
    async drop() {
      down = true;
      await open?.close({ code: 1012, reason: 'the test cut the connection' });
    },
    restore() {
      down = false;
    },
    async subscribed(operation, since = 0) {
      const pattern = new RegExp(`"type":"subscribe".*subscription ${operation}\\b`);
      await expect.poll(() => sent.slice(since).some((m) => pattern.test(m)), { timeout: 10_000 }).toBe(true);
    },
  };
}

const setCountries = `mutation($id: ID!, $c: [String!]) { updateGateway(id: $id, input: { allowedCountries: $c }) { id } }`;

/** The bell, whose accessible name carries the unread count. */
const bell = (page: Page) => page.getByRole('button', { name: /^Notifications, \d+ unread$/ });
/** The bell's name as a screen reader says it. */
const bellName = (page: Page) => bell(page).getAttribute('aria-label');
const notificationList = (page: Page) => page.getByRole('region', { name: 'Notifications' });

async function openList(page: Page) {
  if ((await bell(page).getAttribute('aria-expanded')) !== 'true') await bell(page).click();
  await notificationList(page).waitFor();
}

describeWithChromium('web console: tickets and the notification bell (in Chromium)', () => {
  let t: TestApp;
  let browser: Browser;
  const smsapi = new FakeSmsapi();
  let agentA: { id: string; token: string; email: string };
  let agentB: { id: string; token: string; email: string };
  let a: ConsolePage;
  let b: ConsolePage;
  let relayA: Relay;
  let relayB: Relay;
  let ticketId: string;
  let admin: string;
  let queueA: string;
  let gatewayId: string;

  /** An SMS from `from` to our SMSAPI number, as SMSAPI's webhook brings it. */
  async function smsFrom(from: string, text: string) {
    expect(await smsapiSms(t.url, { to: OUR, from, text, msgId: `TKT-${++msgSeq}` })).toMatchObject({ status: 200 });
  }

  async function unreadOf(token: string): Promise<number> {
    return ok(await t.gql(`{ unreadNotificationCount }`, {}, token)).unreadNotificationCount;
  }

  beforeAll(async () => {
    await smsapi.start();
    browser = await launchChromium();
    t = await startTestApp(FAST_OUTBOUND_ENV);
    admin = await t.login();
    agentA = await createAgent(t, admin, 'Alicja Agent');
    agentB = await createAgent(t, admin, 'Bartek Agent');
    queueA = await createQueue(t, admin, 'Shop orders', [agentA.id]);
    await createQueue(t, admin, 'Invoices', [agentB.id]);
    ({ id: gatewayId } = await createGateway(t, admin, {
      name: 'SMSAPI desk',
      provider: 'SMSAPI',
      password: smsapi.token,
      senderName: 'Helpdesk',
      apiBaseUrl: smsapi.url,
      destinationNumber: OUR,
      incomingActive: true,
    }));
    await createRule(t, admin, {
      name: 'SMSAPI desk to shop orders',
      position: 0,
      gatewayId,
      queueId: queueA,
      stop: true,
    });
    await createCustomer(t, admin, ANNA.name, ANNA.phone);
    await createCustomer(t, admin, JAN.name, JAN.phone);

    a = await openConsole(browser, t.url);
    b = await openConsole(browser, t.url);
    relayA = await relaySocket(a.context);
    relayB = await relaySocket(b.context);
    // A locator that finds nothing fails the test in time, instead of waiting for it to end.
    for (const c of [a, b]) c.page.setDefaultTimeout(10_000);
    await logIn(a.page, agentA.email, AGENT_PASSWORD);
    await logIn(b.page, agentB.email, AGENT_PASSWORD);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await smsapi.stop();
  });

  it("shows an [SMS] live in the bell of the queue's agent, and not in another agent's", async () => {
    await relayA.subscribed('NotificationsAdded');
    await relayB.subscribed('NotificationsAdded');
    await expect.poll(() => bellName(a.page), LIVE).toBe('Notifications, 0 unread');
    await expect.poll(() => bellName(b.page), LIVE).toBe('Notifications, 0 unread');

    await smsFrom(ANNA.sms, 'Dzień dobry, gdzie jest moja paczka?');

    await expect.poll(() => bellName(a.page), LIVE).toBe('Notifications, 1 unread');
    expect(await a.page.locator('header .bell-count').textContent()).toBe('1');
    await openList(a.page);
    const entry = notificationList(a.page).getByRole('link', { name: /^\[SMS\] Anna Nowak: Dzień dobry/ });
    await entry.waitFor();
    await expect
      .poll(() => notificationList(a.page).getByRole('listitem').first().textContent(), LIVE)
      .toMatch(/^Unread/);
    await expectAccessible(a.page, 'the open notification list');
    await screenshot(a.page, 'notifications');

    // A has seen it: B, subscribed all along, was told nothing.
    expect(await bellName(b.page)).toBe('Notifications, 0 unread');
    await openList(b.page);
    await notificationList(b.page).getByText('No notifications yet.').waitFor();
    expect(await notificationList(b.page).getByRole('link').count()).toBe(0);
    expect(await unreadOf(agentB.token)).toBe(0);

    // A opens it: the ticket with the customer's text, and the notification is read.
    await entry.click();
    await a.page.getByRole('heading', { level: 1, name: /^Ticket \d+: Anna Nowak$/ }).waitFor();
    ticketId = /#\/tickets\/(\d+)/.exec(a.page.url())![1];
    const conversation = a.page.getByRole('list', { name: 'Messages, oldest first' });
    await conversation.getByText('Dzień dobry, gdzie jest moja paczka?').waitFor();
    expect(await conversation.getByRole('listitem').first().textContent()).toMatch(
      /^From the customer \(\+48500600700\)/,
    );
    await expect.poll(() => bellName(a.page), LIVE).toBe('Notifications, 0 unread');
    expect(await unreadOf(agentA.token)).toBe(0);
  });

  it('sends a reply, whose delivery status turns to Delivered live when the report comes', async () => {
    const { page } = a;
    await page.getByRole('link', { name: ANNA.name, exact: true }).waitFor();
    expect(await page.getByRole('link', { name: ANNA.name, exact: true }).getAttribute('href')).toMatch(
      /#\/customers\/\d+$/,
    );
    await relayA.subscribed('TicketsMessageStatus');
    await page.evaluate(() => ((globalThis as unknown as { sameDocument: boolean }).sameDocument = true));

    // An empty reply is the API's to refuse, next to the field.
    await page.getByRole('button', { name: 'Send reply' }).click();
    const field = page.getByRole('textbox', { name: 'Reply' });
    await expect.poll(() => field.getAttribute('aria-invalid'), LIVE).toBe('true');
    expect(await page.locator('.field-error').textContent()).toMatch(/empty/);

    await field.fill('Paczka wyszła dziś rano.');
    await page.getByRole('button', { name: 'Send reply' }).click();
    const reply = page.getByRole('listitem').filter({ hasText: 'Paczka wyszła dziś rano.' });
    await expect.poll(() => reply.textContent(), LIVE).toMatch(/^Reply by Alicja Agent/);
    const status = reply.getByRole('status');
    await expect.poll(() => status.textContent(), LIVE).toMatch(/^Delivery: (Queued|Sent)$/);
    expect(await field.inputValue()).toBe('');

    // The fake provider accepted it: SENT, with the provider's id that its delivery report will name.
    const sent = await waitFor(async () => {
      const r = ok(
        await t.gql(
          `query($id: ID!) { ticket(id: $id) { messages { direction status providerMessageId } } }`,
          { id: ticketId },
          agentA.token,
        ),
      );
      const m = r.ticket.messages.find((x: { direction: string }) => x.direction === 'OUTBOUND');
      return m?.status === 'SENT' ? (m as { providerMessageId: string }) : undefined;
    }, 'the reply to be SENT');
    await expect.poll(() => status.textContent(), LIVE).toBe('Delivery: Sent');
    expect(await smsapi.pushDlr(smsapiDlrUrl(t.url), [{ id: sent.providerMessageId, status: 404 }])).toEqual([
      { status: 200, body: 'OK' },
    ]);
    await expect.poll(() => status.textContent(), LIVE).toMatch(/^Delivery: Delivered \d/);
    expect(await page.evaluate(() => (globalThis as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true);
    await expectAccessible(page, 'the ticket thread');
    await screenshot(page, 'ticket-thread');
    // Oldest first: the customer's message, then the reply.
    const said = await page
      .getByRole('list', { name: 'Messages, oldest first' })
      .getByRole('listitem')
      .allTextContents();
    expect(said.map((m) => /^(From the customer|Reply by)/.exec(m)?.[0])).toEqual(['From the customer', 'Reply by']);
  });

  it('shows an MMS that joins the open conversation live, its file downloadable with the session', async () => {
    const { page } = a;
    const photo = crypto.randomBytes(3000);
    const pushed = await smsapiMms(t.url, {
      to: OUR,
      from: ANNA.sms,
      subject: 'Zdjęcie paczki',
      files: [
        { field: 'file1', filename: 'paczka.jpg', contentType: 'image/jpeg', data: photo },
        { field: 'file2', filename: 'text.txt', contentType: 'text/plain', data: Buffer.from('Tak wygląda') },
      ],
    });
    expect(pushed).toMatchObject({ status: 200 });
    // The bell says it too; marked read from the list, without opening its ticket again.
    const unread = await unreadOf(agentA.token);
    expect(unread).toBeGreaterThan(0);
    await expect.poll(() => bellName(page), LIVE).toBe(`Notifications, ${unread} unread`);
    await openList(page);
    const entry = notificationList(page)
      .getByRole('listitem')
      .filter({ has: page.getByRole('link', { name: /^\[MMS\] Anna Nowak/ }) });
    await entry.getByRole('button', { name: 'Mark read' }).click();
    await expect.poll(() => bellName(page), LIVE).toBe(`Notifications, ${unread - 1} unread`);
    expect(await unreadOf(agentA.token)).toBe(unread - 1);
    expect(await entry.getByRole('button', { name: 'Mark read' }).count()).toBe(0);
    await bell(page).click();

    const mms = page
      .getByRole('list', { name: 'Messages, oldest first' })
      .getByRole('listitem')
      .filter({ hasText: 'Tak wygląda' });
    await expect.poll(() => mms.textContent(), LIVE).toMatch(/^From the customer \(\+48500600700\) · MMS/);
    expect(await mms.getByText('Subject: Zdjęcie paczki').count()).toBe(1);
    const link = mms.getByRole('link', { name: /^paczka\.jpg \(image\/jpeg, 3 kB\)$/ });
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    expect(download.suggestedFilename()).toBe('paczka.jpg');
    expect(Buffer.compare(fs.readFileSync(await download.path()), photo)).toBe(0);
  });

  it('lists the queue with the ticket, and moves a ticket with a new message to the top live', async () => {
    const { page } = a;
    await smsFrom(JAN.sms, 'Proszę o fakturę.');
    const since = relayA.sent.length;
    await goTo(page, '/tickets');
    await page.getByRole('heading', { level: 1, name: 'Tickets' }).waitFor();
    // Alicja is a member of "Shop orders" only: the desk opens on it.
    const queue = page.getByRole('combobox', { name: 'Queue' });
    expect(await queue.inputValue()).toBe(queueA);
    expect(await queue.locator('option:checked').textContent()).toBe('Shop orders');
    const customers = () => page.getByRole('table').locator('tbody tr td:first-child').allTextContents();
    await expect.poll(customers, LIVE).toEqual([JAN.name, ANNA.name]);
    expect(await page.getByRole('link', { name: ANNA.name, exact: true }).getAttribute('href')).toBe(
      `#/tickets/${ticketId}`,
    );
    await expectAccessible(page, 'the queue view');
    await screenshot(page, 'ticket-queue');
    await relayA.subscribed('TicketsQueueUpdated', since);

    await smsFrom(ANNA.sms, 'A kiedy dotrze?');
    await expect.poll(customers, LIVE).toEqual([ANNA.name, JAN.name]);
    // A number without a card: a new ticket, at the top.
    await smsFrom('48500600799', 'Czy macie rozmiar M?');
    await expect.poll(customers, LIVE).toEqual(['+48500600799', ANNA.name, JAN.name]);
  });

  it('after the socket was lost, lists every notification it missed exactly once, with the right count', async () => {
    const { page } = a;
    const connects = () => relayA.sent.filter((m) => m.includes('"type":"connection_init"')).length;
    const connectsBefore = connects();
    await relayA.drop();
    const missed = ['Pierwsza w przerwie', 'Druga w przerwie', 'Trzecia w przerwie'];
    for (const text of missed) await smsFrom(JAN.sms, text);
    const expected = await unreadOf(agentA.token);
    expect(expected).toBeGreaterThanOrEqual(missed.length);
    relayA.restore();
    await expect.poll(connects, { timeout: 20_000 }).toBeGreaterThan(connectsBefore);

    // The count comes back with the catch-up, before anyone opens the list.
    await expect.poll(() => bellName(page), { timeout: 20_000 }).toBe(`Notifications, ${expected} unread`);
    await openList(page);
    for (const text of missed)
      expect(
        await notificationList(page)
          .getByRole('link', { name: new RegExp(`${text}$`) })
          .count(),
      ).toBe(1);
    const titles = await notificationList(page).getByRole('link').allTextContents();
    expect(new Set(titles).size).toBe(titles.length);

    await notificationList(page).getByRole('button', { name: 'Mark all read' }).click();
    await expect.poll(() => bellName(page), LIVE).toBe('Notifications, 0 unread');
    expect(await unreadOf(agentA.token)).toBe(0);
    expect(await notificationList(page).getByText('Unread', { exact: true }).count()).toBe(0);
  });

  it("shows an [ALERT] live in an admin's bell with what to fix, and marks it read", async () => {
    const c = await openConsole(browser, t.url);
    c.page.setDefaultTimeout(10_000);
    const relay = await relaySocket(c.context);
    await logIn(c.page, ADMIN.email, ADMIN.password);
    await relay.subscribed('NotificationsAdded');
    const before = await unreadOf(admin);
    await expect.poll(() => bellName(c.page), LIVE).toBe(`Notifications, ${before} unread`);

    // Webhooks with a wrong token, refused often enough for the alert check (run now, not on its timer).
    for (let i = 0; i < t.config.alerts.refusals; i++)
      await smsapiSms(
        t.url,
        { to: OUR, from: JAN.sms, text: 'Bad token', msgId: `BAD-${i}` },
        { token: 'not-our-token-1' },
      );
    await t.app.services.alerts.check(t.orm.em.fork(), new Date());
    const after = await unreadOf(admin);
    expect(after).toBeGreaterThan(before);
    const alerts = ok(await t.gql(`{ notifications(last: 20) { edges { node { kind title body } } } }`, {}, admin))
      .notifications.edges.map((e: any) => e.node)
      .filter((n: any) => n.kind === 'ALERT' && n.title.includes('webhooks refused'));
    expect(alerts).toHaveLength(1);
    const [raised] = alerts;

    await expect.poll(() => bellName(c.page), LIVE).toBe(`Notifications, ${after} unread`);
    await openList(c.page);
    const alert = notificationList(c.page).getByRole('listitem').filter({ hasText: raised.title });
    expect(await alert.textContent()).toMatch(/^Unread/);
    expect(await alert.textContent()).toContain(raised.body);
    await alert.getByRole('button', { name: 'Mark read' }).click();
    await expect.poll(() => bellName(c.page), LIVE).toBe(`Notifications, ${after - 1} unread`);
    expect(await unreadOf(admin)).toBe(after - 1);
    expect(c.errors).toEqual([]);
    await c.context.close();
  });

  it('says why replies to an opted-out number, to a country the mailbox may not send to or on a closed ticket are refused', async () => {
    const { page } = a;
    await goTo(page, '/tickets');
    const since = relayA.sent.length;
    await page.getByRole('link', { name: JAN.name, exact: true }).click();
    await page.getByRole('heading', { level: 1, name: /^Ticket \d+: Jan Kowalski$/ }).waitFor();
    const janTicket = /#\/tickets\/(\d+)/.exec(page.url())![1];
    await relayA.subscribed('TicketsThreadUpdated', since);

    // The customer asks by phone not to be texted; the open ticket says so as soon as it is recorded.
    ok(
      await t.gql(
        `mutation($p: String!) { setOptOut(phoneNumber: $p, optedOut: true, reason: "asked by phone") { optedOut } }`,
        { p: JAN.phone },
        agentA.token,
      ),
    );
    const note = page.getByRole('note').filter({ hasText: 'Replies are refused' });
    await expect
      .poll(() => note.textContent(), LIVE)
      .toMatch(/\+48500600701 opted out on .*set by hand \(asked by phone\)/);
    await page.getByRole('textbox', { name: 'Reply' }).fill('Czy mogę jeszcze pomóc?');
    await page.getByRole('button', { name: 'Send reply' }).click();
    await expect
      .poll(() => page.getByRole('alert').filter({ hasText: 'Not sent' }).textContent(), LIVE)
      .toMatch(/^Not sent: \+48500600701 opted out on .*set by hand/);

    // A mailbox that may not send to the customer's country: the API's refusal is shown with the reply.
    ok(await t.gql(setCountries, { id: gatewayId, c: ['DE'] }, admin));
    await page.reload();
    await page.getByRole('textbox', { name: 'Reply' }).fill('Czy mogę jeszcze pomóc?');
    await page.getByRole('button', { name: 'Send reply' }).click();
    const replyField = page.getByRole('textbox', { name: 'Reply' });
    await expect.poll(() => replyField.getAttribute('aria-invalid'), LIVE).toBe('true');
    expect(await page.locator('.field-error').textContent()).toContain('sends only to DE; +48500600701 is in PL');
    ok(await t.gql(setCountries, { id: gatewayId, c: [] }, admin));

    // There is no API to close a ticket yet; the refusal of a reply to a closed one shows next to the field.
    await t.sql(`update ticket set status = 'CLOSED' where id = $1`, [Number(janTicket)]);
    await page.reload();
    await page.getByRole('note').filter({ hasText: 'This ticket is closed' }).waitFor();
    await page.getByRole('textbox', { name: 'Reply' }).fill('Jeszcze jedno');
    await page.getByRole('button', { name: 'Send reply' }).click();
    const field = page.getByRole('textbox', { name: 'Reply' });
    await expect.poll(() => field.getAttribute('aria-invalid'), LIVE).toBe('true');
    expect(await page.locator('.field-error').textContent()).toMatch(/closed/);
  });

  it("pages the queue with Load more, filters it by status, and drops an erased customer's ticket live", async () => {
    const { page } = a;
    const numbers = Array.from({ length: 20 }, (_, i) => `485006011${String(i).padStart(2, '0')}`);
    for (const n of numbers) await smsFrom(n, `Pytanie z numeru ${n}`);
    const all = ok(
      await t.gql(
        `query($q: ID!) { tickets(queueId: $q, first: 100) { edges { node { id } } } }`,
        { q: queueA },
        admin,
      ),
    ).tickets.edges.length;
    expect(all).toBeGreaterThan(20);

    await goTo(page, '/tickets');
    const rows = page.getByRole('table').locator('tbody tr');
    await page.getByRole('combobox', { name: 'Status' }).selectOption({ label: 'All' });
    await expect.poll(() => rows.count(), LIVE).toBe(20);
    await page.getByRole('button', { name: 'Load more' }).click();
    await expect.poll(() => rows.count(), LIVE).toBe(all);
    expect(await page.getByRole('button', { name: 'Load more' }).count()).toBe(0);

    await page.getByRole('combobox', { name: 'Status' }).selectOption({ label: 'Closed' });
    await expect.poll(() => rows.locator('td:first-child').allTextContents(), LIVE).toEqual([JAN.name]);

    const since = relayA.sent.length;
    await page.getByRole('combobox', { name: 'Status' }).selectOption({ label: 'Open' });
    await expect.poll(() => rows.count(), LIVE).toBe(20);
    await relayA.subscribed('TicketsQueueRemoved', since);
    const latest = `+${numbers.at(-1)}`;
    expect(await rows.first().locator('td').first().textContent()).toBe(latest);
    const card = ok(
      await t.gql(`query($s: String!) { customers(search: $s) { edges { node { id } } } }`, { s: latest }, admin),
    ).customers.edges[0].node.id;
    ok(await t.gql(`mutation($id: ID!) { eraseCustomer(id: $id) }`, { id: card }, admin));
    await expect.poll(() => rows.count(), LIVE).toBe(19);
    expect(await page.getByRole('link', { name: latest, exact: true }).count()).toBe(0);
  });
});

import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { ADMIN, AGENT_PASSWORD, createAgent, ok } from '../support/api';
import { startTestApp, type TestApp } from '../support/app';
import { describeWithChromium, launchChromium } from '../support/browser';
import { expectAccessible, goTo, logIn, openConsole, screenshot } from '../support/console';

/*
 * The web console's door: it is served at `/` from the service's own assets, logs in and out through the API,
 * returns to the login screen when the session expires, and shows agents only agent screens.
 */

describeWithChromium('web console: login, logout, expiry, roles (in Chromium)', () => {
  let t: TestApp;
  let browser: Browser;
  let agent: { id: string; email: string };
  let admin: { email: string; password: string };

  beforeAll(async () => {
    browser = await launchChromium();
    // Open sockets re-check their token five times a second, so that a revocation or role change shows at once.
    t = await startTestApp({ WS_AUTH_RECHECK_MS: '200' });
    const token = await t.login();
    agent = await createAgent(t, token, 'Ola Agent');
    admin = ADMIN;
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('shows the login form with labelled fields, refuses a wrong password, and asks no other host', async () => {
    const c = await openConsole(browser, t.url);
    const { page } = c;
    await expect.poll(() => page.title()).toBe('Log in · smsdesk');
    await expect.poll(() => page.getByRole('heading', { name: 'Log in' }).isVisible()).toBe(true);
    await expectAccessible(page, 'the login screen');
    await screenshot(page, 'login');

    await page.getByLabel('E-mail').fill(admin.email);
    await page.getByLabel('Password', { exact: true }).fill('not-the-password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect.poll(() => page.getByRole('alert').first().textContent()).toMatch(/e-mail or password/i);

    await logIn(page, admin.email, admin.password);
    expect(c.foreign).toEqual([]);
    expect(c.errors.filter((e) => !e.includes('401'))).toEqual([]);
    await c.context.close();
  });

  it('gives an admin the administration screens and the playground link; log out ends the session', async () => {
    const { page, context } = await openConsole(browser, t.url);
    await logIn(page, admin.email, admin.password);
    const adminNav = page.getByRole('list', { name: 'Administration' });
    await expect
      .poll(() => adminNav.getByRole('link').allTextContents())
      .toEqual([
        'E-mail and SMS configuration',
        'Message rules',
        'Queues and users',
        'System parameters',
        'GraphQL playground',
      ]);
    expect(await page.getByRole('link', { name: 'GraphQL playground' }).getAttribute('href')).toBe('/graphql');

    const before = await t.sql(
      `select count(*)::int as n from api_token where revoked_at is null and kind = 'SESSION'`,
    );
    await page.getByRole('link', { name: 'Customers' }).click();
    await page.getByRole('heading', { level: 1, name: 'Customers' }).waitFor();
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    const after = await t.sql(`select count(*)::int as n from api_token where revoked_at is null and kind = 'SESSION'`);
    expect(after[0].n).toBe(before[0].n - 1);
    // A reload stays logged out.
    await page.reload();
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    // The next user starts on the first screen, not on the screen the last one left.
    await logIn(page, agent.email, AGENT_PASSWORD);
    await page.getByRole('heading', { level: 1, name: 'Tickets' }).waitFor();
    expect(new URL(page.url()).hash).toBe('#/tickets');
    await context.close();
  });

  it('shows an agent only agent screens; an admin address tells them it is not theirs', async () => {
    const { page, context } = await openConsole(browser, t.url);
    await logIn(page, agent.email, AGENT_PASSWORD);
    await expect
      .poll(() => page.getByRole('navigation', { name: 'Main' }).getByRole('link').allTextContents())
      .toEqual(['Tickets', 'Customers']);
    expect(await page.getByRole('list', { name: 'Administration' }).count()).toBe(0);
    expect(await page.getByRole('link', { name: 'GraphQL playground' }).count()).toBe(0);
    await goTo(page, '/admin/mailboxes');
    await page.getByText('Only administrators can open this screen.').waitFor();
    await context.close();
  });

  it('can be used from the keyboard alone: log in with Tab and Enter, reach the navigation', async () => {
    const { page, context } = await openConsole(browser, t.url);
    await page.getByLabel('E-mail').waitFor();
    await page.keyboard.press('Tab');
    await expect
      .poll(() => page.evaluate('document.activeElement.id'))
      .toBe(await page.getByLabel('E-mail').getAttribute('id'));
    await page.keyboard.type(agent.email);
    await page.keyboard.press('Tab');
    await page.keyboard.type(AGENT_PASSWORD);
    await page.keyboard.press('Enter');
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    await expectAccessible(page, 'the tickets screen');
    // On any screen, the first Tab reaches "Skip to content", which moves focus to the screen and stays there.
    await goTo(page, '/customers');
    await page.getByRole('heading', { level: 1, name: 'Customers' }).waitFor();
    await page.keyboard.press('Tab');
    await expect.poll(() => page.evaluate('document.activeElement.textContent')).toBe('Skip to content');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate('document.activeElement.id')).toBe('main');
    expect(new URL(page.url()).hash).toBe('#/customers');
    await context.close();
  });

  it('follows a role change while the console is open: the new screens appear, the session goes on', async () => {
    const rolf = await createAgent(t, await t.login(), 'Rolf Role');
    const { page, context } = await openConsole(browser, t.url);
    await logIn(page, rolf.email, AGENT_PASSWORD);
    await goTo(page, '/customers');
    await page.getByRole('heading', { level: 1, name: 'Customers' }).waitFor();
    expect(await page.getByRole('list', { name: 'Administration' }).count()).toBe(0);
    await page.getByRole('button', { name: /^Notifications, \d+ unread$/ }).waitFor();

    const promote = `mutation($id: ID!) { setUserRole(id: $id, role: ADMIN) { role } }`;
    expect(ok(await t.gql(promote, { id: rolf.id }, await t.login())).setUserRole.role).toBe('ADMIN');
    // The service closes the user's socket; the console asks who they are now and goes on as an admin.
    await page.getByRole('list', { name: 'Administration' }).waitFor({ timeout: 10_000 });
    expect(await page.getByRole('heading', { name: 'Log in' }).count()).toBe(0);
    expect(new URL(page.url()).hash).toBe('#/customers');
    await context.close();
  });

  it('ends the session with a message as soon as its token is revoked, without a reload', async () => {
    const { page, context } = await openConsole(browser, t.url);
    await logIn(page, agent.email, AGENT_PASSWORD);
    await page.getByRole('button', { name: /^Notifications, \d+ unread$/ }).waitFor();
    await t.sql(`update api_token set revoked_at = now() where user_id = $1 and revoked_at is null`, [
      Number(agent.id),
    ]);
    await page.getByRole('heading', { name: 'Log in' }).waitFor({ timeout: 10_000 });
    await expect.poll(() => page.getByRole('status').textContent()).toBe('Your session has expired. Log in again.');
    await context.close();
  });

  it('returns to the login screen with a message when the session has expired', async () => {
    const { page, context } = await openConsole(browser, t.url);
    await logIn(page, agent.email, AGENT_PASSWORD);
    await t.sql(
      `update api_token set expires_at = now() - interval '1 second' where user_id = $1 and revoked_at is null`,
      [Number(agent.id)],
    );
    // The next request the page makes (here: the reload's) is refused, and the session ends with a message.
    await page.reload();
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    await expect.poll(() => page.getByRole('status').textContent()).toBe('Your session has expired. Log in again.');
    await context.close();
  });
});

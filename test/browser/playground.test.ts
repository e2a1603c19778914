import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { AGENT_PASSWORD, createAgent, createGateway } from '../support/api';
import { startTestApp, type TestApp } from '../support/app';
import { describeWithChromium, launchChromium, offlineContext } from '../support/browser';
import { fanoutSize } from '../support/ws';
import { smsapiSms } from '../fakes/push/providers';

/*
 * The GraphQL playground as a newcomer uses it, in real Chromium with every host but the service's own
 * unreachable: the page renders from our assets, the login mutation and an authenticated query run with the
 * header editor's Authorization, and a subscription shows an SMS notification as it arrives.
 */

const SCREENSHOTS = path.join(__dirname, '../../test-results');
const NUMBER = '48739100077';

describeWithChromium('GraphQL playground at GET /graphql (offline, in Chromium)', () => {
  let t: TestApp;
  let agent: { email: string };
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let foreign: string[];
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    browser = await launchChromium();
    t = await startTestApp();
    const admin = await t.login();
    agent = await createAgent(t, admin, 'Playground Agent');
    await createGateway(t, admin, {
      name: 'Desk',
      provider: 'SMSAPI',
      password: 'tok-desk-1',
      destinationNumber: NUMBER,
      incomingActive: true,
    });
    ({ context, foreign } = await offlineContext(browser, t.url));
    page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  /**
   * Replaces the text of a Monaco editor as a user would: focus, select all, type over it. GraphiQL takes an
   * editor's text into its state a moment later (debounced) and runs what its state holds, so for the query
   * editor this waits until GraphiQL has stored the new text (its tabs are kept in localStorage), as a user's
   * pause would. Headers are not stored (GraphiQL keeps them out of localStorage by default): set them before
   * the query, whose wait covers theirs.
   */
  async function setEditor(editor: Locator, text: string, stored = true) {
    await editor.locator('.monaco-editor').click();
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.press('Delete');
    await page.keyboard.insertText(text);
    await page.keyboard.press('Home');
    if (!stored) return;
    await expect
      .poll(() =>
        page.evaluate(
          (forms) => {
            // The page's localStorage (this runs in the browser; the tests' types have no DOM).
            const store = (globalThis as unknown as { localStorage: Record<string, string> }).localStorage;
            return Object.keys(store).some((k) => k.startsWith('graphiql') && forms.some((f) => store[k]?.includes(f)));
          },
          // As typed, or inside the JSON of GraphiQL's tab state.
          [text, JSON.stringify(text).slice(1, -1)],
        ),
      )
      .toBe(true);
  }
  /** What an element shows, with the editors' non-breaking spaces as plain ones. */
  const text = async (l: Locator) => (await l.innerText()).replace(/\u00a0/g, ' ');
  const queryEditor = () => page.locator('.graphiql-query-editor');
  const headerEditor = () => page.locator('.graphiql-editor-tool .graphiql-editor').last();
  const result = () => page.locator('.result-window');
  const run = () => page.locator('.graphiql-execute-button').click();
  /** The result pane's text, once it shows `pattern`. */
  async function resultShows(pattern: RegExp): Promise<string> {
    await expect.poll(() => text(result()), { timeout: 15_000 }).toMatch(pattern);
    return text(result());
  }

  it('renders GraphiQL from our own assets, with the login mutation and an Authorization header example', async () => {
    const res = await page.goto(`${t.url}/graphql`);
    expect(res?.status()).toBe(200);
    expect(res?.headers()['content-security-policy']).toMatch(/default-src 'self'/);
    await queryEditor().locator('.monaco-editor').waitFor({ timeout: 30_000 });
    await expect.poll(() => text(queryEditor())).toMatch(/mutation Login[\s\S]*login\([\s\S]*email:/);
    await expect.poll(() => text(headerEditor())).toMatch(/"Authorization": "Bearer <token from login>"/);
    // The schema arrived through introspection: the documentation explorer lists the root types.
    await page.getByRole('button', { name: /documentation explorer/i }).click();
    await expect.poll(() => text(page.locator('.graphiql-doc-explorer'))).toMatch(/Mutation/);
    await page.getByRole('button', { name: /documentation explorer/i }).click();
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SCREENSHOTS, 'playground-start.png') });
  });

  it('logs in and runs a query with the token in the header editor', async () => {
    await setEditor(
      queryEditor(),
      `mutation { login(email: "${agent.email}", password: "${AGENT_PASSWORD}") { token user { role } } }`,
    );
    await run();
    const login = await resultShows(/"token": "smsd_/);
    const token = /smsd_[A-Za-z0-9_-]+/.exec(login)![0];
    expect(login).toContain('"role": "AGENT"');

    await setEditor(headerEditor(), `{"Authorization": "Bearer ${token}"}`, false);
    await setEditor(queryEditor(), 'query { me { email role } }');
    await run();
    await resultShows(new RegExp(`"email": "${agent.email.replace(/\./g, '\\.')}"`));
  });

  it('receives a notification on a subscription over graphql-ws on the same URL', async () => {
    const before = fanoutSize(t).users;
    await setEditor(queryEditor(), 'subscription { notificationAdded { kind title message { text } } }');
    await run();
    // The server has registered the browser's subscription.
    await expect.poll(() => fanoutSize(t).users, { timeout: 15_000 }).toBeGreaterThan(before);
    const sms = await smsapiSms(t.url, { to: NUMBER, from: '48500600111', text: 'Hello from a phone', msgId: 'PG-1' });
    expect(sms.body).toBe('OK');
    const shown = await resultShows(/Hello from a phone/);
    expect(shown).toContain('"kind": "SMS"');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'playground.png'), fullPage: true });
  });

  it('asked no other host for anything and logged no errors', () => {
    expect(foreign).toEqual([]);
    expect(consoleErrors).toEqual([]);
  });

  it('would have noticed: the offline context blocks and records a request to another host', async () => {
    const probe = await offlineContext(browser, t.url);
    try {
      const p = await probe.context.newPage();
      await p.goto(`${t.url}/healthz`);
      const outcome = await p.evaluate(() =>
        fetch('https://cdn.example.com/graphiql.js').then(
          () => 'loaded',
          () => 'failed',
        ),
      );
      expect(outcome).toBe('failed');
      expect(probe.foreign).toEqual(['https://cdn.example.com/graphiql.js']);
    } finally {
      await probe.context.close();
    }
  });
});

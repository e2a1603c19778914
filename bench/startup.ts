/**
 * Start-up benchmark: the compiled service (`dist/src/main.js`, as `npm start` runs it) with an existing
 * data directory (embedded PostgreSQL), from spawn to the first `GET /readyz` 200. Baseline in the same
 * run: a bare Node process that starts the same embedded PostgreSQL on the same data directory, runs
 * `select 1` and answers HTTP — the floor any service on this stack pays.
 *
 *   npm run build && npm run bench:startup        (BENCH_STARTS=3)
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../src/db/embedded';
import { machine } from './machine';

const STARTS = Number(process.env.BENCH_STARTS ?? 3);
const ROOT = path.join(__dirname, '..');
const MAIN = path.join(ROOT, 'dist/src/main.js');
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

const BASELINE = `
const http = require('node:http');
const pg = require(${JSON.stringify(path.join(ROOT, 'node_modules/pg'))});
const { startEmbedded } = require(${JSON.stringify(path.join(ROOT, 'dist/src/db/embedded.js'))});
(async () => {
  const e = await startEmbedded({ dir: process.env.DATA_DIR, persistent: true });
  const c = new pg.Client({ connectionString: e.url('postgres') });
  await c.connect();
  await c.query('select 1');
  http.createServer((q, r) => r.end('ok')).listen(Number(process.env.PORT), '127.0.0.1');
  const stop = async () => { await c.end(); await e.stop(); process.exit(0); };
  process.on('SIGTERM', stop);
})();
`;

/** Spawns, polls the URL every 10 ms until 200, then stops the process with SIGTERM. Returns ms to ready. */
async function timeToReady(args: string[], env: Record<string, string>, probe: string): Promise<number> {
  const port = await freePort();
  const t0 = performance.now();
  const proc = spawn(process.execPath, args, {
    env: { PATH: process.env.PATH!, HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stdout!.on('data', (d) => (err += d));
  let err = '';
  proc.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<void>((r) => proc.on('exit', () => r()));
  let ms = NaN;
  for (const deadline = Date.now() + 60_000; Date.now() < deadline;) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}${probe}`);
      if (res.status === 200) {
        ms = performance.now() - t0;
        break;
      }
    } catch {
      // not listening yet
    }
    if (proc.exitCode !== null) throw new Error(`exited early: ${err}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  proc.kill('SIGTERM');
  await exited;
  if (Number.isNaN(ms)) throw new Error(`not ready within 60 s: ${err}`);
  return ms;
}

async function main() {
  if (!fs.existsSync(MAIN)) throw new Error('dist/src/main.js is missing: run npm run build first');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'smsdesk-bench-'));
  fs.chmodSync(dataDir, 0o755); // initdb runs as `postgres` when we are root
  const env = {
    DATA_DIR: path.join(dataDir, 'data'),
    NODE_ENV: 'development',
    ADMIN_EMAIL: 'admin@bench.local',
    ADMIN_PASSWORD: 'bench-password-1',
  };
  try {
    // First start: initdb, migrations, the administrator (not measured against the target).
    const first = await timeToReady([MAIN], env, '/readyz');
    const service: number[] = [];
    const baseline: number[] = [];
    for (let i = 0; i < STARTS; i++) {
      service.push(await timeToReady([MAIN], env, '/readyz'));
      baseline.push(await timeToReady(['-e', BASELINE], env, '/'));
    }
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const result = {
      bench: 'startup',
      machine: machine(),
      firstStartMs: round(first),
      service: {
        starts: service.map((x) => round(x)),
        medianMs: round(med(service)),
        maxMs: round(Math.max(...service)),
      },
      baseline: { starts: baseline.map((x) => round(x)), medianMs: round(med(baseline)) },
      ratio: round(med(service) / med(baseline), 2),
      targetMs: 2000,
    };
    console.log(`\nmachine: ${JSON.stringify(result.machine)}`);
    console.table({
      'service, existing .data/ (spawn → /readyz 200)': {
        'median ms': result.service.medianMs,
        'max ms': result.service.maxMs,
        starts: service.length,
      },
      'baseline: node + same embedded PostgreSQL + select 1': {
        'median ms': result.baseline.medianMs,
        'max ms': round(Math.max(...baseline)),
        starts: baseline.length,
      },
    });
    console.log(`first start (initdb, migrations): ${result.firstStartMs} ms; ratio service/baseline ${result.ratio}`);
    console.log(JSON.stringify(result));
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);

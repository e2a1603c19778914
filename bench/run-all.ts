/**
 * `npm run bench`: every benchmark in turn, each in its own process with a time limit, then one summary
 * against the targets of issue 5 (2-core machine, embedded PostgreSQL with durable commits). Each bench
 * measures its own baseline in the same run and prints its own table; this prints the summary table and
 * one JSON line with everything. BENCH_ONLY=inbound,latency,… runs a subset.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { machine } from './machine';

interface Step {
  name: string;
  script: string;
  env: Record<string, string>;
  node?: string[];
  timeoutS: number;
}

const TS = ['-r', 'ts-node/register/transpile-only'];
/** The service's own V8 tuning (package.json "start"), so benches measure what production runs. */
const SERVICE_NODE = ['--max-semi-space-size=64'];
const STEPS: Step[] = [
  { name: 'inbound', script: 'inbound.ts', env: { BENCH_N: '5000', BENCH_CONCURRENCY: '32' }, timeoutS: 240 },
  {
    name: 'latency',
    script: 'inbound.ts',
    env: { BENCH_N: '3000', BENCH_RATE: '300', BENCH_AGENTS: '1000', BENCH_CONCURRENCY: '64' },
    timeoutS: 240,
  },
  {
    name: 'latency-split',
    script: 'inbound.ts',
    env: { BENCH_N: '3000', BENCH_RATE: '300', BENCH_AGENTS: '1000', BENCH_CONCURRENCY: '64', BENCH_SPLIT: '1' },
    timeoutS: 240,
  },
  { name: 'fanout', script: 'fanout.ts', env: { BENCH_SUBSCRIBERS: '10000' }, node: ['--expose-gc'], timeoutS: 300 },
  // N=3,000: at 1,000 the live run lasted ~2 s, too short to leave its start (connections, first claims) out of the rate.
  {
    name: 'outbound',
    script: 'outbound.ts',
    env: { BENCH_N: '3000', WORKER_CONCURRENCY: '64', BENCH_ENQUEUE_PARALLEL: '16' },
    timeoutS: 300,
  },
  { name: 'startup', script: 'startup.ts', env: { BENCH_STARTS: '3' }, timeoutS: 180 },
];

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a benchmark's JSON line, read field by field for the table
type BenchJson = Record<string, any>;

function run(step: Step): Promise<{ json?: BenchJson; seconds: number; error?: string }> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [...SERVICE_NODE, ...(step.node ?? []), ...TS, path.join(__dirname, step.script)],
      {
        env: { ...process.env, ...step.env },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      process.stdout.write(d);
    });
    // Bounded: a bench that hangs is stopped (its own process only).
    const timer = setTimeout(() => child.kill('SIGKILL'), step.timeoutS * 1000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      const line = out
        .split('\n')
        .reverse()
        .find((l) => l.startsWith('{"'));
      let json: BenchJson | undefined;
      try {
        json = line ? JSON.parse(line) : undefined;
      } catch {
        json = undefined;
      }
      resolve({
        json,
        seconds: (Date.now() - t0) / 1000,
        error: code === 0 && json ? undefined : `exit ${code}${json ? '' : ', no JSON'}`,
      });
    });
  });
}

async function build(): Promise<void> {
  // The start-up bench runs the compiled service, as `npm start` does.
  await new Promise<void>((resolve, reject) => {
    const c = spawn(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
      cwd: path.join(__dirname, '..'),
      stdio: 'inherit',
    });
    c.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`build failed (${code})`))));
  });
}

async function main() {
  const only = process.env.BENCH_ONLY?.split(',');
  const steps = STEPS.filter((s) => !only || only.includes(s.name));
  if (steps.some((s) => s.name === 'startup')) await build();
  const results: Record<string, Awaited<ReturnType<typeof run>>> = {};
  for (const s of steps) {
    console.log(
      `\n=== ${s.name} (${Object.entries(s.env)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')}) ===`,
    );
    results[s.name] = await run(s);
  }
  const r = (n: string) => results[n]?.json;
  const ok = (b: boolean | undefined) => (b === undefined ? '?' : b ? 'met' : 'MISSED');
  const rows: Record<string, Record<string, unknown>> = {};
  if (r('inbound')) {
    const x = r('inbound')!;
    rows['1 inbound webhooks/s'] = {
      measured: x.full.webhooksPerSecond,
      baseline: x.baseline.webhooksPerSecond,
      ratio: x.ratio,
      target: '≥1000/s, ratio ≥0.25, 0 errors',
      result: ok(x.full.webhooksPerSecond >= 1000 && x.ratio >= 0.25 && x.full.httpErrors === 0),
    };
  }
  for (const n of ['latency', 'latency-split']) {
    if (!r(n)) continue;
    const x = r(n)!;
    rows[`2 push p99 ms${n === 'latency-split' ? ' (2 instances)' : ''}`] = {
      measured: x.full.pushP99Ms,
      baseline: `HTTP p99 ${x.baseline.httpP99Ms}; disk sync max ${x.machine.diskSync?.maxMs} ms${x.full.pushesOver50Ms?.pushes ? `; >50 ms: ${x.full.pushesOver50Ms.pushes} pushes in ${x.full.pushesOver50Ms.windows} × 250 ms (HTTP max there ${x.full.pushesOver50Ms.httpMaxInThoseWindowsMs})` : ''}`,
      ratio: '',
      target: '≤50 ms at 300/s, 1000 agents',
      result: ok(x.full.pushP99Ms <= 50 && x.full.allPushed),
    };
  }
  if (r('fanout')) {
    const x = r('fanout')!;
    rows['3 fan-out KB/connection'] = {
      measured: `${x.full.heapPerConnectionKB} heap / ${x.full.rssPerConnectionKB} RSS`,
      baseline: x.baseline.heapPerConnectionKB,
      ratio: x.ratio.memory,
      target: '≤30 KB',
      result: ok(Math.max(x.full.heapPerConnectionKB, x.full.rssPerConnectionKB) <= 30),
    };
    rows['3 fan-out p99 ms (10k)'] = {
      measured: x.full.deliveryP99Ms,
      baseline: x.baseline.deliveryP99Ms,
      ratio: x.ratio.deliveryP99,
      target: '≤1000 ms, all delivered',
      result: ok(x.full.deliveryP99Ms <= 1000 && x.full.delivered === x.full.subscribers),
    };
    rows['3 slow subscriber'] = {
      measured: `closed ${x.slowSubscriber.closeCode} after ${x.slowSubscriber.closedAfterMs} ms`,
      baseline: '',
      ratio: '',
      target: 'bounded, then 4008',
      result: ok(x.slowSubscriber.ok),
    };
  }
  if (r('outbound')) {
    const x = r('outbound')!;
    rows['4 outbound SMS/s (drain)'] = {
      measured: x.drain.perSecond,
      baseline: x.baseline.perSecond,
      ratio: x.ratio.drainToBaseline,
      target: '≥500/s, ratio ≥0.8',
      result: ok(x.drain.perSecond >= 500 && x.ratio.drainToBaseline >= 0.8),
    };
    rows['4 outbound SMS/s (live)'] = {
      measured: x.live.perSecond,
      baseline: x.baseline.perSecond,
      ratio: x.ratio.liveToBaseline,
      target: '≥500/s, ratio ≥0.8',
      result: ok(x.live.perSecond >= 500 && x.ratio.liveToBaseline >= 0.8),
    };
  }
  if (r('startup')) {
    const x = r('startup')!;
    rows['5 start-up ms'] = {
      measured: x.service.medianMs,
      baseline: x.baseline.medianMs,
      ratio: x.ratio,
      target: '<2000 ms',
      result: ok(x.service.maxMs < 2000),
    };
  }
  console.log(`\n=== summary === machine: ${JSON.stringify(machine())}`);
  console.table(rows);
  for (const [n, v] of Object.entries(results))
    if (v.error) console.log(`${n}: ${v.error} after ${v.seconds.toFixed(0)} s`);
  console.log(
    JSON.stringify({
      machine: machine(),
      results: Object.fromEntries(Object.entries(results).map(([k, v]) => [k, v.json ?? { error: v.error }])),
    }),
  );
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);

/** Shared by the benches: what machine this is, and CPU time of processes (ours, PostgreSQL's, the load's). */
import fs from 'node:fs';
import os from 'node:os';

const TICK_MS = 10; // USER_HZ = 100 on Linux

export function machine(): Record<string, unknown> {
  return {
    cores: os.cpus().length,
    cpu: os.cpus()[0]?.model,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    loadAverage: os.loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

function statOf(pid: number): string[] | undefined {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return s.slice(s.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** User + system CPU milliseconds of these processes so far (children that exited not included). */
export function cpuMs(pids: number[]): number {
  let t = 0;
  for (const pid of pids) {
    const f = statOf(pid);
    if (f) t += (Number(f[11]) + Number(f[12])) * TICK_MS; // utime, stime (fields 14, 15)
  }
  return t;
}

/** CPU ms per process, to subtract two samples pid by pid (processes that exit or start in between count only their part seen). */
export function cpuByPid(pids: number[]): Map<number, number> {
  const m = new Map<number, number>();
  for (const pid of pids) {
    const f = statOf(pid);
    if (f) m.set(pid, (Number(f[11]) + Number(f[12])) * TICK_MS);
  }
  return m;
}

export function cpuDelta(before: Map<number, number>, after: Map<number, number>): number {
  let t = 0;
  for (const [pid, ms] of after) t += ms - (before.get(pid) ?? 0);
  return t;
}

/** The postmaster of a backend (resolve it while the backend lives). */
export function postmasterOf(backendPid: number): number {
  return Number(statOf(backendPid)?.[1]);
}

/** A postmaster and all its children now (backends come and go: call again later). */
export function postgresPids(postmaster: number): number[] {
  if (!postmaster) return [];
  const pids = [postmaster];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    if (Number(statOf(Number(d))?.[1]) === postmaster) pids.push(Number(d));
  }
  return pids;
}

/**
 * How long the disk under `dir` takes to make 8 KiB durable (write + fdatasync, as a commit's WAL flush
 * does), over `ms` of back-to-back syncs. Every commit waits for one, so a stall here stalls every
 * webhook in flight, whatever the code: on the VMs of this sandbox, syncs that take 0.3 ms at the median
 * have been seen to stall for 30–300 ms several times in ten seconds, which alone sets a p99.
 * Blocks the event loop for `ms`: call it before a run, not during one.
 */
export function diskSyncProbe(
  dir: string,
  ms = 3000,
): { syncs: number; p50Ms: number; p99Ms: number; maxMs: number; stallsOver20Ms: number } {
  const file = `${dir}/.bench-sync-probe`;
  const fd = fs.openSync(file, 'w');
  const block = Buffer.alloc(8192, 1);
  const lat: number[] = [];
  try {
    const end = performance.now() + ms;
    while (performance.now() < end) {
      fs.writeSync(fd, block);
      const t = performance.now();
      fs.fdatasyncSync(fd);
      lat.push(performance.now() - t);
    }
  } finally {
    fs.closeSync(fd);
    fs.rmSync(file, { force: true });
  }
  lat.sort((a, b) => a - b);
  const at = (p: number) => Math.round(lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] * 100) / 100;
  return {
    syncs: lat.length,
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    maxMs: Math.round(lat[lat.length - 1] * 10) / 10,
    stallsOver20Ms: lat.filter((x) => x > 20).length,
  };
}

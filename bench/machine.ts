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

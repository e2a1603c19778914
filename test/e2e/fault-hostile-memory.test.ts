import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultRig, type Helpdesk } from '../support/fault-setup';
import { push, type ServiceProcess } from '../support/process';
import { multipartBody } from '../fakes/push/http';
import { smsapiSms } from '../fakes/push/providers';

/*
 * Hostile webhooks against the compiled service in its own process, with a heap limit small enough that
 * an unbounded request path would run it out of memory: 48 MB multipart bodies (190 fields of 256 KiB, as
 * declared and as chunked), refused 1 MiB forms with distinct texts, and 1 MB destination numbers, from
 * eight addresses at once. Meanwhile /healthz and a provider's real webhooks must be answered normally,
 * and the process's resident memory must stay bounded.
 */

const TOKEN = 'wh-hostile-memory-token-5521';
const HEAP_MB = 256;
const RUN_MS = 12_000;
/** Small enough that the attackers use it up within the run, so both the logged and the unlogged refusals are exercised. */
const REFUSALS_PER_IP = 20;
const ATTACKERS = [
  '127.0.0.2',
  '127.0.0.3',
  '127.0.0.4',
  '127.0.0.5',
  '127.0.0.6',
  '127.0.0.7',
  '127.0.0.8',
  '127.0.0.9',
];

let svc: ServiceProcess;
let db: pg.Pool;
let desk: Helpdesk;

beforeAll(async () => {
  ({ svc, db, desk } = await startFaultRig({
    nodeArgs: [`--max-old-space-size=${HEAP_MB}`],
    env: { WEBHOOK_REFUSALS_PER_IP: String(REFUSALS_PER_IP) },
    gateway: { webhookToken: TOKEN },
  }));
}, 60_000);

afterAll(async () => {
  await svc?.kill();
  await db?.end();
});

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** One request whose body is streamed in 1 MiB chunks without a declared length; resolves with the status or the error code. */
function chunked(url: string, body: Buffer, contentType: string, localAddress: string): Promise<string> {
  return new Promise((resolve) => {
    const u = new URL(url);
    const req = http.request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname + u.search,
        method: 'POST',
        headers: { 'content-type': contentType, 'transfer-encoding': 'chunked' },
        localAddress,
        agent: false,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(String(res.statusCode)));
      },
    );
    req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    let at = 0;
    const write = () => {
      while (at < body.length) {
        const ok = req.write(body.subarray(at, at + 1024 * 1024));
        at += 1024 * 1024;
        if (!ok) return void req.once('drain', write);
      }
      req.end();
    };
    write();
  });
}

async function outcome(p: Promise<{ status: number }>): Promise<string> {
  try {
    return String((await p).status);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code ?? 'error';
  }
}

describe('hostile webhooks against a memory-limited process', () => {
  it(`stays up and bounded (heap limit ${HEAP_MB} MiB) while /healthz and real webhooks are answered normally`, async () => {
    const base = svc.url;
    const mms = multipartBody(
      Object.fromEntries(Array.from({ length: 190 }, (_, i) => [`f${i}`, 'x'.repeat(256 * 1024)])),
      [],
    );
    const until = Date.now() + RUN_MS;
    const hostile = new Map<string, number>();
    const count = (k: string) => hostile.set(k, (hostile.get(k) ?? 0) + 1);
    let n = 0;

    const attacker = async (ip: string, kind: number) => {
      while (Date.now() < until) {
        const i = n++;
        if (kind === 0)
          count(
            `multipart ${await outcome(push(`${base}/panel/tickets/incoming/smsapi`, { raw: { body: mms.body, contentType: mms.contentType }, localAddress: ip }))}`,
          );
        else if (kind === 1)
          count(
            `chunked multipart ${await chunked(`${base}/panel/tickets/incoming/smsapi/mms`, mms.body, mms.contentType, ip)}`,
          );
        else if (kind === 2) {
          const text = `${i}:${crypto.randomBytes(8).toString('hex')}`.padEnd(1000 * 1000, 'y');
          count(
            `refused form ${await outcome(smsapiSms(base, { to: desk.our, from: '48500600700', text, msgId: `h${i}` }, { localAddress: ip, token: 'wrong' }))}`,
          );
        } else {
          const to = `48${String(i).padStart(9, '0')}`.padEnd(1000 * 1000, '1');
          count(
            `long number ${await outcome(smsapiSms(base, { to, from: '48500600700', text: 'x', msgId: `n${i}` }, { localAddress: ip, token: TOKEN }))}`,
          );
        }
      }
    };

    const health: number[] = [];
    const healthBad: string[] = [];
    const prober = async () => {
      while (Date.now() < until) {
        const t0 = Date.now();
        const r = await outcome(fetch(`${base}/healthz`));
        health.push(Date.now() - t0);
        if (r !== '200') healthBad.push(r);
        await new Promise((res) => setTimeout(res, 100));
      }
    };

    const real: string[] = [];
    const realSlow: number[] = [];
    const provider = async () => {
      let k = 0;
      while (Date.now() < until) {
        const t0 = Date.now();
        const r = await smsapiSms(
          base,
          { to: desk.our, from: '48500600701', text: `real message ${k}`, msgId: `real-${k}` },
          { token: TOKEN },
        );
        realSlow.push(Date.now() - t0);
        real.push(`${r.status} ${r.body}`);
        k++;
        await new Promise((res) => setTimeout(res, 150));
      }
    };

    const rss: number[] = [];
    const sampler = setInterval(() => rss.push(rssMiB(svc.proc.pid!)), 200);
    try {
      await Promise.all([...ATTACKERS.map((ip, i) => attacker(ip, i % 4)), prober(), provider()]);
    } finally {
      clearInterval(sampler);
    }

    const p99 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.99)];
    const figures = {
      hostile: Object.fromEntries(hostile),
      healthz: { n: health.length, p99Ms: p99(health), maxMs: Math.max(...health) },
      real: { n: real.length, p99Ms: p99(realSlow) },
      rssMaxMiB: Math.round(Math.max(...rss)),
    };
    console.log(`hostile-memory: ${JSON.stringify(figures)}`);

    expect(svc.proc.exitCode, svc.out().slice(-2000)).toBeNull();
    expect(healthBad).toEqual([]);
    expect(figures.healthz.maxMs).toBeLessThan(2000);
    // One every 150 ms after the answer: a provider kept waiting would deliver far fewer.
    expect(real.length).toBeGreaterThan(RUN_MS / 1000);
    expect(new Set(real)).toEqual(new Set(['200 OK']));
    // Every real webhook is stored once; nothing hostile is.
    const [m] = (
      await db.query(
        `select count(*)::int as n, count(*) filter (where text like 'real message %')::int as real from message`,
      )
    ).rows;
    expect(m).toEqual({ n: real.length, real: real.length });
    // Memory: the heap limit plus what Node and its buffers need, well under what the hostile bodies add up to.
    expect(figures.rssMaxMiB).toBeLessThan(HEAP_MB + 200);
    // The refused requests were logged until each address used up its budget, then answered 429 unlogged.
    const [ev] = (await db.query(`select count(*)::int as n from inbound_event where outcome <> 'ACCEPTED'`)).rows;
    expect(ev.n).toBeLessThanOrEqual(ATTACKERS.length * REFUSALS_PER_IP);
    expect(hostile.get('refused form 429') ?? 0).toBeGreaterThan(0);
  });
});

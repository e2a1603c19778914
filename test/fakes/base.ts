import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';

/**
 * The base of the fake providers: a real HTTP(S) server on 127.0.0.1 that records every request and
 * can be told to misbehave. A provider fake only decides what a request means and answers in its
 * provider's own format; the failure modes, latency and recording are here.
 */

export interface Recorded {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: http.IncomingHttpHeaders;
  rawBody: string;
  /** Form fields (x-www-form-urlencoded); repeated fields become arrays. */
  form: Record<string, string | string[]>;
  json: unknown;
  /** Query and form fields merged (form wins). */
  fields: Record<string, string>;
  /** Subject CN of the client certificate, when the connection had one. */
  clientCn?: string;
  at: number;
}

export interface Answer {
  status: number;
  body: string;
  contentType?: string;
  /** Extra response headers (e.g. Retry-After on a throttled answer). */
  headers?: Record<string, string>;
}

export type FailMode =
  /** Answer with this 5xx status (default 503), without processing the request. */
  | { kind: '5xx'; status?: number }
  /** Answer 429, without processing; `retryAfter`: its Retry-After header (RFC 9110: seconds or an HTTP date). */
  | { kind: '429'; retryAfter?: string }
  /** Answer this, without processing: an error the provider documents but the fake has no reason to raise. */
  | { kind: 'answer'; answer: Answer }
  /** Close the socket without an answer, without processing. */
  | { kind: 'reset' }
  /**
   * Never answer (until released or the server closes). `processed: true` first lets the provider act on
   * the request (the SMS is accepted, then the answer is lost); `false` holds it before processing.
   */
  | { kind: 'hang'; processed: boolean };

export const CERTS = path.join(__dirname, '../fixtures/certs');
export const pem = (f: string) => fs.readFileSync(path.join(CERTS, f), 'utf8');

export interface TlsOptions {
  /** Demand a client certificate signed by the test CA (mutual TLS). */
  requestClientCert: boolean;
  /** Refuse the handshake without one (true), or let the request through and see no certificate (false). */
  rejectUnauthorized: boolean;
}

export abstract class FakeServer {
  readonly requests: Recorded[] = [];
  /** Delay before every answer (ms), for realistic latency. */
  latencyMs = 0;
  /** Failure modes for the next requests, used in order. */
  private failures: FailMode[] = [];
  private server?: http.Server | https.Server;
  private port = 0;
  private held = new Set<{ res: http.ServerResponse; release: () => void }>();
  private sockets = new Set<import('node:net').Socket>();
  /** Called when a request is being held by a `hang` failure (tests wait for it). */
  private onHang: (() => void)[] = [];

  constructor(private readonly tls?: TlsOptions) {}

  /** What the provider does with one request. */
  protected abstract handle(req: Recorded): Promise<Answer> | Answer;

  get url(): string {
    return `${this.tls ? 'https' : 'http'}://127.0.0.1:${this.port}`;
  }

  async start(port = this.port): Promise<this> {
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => void this.dispatch(req, res);
    this.server = this.tls
      ? https.createServer(
          {
            key: pem('server-key.pem'),
            cert: pem('server.pem'),
            ca: pem('ca.pem'),
            requestCert: this.tls.requestClientCert,
            rejectUnauthorized: this.tls.rejectUnauthorized,
          },
          handler,
        )
      : http.createServer(handler);
    this.server.keepAliveTimeout = 5000;
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.server.on('tlsClientError', () => {});
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  /** Stops listening (later connections are refused) and cuts every open connection. */
  async stop(): Promise<void> {
    for (const h of this.held) h.release();
    this.held.clear();
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    for (const sock of this.sockets) sock.destroy();
    await new Promise<void>((r) => s.close(() => r()));
  }

  /** The next `times` requests fail this way. */
  failNext(mode: FailMode, times = 1): void {
    for (let i = 0; i < times; i++) this.failures.push(mode);
  }

  /** Resolves when a request is being held by a `hang` failure. */
  waitForHang(): Promise<void> {
    return new Promise((r) => this.onHang.push(r));
  }

  /** Answers held requests after all (as the provider would have). */
  releaseHeld(): void {
    for (const h of this.held) h.release();
    this.held.clear();
  }

  /** Requests to a path (ending with it), for assertions. */
  calls(pathEnd: string): Recorded[] {
    return this.requests.filter((r) => r.path.toLowerCase().endsWith(pathEnd.toLowerCase()));
  }

  private async dispatch(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const rawBody = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://x');
    const query: Record<string, string> = {};
    url.searchParams.forEach((v, k) => (query[k] = v));
    const ct = String(req.headers['content-type'] ?? '');
    const form: Record<string, string | string[]> = {};
    let json: unknown;
    if (/x-www-form-urlencoded/.test(ct)) {
      new URLSearchParams(rawBody).forEach((v, k) => {
        const cur = form[k];
        form[k] = cur === undefined ? v : Array.isArray(cur) ? [...cur, v] : [cur, v];
      });
    } else if (/json/.test(ct) && rawBody) {
      try {
        json = JSON.parse(rawBody);
      } catch {
        json = undefined;
      }
    }
    const fields: Record<string, string> = { ...query };
    for (const [k, v] of Object.entries(form)) fields[k] = Array.isArray(v) ? v[0] : v;
    const peer = (req.socket as TLSSocket).getPeerCertificate?.();
    const rec: Recorded = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query,
      headers: req.headers,
      rawBody,
      form,
      json,
      fields,
      clientCn: peer && peer.subject ? (peer.subject.CN as string) : undefined,
      at: Date.now(),
    };
    this.requests.push(rec);

    const fail = this.failures.shift();
    if (fail?.kind === '5xx')
      return this.send(res, { status: fail.status ?? 503, body: 'Service Unavailable', contentType: 'text/plain' });
    if (fail?.kind === '429')
      return this.send(res, {
        status: 429,
        body: 'Too Many Requests',
        contentType: 'text/plain',
        headers: fail.retryAfter === undefined ? undefined : { 'retry-after': fail.retryAfter },
      });
    if (fail?.kind === 'answer') return this.send(res, fail.answer);
    if (fail?.kind === 'reset') return void req.socket.destroy();
    if (fail?.kind === 'hang' && !fail.processed) return this.hold(res, () => this.process(rec, res));
    if (fail?.kind === 'hang') {
      const answer = await this.handle(rec);
      return this.hold(res, () => this.send(res, answer));
    }
    await this.process(rec, res);
  }

  private async process(rec: Recorded, res: http.ServerResponse): Promise<void> {
    const answer = await this.handle(rec);
    if (this.latencyMs) await new Promise((r) => setTimeout(r, this.latencyMs));
    this.send(res, answer);
  }

  private hold(res: http.ServerResponse, then: () => void): void {
    const h = { res, release: () => (res.destroyed ? undefined : then()) };
    this.held.add(h);
    res.on('close', () => this.held.delete(h));
    const waiting = this.onHang.splice(0);
    for (const w of waiting) w();
  }

  private send(res: http.ServerResponse, a: Answer): void {
    if (res.destroyed) return;
    res.writeHead(a.status, { ...a.headers, 'content-type': a.contentType ?? 'text/plain; charset=utf-8' });
    res.end(a.body);
  }
}

/** Sends a GET or POST to one of our routes, as a provider's callback would. */
export async function callback(
  url: string,
  init: { method?: 'GET' | 'POST'; json?: unknown; form?: Record<string, string> } = {},
): Promise<{ status: number; body: string }> {
  const res = await fetch(url, {
    method: init.method ?? (init.json || init.form ? 'POST' : 'GET'),
    headers: init.json
      ? { 'content-type': 'application/json' }
      : init.form
        ? { 'content-type': 'application/x-www-form-urlencoded' }
        : {},
    body: init.json ? JSON.stringify(init.json) : init.form ? new URLSearchParams(init.form).toString() : undefined,
  });
  return { status: res.status, body: await res.text() };
}

let seq = 1000;
/** Provider-side ids, unique within a test run. */
export const nextId = () => ++seq;

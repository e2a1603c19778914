import crypto from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import { ProviderFailure } from './adapter-outbound';
import { literalHostError, NonPublicAddressError, publicOnlyLookup } from './provider-address';

/**
 * The HTTP client of the outbound adapters: node:http/https rather than fetch, because Plus MultiInfo
 * needs a client certificate (fetch ignores custom agents) and because the send path must know *when*
 * a call failed: before the connection stood (nothing sent, safe to retry) or after the request went
 * out (the provider may have sent the SMS). That distinction is what keeps retries from duplicating.
 * It is also where the address rule of provider calls is enforced (provider-address.ts): https only, public
 * addresses only, and no redirect is ever followed (an answer is the provider's, whatever its status).
 */

export interface HttpOptions {
  /** Whole call: connect, send, answer. */
  timeoutMs: number;
  /** Extra CA certificates (PEM) trusted besides the system ones (tests: the fakes' CA). */
  extraCa?: string[];
  /** Aborts the call (worker shutdown); ends as an `unknown` outcome when the request was out. */
  signal?: AbortSignal;
  /**
   * Lets calls go over plain http and to loopback, private and link-local addresses
   * (ALLOW_PRIVATE_PROVIDER_URLS: development, tests against local fakes).
   */
  allowPrivateAddresses: boolean;
}

export type FieldValue = string | number | boolean | undefined | null;

export interface HttpRequest {
  /** Provider name for messages ("SMSAPI"). */
  provider: string;
  method: 'GET' | 'POST';
  url: string;
  headers?: Record<string, string>;
  /** Added to the URL's query string. */
  query?: Record<string, FieldValue>;
  /** application/x-www-form-urlencoded body. */
  form?: Record<string, FieldValue | FieldValue[]>;
  /** application/json body. */
  json?: unknown;
  /** A raw body with its content type (generic HTTP). */
  body?: { text: string; contentType: string };
  /** PEM client certificate chain and private key (mutual TLS). */
  clientCert?: { cert: string; key: string };
  /** Highest TLS version to offer (see the MultiInfo adapter for why mutual TLS caps it). */
  tlsMaxVersion?: 'TLSv1.2' | 'TLSv1.3';
}

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** The body as JSON, or undefined when it is not JSON. */
  json<T = unknown>(): T | undefined;
}

const MAX_BODY = 1024 * 1024;

/** Form encoding; arrays repeat the field. Undefined and null values are left out. */
export function formEncode(fields: Record<string, FieldValue | FieldValue[]>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) {
    for (const one of Array.isArray(v) ? v : [v]) if (one !== undefined && one !== null) p.append(k, String(one));
  }
  return p.toString();
}

/** Server-certificate problems: our side does not trust the provider (configuration, not transient). */
const SERVER_CERT_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** Why a TLS server refused our client certificate, from the alert it sent. */
function clientCertAlert(code: string, message: string): string | null {
  const s = `${code} ${message}`.toUpperCase();
  if (!/ALERT/.test(s)) return null;
  if (/CERTIFICATE_REQUIRED|HANDSHAKE_FAILURE/.test(s))
    return 'the server demanded a client certificate and did not get one it accepts';
  if (/UNKNOWN_CA/.test(s))
    return 'the server rejected the client certificate: it is not signed by a CA the provider trusts';
  if (/CERTIFICATE_EXPIRED/.test(s)) return 'the server rejected the client certificate: it has expired';
  if (/CERTIFICATE_REVOKED/.test(s)) return 'the server rejected the client certificate: it was revoked';
  if (/BAD_CERTIFICATE|UNSUPPORTED_CERTIFICATE|CERTIFICATE_UNKNOWN|DECRYPT_ERROR/.test(s))
    return 'the server rejected the client certificate';
  return `the TLS handshake was refused (${code || message})`;
}

/**
 * Calls a provider. Resolves with any HTTP answer (status handling is the adapter's); rejects only
 * with ProviderFailure: `retryable` when no request reached the provider, `unknown` when it may have,
 * `permanent` for TLS trust problems that a retry cannot fix.
 */
export function httpCall(req: HttpRequest, opts: HttpOptions): Promise<HttpResponse> {
  const url = new URL(req.url);
  for (const [k, v] of Object.entries(req.query ?? {}))
    if (v !== undefined && v !== null) url.searchParams.append(k, String(v));
  let payload: string | undefined;
  const headers: Record<string, string> = { accept: '*/*', 'user-agent': 'smsdesk', ...req.headers };
  if (req.form) {
    payload = formEncode(req.form);
    headers['content-type'] = 'application/x-www-form-urlencoded; charset=utf-8';
  } else if (req.json !== undefined) {
    payload = JSON.stringify(req.json);
    headers['content-type'] = 'application/json; charset=utf-8';
  } else if (req.body) {
    payload = req.body.text;
    headers['content-type'] = req.body.contentType;
  }
  if (payload !== undefined) headers['content-length'] = String(Buffer.byteLength(payload));
  const isHttps = url.protocol === 'https:';
  const where = `${req.provider} at ${url.host}`;
  if (!opts.allowPrivateAddresses) {
    if (!isHttps) {
      return Promise.reject(
        new ProviderFailure(
          'permanent',
          'config',
          'INSECURE_URL',
          `${where}: provider calls go only over https, and this URL starts with ${url.protocol}//`,
        ),
      );
    }
    const literal = literalHostError(url.hostname);
    if (literal) return Promise.reject(nonPublicFailure(where, literal));
  }

  return new Promise<HttpResponse>((resolve, reject) => {
    // 'connecting' until the TCP/TLS connection stands; 'sent' once any byte of the request may be out.
    let phase: 'connecting' | 'sent' = 'connecting';
    let timedOut = false;
    let settled = false;
    const fail = (f: ProviderFailure) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      reject(f);
    };
    const options: https.RequestOptions = {
      method: req.method,
      headers,
      ...(isHttps
        ? {
            ca: opts.extraCa?.length ? [...tls.rootCertificates, ...opts.extraCa] : undefined,
            cert: req.clientCert?.cert,
            key: req.clientCert?.key,
            maxVersion: req.tlsMaxVersion,
          }
        : {}),
      ...(opts.allowPrivateAddresses ? {} : { lookup: publicOnlyLookup }),
    };
    const r = (isHttps ? https : http).request(url, options, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY) {
          res.destroy();
          fail(
            new ProviderFailure(
              'unknown',
              'server',
              'BODY_TOO_LARGE',
              `${where} answered with a body over ${MAX_BODY} bytes`,
            ),
          );
        } else chunks.push(c);
      });
      res.on('error', (err) =>
        fail(
          new ProviderFailure(
            'unknown',
            'server',
            (err as NodeJS.ErrnoException).code ?? 'EIO',
            `the answer of ${where} broke off: ${err.message}`,
          ),
        ),
      );
      res.on('end', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          text,
          json<T>() {
            try {
              return JSON.parse(text) as T;
            } catch {
              return undefined;
            }
          },
        });
      });
    });
    r.on('socket', (socket) => {
      // A reused keep-alive socket is connected already.
      if (r.reusedSocket) phase = 'sent';
      else socket.once(isHttps ? 'secureConnect' : 'connect', () => (phase = 'sent'));
    });
    r.on('error', (err: NodeJS.ErrnoException) => {
      const code = err.code ?? '';
      if (timedOut) {
        fail(
          phase === 'connecting'
            ? new ProviderFailure(
                'retryable',
                'unreachable',
                'CONNECT_TIMEOUT',
                `host unreachable: no connection to ${where} within ${opts.timeoutMs} ms`,
              )
            : new ProviderFailure(
                'unknown',
                'timeout',
                'TIMEOUT',
                `${where} did not answer within ${opts.timeoutMs} ms; it may or may not have accepted the request`,
              ),
        );
        return;
      }
      if (opts.signal?.aborted) {
        fail(
          new ProviderFailure(
            phase === 'connecting' ? 'retryable' : 'unknown',
            'timeout',
            'ABORTED',
            `the call to ${where} was cut off by a worker shutdown`,
          ),
        );
        return;
      }
      if (err instanceof NonPublicAddressError) return fail(nonPublicFailure(where, err));
      const alert = clientCertAlert(code, err.message);
      if (alert)
        return fail(new ProviderFailure('permanent', 'certificate', code || 'TLS_ALERT', `${where}: ${alert}`));
      if (SERVER_CERT_CODES.has(code)) {
        return fail(
          new ProviderFailure(
            'permanent',
            'certificate',
            code,
            `the server certificate of ${where} is not trusted (${code}); check the API host`,
          ),
        );
      }
      // A server that refuses a client certificate may just close the connection in the handshake
      // instead of sending an alert (Node's own TLS servers do): with a certificate offered, that is
      // by far the likeliest reason, and retrying will not change it.
      if (
        phase === 'connecting' &&
        req.clientCert &&
        (code === 'ECONNRESET' || /before secure TLS connection/.test(err.message))
      ) {
        return fail(
          new ProviderFailure(
            'permanent',
            'certificate',
            code || 'TLS_CLOSED',
            `${where} closed the connection during the TLS handshake: it most likely rejected the client certificate (expired, not signed by a CA it trusts, or not registered with the provider)`,
          ),
        );
      }
      if (code === 'ECONNREFUSED')
        return fail(
          new ProviderFailure('retryable', 'unreachable', code, `host unreachable: ${where} refused the connection`),
        );
      if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
        return fail(
          new ProviderFailure(
            'retryable',
            'unreachable',
            code,
            `host unreachable: the name ${url.hostname} does not resolve`,
          ),
        );
      if (['EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'EADDRNOTAVAIL'].includes(code)) {
        return fail(
          new ProviderFailure('retryable', 'unreachable', code, `host unreachable: no route to ${where} (${code})`),
        );
      }
      // A reset of a reused idle keep-alive socket means the server closed it before reading our request.
      if (phase === 'connecting' || (r.reusedSocket && code === 'ECONNRESET')) {
        return fail(
          new ProviderFailure(
            'retryable',
            'unreachable',
            code || 'ECONNRESET',
            `the connection to ${where} failed before the request was sent: ${err.message}`,
          ),
        );
      }
      fail(
        new ProviderFailure(
          'unknown',
          'server',
          code || 'EIO',
          `the connection to ${where} broke after the request was sent (${err.message}); it may or may not have accepted it`,
        ),
      );
    });
    const timer = setTimeout(() => {
      timedOut = true;
      r.destroy(new Error('timeout'));
    }, opts.timeoutMs);
    const onAbort = () => r.destroy(new Error('aborted'));
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    r.end(payload);
  });
}

function nonPublicFailure(where: string, err: Error): ProviderFailure {
  return new ProviderFailure(
    'permanent',
    'config',
    'NON_PUBLIC_ADDRESS',
    `${where} was not called: ${err.message}, and provider calls go only to public addresses`,
  );
}

/**
 * The usual meaning of an HTTP status when the provider's body says nothing more specific. The body itself
 * is never quoted: reasons reach agents (message errors, `lastTest`), and an answer can hold anything.
 */
export function statusFailure(provider: string, status: number): ProviderFailure | null {
  if (status === 429)
    return new ProviderFailure(
      'retryable',
      'rate',
      'HTTP 429',
      `${provider} is limiting the request rate (HTTP 429); will retry`,
    );
  if (status >= 500)
    return new ProviderFailure(
      'retryable',
      'server',
      `HTTP ${status}`,
      `${provider} had a server error (HTTP ${status})`,
    );
  if (status === 401)
    return new ProviderFailure(
      'permanent',
      'auth',
      'HTTP 401',
      `${provider} refused the credentials (HTTP 401): wrong API key, login or password`,
    );
  if (status === 403)
    return new ProviderFailure(
      'permanent',
      'ip',
      'HTTP 403',
      `${provider} forbade the request (HTTP 403): the key lacks the right or this server's IP address is not on the provider's allow list`,
    );
  if (status >= 400)
    return new ProviderFailure(
      'permanent',
      'other',
      `HTTP ${status}`,
      `${provider} refused the request (HTTP ${status})`,
    );
  return null;
}

/**
 * What a reason may say of an answer that is not what the provider documents: its size and type, never its
 * content (see statusFailure).
 */
export function unexpectedAnswer(res: Pick<HttpResponse, 'status' | 'headers' | 'text'>): string {
  const type = String(res.headers['content-type'] ?? 'no content type')
    .split(';')[0]
    .trim()
    .slice(0, 60);
  return `HTTP ${res.status}, ${Buffer.byteLength(res.text)} bytes of ${type}`;
}

/** The longest Retry-After we honour: a broken or hostile header must not park a message for days. */
const MAX_RETRY_AFTER_MS = 60 * 60 * 1000;

/** A `Retry-After` header (seconds or an HTTP date, RFC 9110) in ms from now, capped; undefined when absent or unreadable. */
export function retryAfterMs(
  headers: Record<string, string | string[] | undefined>,
  now = Date.now(),
): number | undefined {
  const raw = headers['retry-after'];
  const v = (Array.isArray(raw) ? raw[0] : raw)?.trim();
  if (!v) return undefined;
  const ms = /^[0-9]+$/.test(v) ? Number(v) * 1000 : Date.parse(v) - now;
  if (!Number.isFinite(ms)) return undefined;
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, ms));
}

/**
 * A message the provider put in a documented error field, as a reason may quote it: one line, printable
 * characters only, at most `max` characters.
 */
export function providerSaid(text: string, max = 120): string {
  const line = text
    .replace(/[\p{Cc}\p{Cf}]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** Recipient digits without "+" (what most Polish providers want: 48XXXXXXXXX). */
export const digitsOnly = (e164: string) => e164.replace(/^\+/, '');

/** A 32-hex MD5 as is, anything else hashed: the rule the catalog states for MD5 password fields. */
export function md5Hex(password: string): string {
  if (/^[0-9a-f]{32}$/i.test(password)) return password.toLowerCase();
  return crypto.createHash('md5').update(password, 'utf8').digest('hex');
}

/** The common sender-name rule: 1–11 letters/digits/space/.-_& with a letter, or a number of 3–16 digits. */
export function gsmSenderProblem(
  provider: string,
  sender: string | undefined,
  opts: { required?: boolean; maxAlpha?: number } = {},
): string | null {
  if (!sender) return opts.required ? `${provider} needs a sender name; set one on the mailbox` : null;
  const max = opts.maxAlpha ?? 11;
  if (/^\+?[0-9]{3,16}$/.test(sender)) return null;
  if (!/[A-Za-z]/.test(sender)) return `sender "${sender}" must contain a letter or be a phone number`;
  if (sender.length > max) return `sender "${sender}" is longer than the ${max} characters ${provider} allows`;
  if (!/^[A-Za-z0-9 .\-_&]+$/.test(sender))
    return `sender "${sender}" may hold only letters, digits, space and . - _ &`;
  return null;
}

import crypto from 'node:crypto';
import http from 'node:http';

/** A file part of a multipart request. */
export interface PushFile {
  field: string;
  filename: string;
  contentType: string;
  data: Buffer;
}

export interface PushOptions {
  method?: 'GET' | 'POST';
  query?: Record<string, string | undefined>;
  form?: Record<string, string | undefined>;
  json?: unknown;
  multipart?: { fields: Record<string, string | undefined>; files: PushFile[] };
  /** A body sent as is, with its content type. */
  raw?: { body: string | Buffer; contentType: string };
  headers?: Record<string, string>;
  /** Source address of the connection (127.0.0.x on Linux loopback), to play a client or a proxy. */
  localAddress?: string;
}

export interface PushResult {
  status: number;
  body: string;
  contentType?: string;
}

function formEncode(fields: Record<string, string | undefined>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) p.append(k, v);
  return p.toString();
}

export function multipartBody(
  fields: Record<string, string | undefined>,
  files: PushFile[],
): { body: Buffer; contentType: string } {
  const boundary = `----smsdeskfake${crypto.randomBytes(8).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`, 'utf8'));
  }
  for (const f of files) {
    chunks.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${f.field}"; filename="${f.filename}"\r\nContent-Type: ${f.contentType}\r\n\r\n`,
        'utf8',
      ),
    );
    chunks.push(f.data, Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

/**
 * Sends one request exactly as built (node:http, so a test can choose the source address and every
 * header, e.g. X-Forwarded-For).
 */
export function push(url: string, o: PushOptions = {}): Promise<PushResult> {
  const u = new URL(url);
  for (const [k, v] of Object.entries(o.query ?? {})) if (v !== undefined) u.searchParams.append(k, v);
  let body: Buffer | undefined;
  const headers: Record<string, string> = { ...o.headers };
  if (o.form) {
    body = Buffer.from(formEncode(o.form));
    headers['content-type'] ??= 'application/x-www-form-urlencoded';
  } else if (o.json !== undefined) {
    body = Buffer.from(JSON.stringify(o.json));
    headers['content-type'] ??= 'application/json';
  } else if (o.multipart) {
    const mp = multipartBody(o.multipart.fields, o.multipart.files);
    body = mp.body;
    headers['content-type'] = mp.contentType;
  } else if (o.raw) {
    body = Buffer.isBuffer(o.raw.body) ? o.raw.body : Buffer.from(o.raw.body);
    headers['content-type'] = o.raw.contentType;
  }
  if (body) headers['content-length'] = String(body.length);
  const method = o.method ?? (body ? 'POST' : 'GET');
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: u.hostname,
        port: u.port,
        path: `${u.pathname}${u.search}`,
        method,
        headers,
        localAddress: o.localAddress,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            contentType: res.headers['content-type'],
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

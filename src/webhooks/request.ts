import type { FastifyInstance, FastifyRequest } from 'fastify';
import multipart from '@fastify/multipart';
import type { InboundFile, WebhookRequest } from '../modules/providers/adapter-inbound';
import { decodeForm, flatFields, storable } from './body';

/** A request we could not read: answered 400 (or its own status) and logged as malformed. */
export class MalformedRequest extends Error {
  readonly statusCode: number = 400;
}

/** A request body over the route's limit: answered 413 and logged like any malformed request. */
export class TooLarge extends MalformedRequest {
  override readonly statusCode = 413;
  constructor(limit: number) {
    super(`the request is over the limit of ${limit} bytes`);
  }
}

/** A body as the edge's content-type parsers leave it: decoding happens in the handler, so a bad one is logged. */
type RawBody = { kind: 'json' | 'form' | 'text'; text: string; charset?: string } | undefined;

export interface MultipartLimits {
  /** Bytes kept per file; a larger file is recorded without its bytes. */
  fileBytes: number;
  files: number;
}

/**
 * Makes `scope` hand bodies over as text (JSON, forms, anything else) or as a multipart stream: they are
 * decoded in the handler, so that a body that cannot be decoded still leaves an event in the log.
 */
export async function acceptRawBodies(scope: FastifyInstance, limits: MultipartLimits): Promise<void> {
  scope.removeAllContentTypeParsers();
  const charsetOf = (req: FastifyRequest) =>
    /charset=([^;]+)/i
      .exec(req.headers['content-type'] ?? '')?.[1]
      ?.trim()
      .replace(/"/g, '');
  scope.addContentTypeParser(
    ['application/json', 'application/x-www-form-urlencoded'],
    { parseAs: 'buffer' },
    (req, buf, done) => {
      const isJson = /json/i.test(req.headers['content-type'] ?? '');
      // Form bodies are ASCII with percent escapes; the charset applies after decoding them.
      done(null, {
        kind: isJson ? 'json' : 'form',
        text: (buf as Buffer).toString(isJson ? 'utf8' : 'latin1'),
        charset: charsetOf(req),
      });
    },
  );
  scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, buf, done) =>
    done(null, { kind: 'text', text: (buf as Buffer).toString('utf8') }),
  );
  await scope.register(multipart, {
    throwFileSizeLimit: false,
    limits: { fileSize: limits.fileBytes, files: limits.files, fields: 200, fieldSize: 256 * 1024, parts: 250 },
  });
}

/**
 * Reads a multipart body: text fields, and files up to the size limit (bigger ones are marked, not kept).
 * Multipart escapes Fastify's body limit, so the route's limit is enforced here: on the declared length
 * before anything is read, and on what was kept while reading.
 */
async function readMultipart(
  req: FastifyRequest,
  limit: number,
): Promise<{ body: Record<string, string | string[]>; files: InboundFile[] }> {
  if (Number(req.headers['content-length']) > limit) throw new TooLarge(limit);
  const body: Record<string, string | string[]> = {};
  const files: InboundFile[] = [];
  let kept = 0;
  const keep = (bytes: number) => {
    kept += bytes;
    if (kept > limit) throw new TooLarge(limit);
  };
  for await (const part of req.parts()) {
    if (part.type === 'file') {
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of part.file) {
        size += (chunk as Buffer).length;
        keep((chunk as Buffer).length);
        chunks.push(chunk as Buffer);
      }
      const truncated = part.file.truncated;
      files.push({
        field: storable(part.fieldname),
        filename: storable(part.filename) || undefined,
        contentType: part.mimetype || 'application/octet-stream',
        data: truncated ? Buffer.alloc(0) : Buffer.concat(chunks),
        truncated,
        size,
      });
    } else {
      const v = String(part.value ?? '');
      keep(v.length + part.fieldname.length);
      const prev = body[part.fieldname];
      body[part.fieldname] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
    }
  }
  return { body, files };
}

/** Decodes a request's query and body (in its charset) into what the adapters parse. */
export async function readWebhookRequest(
  req: FastifyRequest,
  variant: WebhookRequest['variant'],
  bodyLimit: number,
): Promise<WebhookRequest> {
  const query = storable({ ...(req.query as Record<string, unknown>) });
  let body: unknown;
  let files: InboundFile[] = [];
  if (req.isMultipart()) {
    const mp = await readMultipart(req, bodyLimit);
    body = mp.body;
    files = mp.files;
  } else {
    const raw = req.body as RawBody;
    if (raw?.kind === 'json') {
      try {
        body = raw.text.trim() ? JSON.parse(raw.text) : undefined;
      } catch {
        throw new MalformedRequest('the body is not valid JSON');
      }
    } else if (raw?.kind === 'form') body = decodeForm(raw.text, raw.charset);
    else if (raw?.kind === 'text') body = raw.text.length ? raw.text : undefined;
  }
  body = storable(body);
  return {
    method: req.method,
    variant,
    query,
    body,
    fields: flatFields(query, body),
    files,
    contentType: req.headers['content-type'],
  };
}

export function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

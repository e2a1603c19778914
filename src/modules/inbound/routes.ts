import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import multipart from '@fastify/multipart';
import type { AppContext } from '../../app-context';
import { trustedProxyList } from '../../config';
import { AuthService } from '../auth/auth.service';
import type { InboundFile, WebhookRequest } from '../providers/adapter-inbound';
import { PROVIDER_CATALOG } from '../providers/catalog';
import type { ProviderId } from '../providers/catalog.types';
import { PROVIDERS } from '../providers/registry';
import { MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS, MAX_MMS_REQUEST_BYTES } from './attachment.entity';
import { RefusalLimiter } from '../../webhooks/refusals';
import { decodeForm, flatFields, storable } from './body';
import { clientIp } from './client-ip';
import { InboundOutcome, InboundReason } from './inbound-event.entity';
import type { Delivery } from './inbound.service';

export const INCOMING_PREFIX = '/panel/tickets/incoming';

/** The path segment of each provider that has a webhook path in the catalog ("smsapi" → SMSAPI). */
const PROVIDER_BY_SEGMENT = new Map<string, ProviderId>(
  Object.values(PROVIDER_CATALOG)
    .filter((e) => e.webhookPath)
    .map((e) => [e.webhookPath!.slice(INCOMING_PREFIX.length + 1), e.id]),
);

/** Routes a provider calls besides its webhook path (e.g. an MMS callback), with the provider they belong to. */
const EXTRA_ROUTES = PROVIDERS.flatMap((p) => (p.extraRoutes ?? []).map((r) => ({ ...r, provider: p.id })));

/** A body as our content-type parsers leave it: decoding happens in the handler, so a bad one is logged. */
type RawBody = { kind: 'json' | 'form' | 'text'; text: string; charset?: string } | undefined;

class MalformedRequest extends Error {}

/**
 * An error for the log without the SQL MikroORM puts in driver errors: with inlined values that SQL holds
 * the message text and customer numbers.
 */
function safeError(e: unknown): Record<string, unknown> {
  const err = e as Error & { code?: string; sqlMessage?: string };
  const text = String(err?.message ?? e);
  const pgReason = text.includes(' - ') ? text.slice(text.lastIndexOf(' - ') + 3) : text;
  return { type: err?.name, code: err?.code, message: pgReason.slice(0, 300) };
}

/** A request body over the route's limit: answered 413 and logged like any malformed request. */
class TooLarge extends MalformedRequest {
  readonly statusCode = 413;
  constructor(limit: number) {
    super(`the request is over the limit of ${limit} bytes`);
  }
}

/**
 * Reads a multipart body: text fields, and files up to the size limit (bigger ones are marked, not kept).
 * Multipart escapes Fastify's body limit, so the route's limit is enforced here: on the declared length
 * before anything is read, and on what was kept while reading.
 */
async function readMultipart(req: FastifyRequest, limit: number): Promise<{ body: Record<string, string | string[]>; files: InboundFile[] }> {
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
      files.push({ field: storable(part.fieldname), filename: storable(part.filename) || undefined, contentType: part.mimetype || 'application/octet-stream', data: truncated ? Buffer.alloc(0) : Buffer.concat(chunks), truncated, size });
    } else {
      const v = String(part.value ?? '');
      keep(v.length + part.fieldname.length);
      const prev = body[part.fieldname];
      body[part.fieldname] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
    }
  }
  return { body, files };
}

async function webhookRequest(req: FastifyRequest, variant: 'sms' | 'mms', bodyLimit: number): Promise<WebhookRequest> {
  const query = storable({ ...(req.query as Record<string, unknown>) });
  let body: unknown;
  let files: InboundFile[] = [];
  if (req.isMultipart()) {
    const mp = await readMultipart(req, variant === 'mms' ? MAX_MMS_REQUEST_BYTES : bodyLimit);
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
  return { method: req.method, variant, query, body, fields: flatFields(query, body), files, contentType: req.headers['content-type'] };
}

/** A delivery with nothing read from its body: what the event log gets for a request we could not read. */
function unreadDelivery(req: FastifyRequest, provider: ProviderId, variant: 'sms' | 'mms', remoteIp: string, query: Record<string, unknown> = {}): Delivery {
  return { provider, path: req.url.split('?')[0], remoteIp, headers: {}, req: { method: req.method, variant, query, body: undefined, fields: {}, files: [] } };
}

function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * Provider webhooks: `GET|POST /panel/tickets/incoming/<provider>` for every provider with a webhook path in
 * the catalog, plus each provider's extra routes from the registry (an MMS callback; delivery reports at
 * `…/:provider/dlr` belong to the outbound module). Bodies are decoded here, not by Fastify, so that a
 * malformed one still leaves an inbound event. The routes log at warn: their URLs can carry the webhook
 * token and message text, which the info-level request log must not show.
 * Also `GET /attachments/:id`, the download of MMS files for logged-in users.
 */
export async function inboundRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const trusted = trustedProxyList(ctx.config);
  const service = ctx.services.inbound;
  // Fastify's per-request info lines show the URL (token, SerwerSMS text); these routes log from warn up,
  // or less when the app is quieter.
  const routeLogLevel = (['error', 'fatal', 'silent'].includes(ctx.log.level) ? ctx.log.level : 'warn') as 'warn';

  const delivery = async (req: FastifyRequest, provider: ProviderId, variant: 'sms' | 'mms', remoteIp: string): Promise<Delivery> => {
    const base = {
      provider,
      path: req.url.split('?')[0],
      remoteIp,
      token: (typeof (req.query as Record<string, unknown>).token === 'string' ? ((req.query as Record<string, unknown>).token as string) : undefined) ?? header(req, 'x-webhook-token'),
      headers: Object.fromEntries(['content-type', 'user-agent', 'x-forwarded-for'].map((h) => [h, header(req, h)]).filter(([, v]) => v)) as Record<string, string>,
    };
    try {
      return { ...base, req: await webhookRequest(req, variant, app.initialConfig.bodyLimit ?? 1024 * 1024) };
    } catch (e) {
      const reason = e instanceof MalformedRequest ? e.message : `the request could not be read (${(e as Error).message})`;
      throw Object.assign(new MalformedRequest(reason), { statusCode: (e as { statusCode?: number }).statusCode, delivery: { ...unreadDelivery(req, provider, variant, base.remoteIp, storable(req.query as Record<string, unknown>)), ...base } });
    }
  };

  const refusals = new RefusalLimiter(ctx.config.webhookRefusalsPerIp, ctx.config.webhookRefusalWindowSeconds);
  /** The answer to a refusal from a client over its budget: nothing logged, one warning a window. */
  const overBudget = (reply: FastifyReply, ip: string, provider: ProviderId, retryAfter: number) => {
    if (refusals.firstOverLimit(ip, retryAfter)) {
      ctx.log.warn({ ip, provider, retryAfterSeconds: retryAfter }, 'inbound: this client sent too many refused webhook requests; its refusals are answered 429 and not logged for a while');
    }
    return reply.status(429).header('retry-after', String(retryAfter)).type('text/plain').send('Too many refused requests from this address, retry later');
  };

  const handle = async (req: FastifyRequest, reply: FastifyReply, provider: ProviderId, variant: 'sms' | 'mms') => {
    const em = ctx.orm.em.fork();
    const started = Date.now();
    const ip = clientIp(req.socket.remoteAddress, req.headers['x-forwarded-for'], trusted);
    const retryAfter = await refusals.exhausted(ip);
    let d: Delivery;
    try {
      d = await delivery(req, provider, variant, ip);
    } catch (e) {
      if (retryAfter !== null) return overBudget(reply, ip, provider, retryAfter);
      const bad = e as MalformedRequest & { delivery: Delivery };
      const status = (e as { statusCode?: number }).statusCode === 413 ? 413 : 400;
      await refusals.refused(ip);
      await service
        .logEvent(em, bad.delivery ?? unreadDelivery(req, provider, variant, ''), InboundOutcome.MALFORMED, { code: InboundReason.MALFORMED, reason: bad.message }, undefined)
        .catch((err) => req.log.error({ err }, 'inbound: could not log a malformed request'));
      return reply.status(status).type('text/plain').send(`Bad request: ${bad.message}`);
    }
    try {
      const a = await service.receive(em, { ...d, unlogged: retryAfter !== null });
      const refused = a.outcome === InboundOutcome.REJECTED || a.outcome === InboundOutcome.MALFORMED;
      if (refused && retryAfter !== null) return overBudget(reply, ip, provider, retryAfter);
      if (refused) await refusals.refused(ip);
      const level = a.outcome === InboundOutcome.ACCEPTED || a.outcome === InboundOutcome.DUPLICATE ? 'debug' : 'info';
      // The app's logger, not the request's (which is at warn for these routes): a line without URL or text.
      ctx.log[level]({ reqId: req.id, provider, outcome: a.outcome, eventId: a.eventId, ms: Date.now() - started }, 'inbound webhook');
      return reply.status(a.status).type(a.contentType ?? 'text/plain').send(a.body);
    } catch (err) {
      // Nothing was acknowledged: the provider retries later (database down, or our own failure).
      req.log.error({ err: safeError(err), provider }, 'inbound webhook failed; answered 503 so that the provider retries');
      return reply.status(503).header('retry-after', '30').type('text/plain').send('Temporarily unavailable, retry later');
    }
  };

  await app.register(async (scope) => {
    // Bodies arrive as text and are decoded in the handler (see above).
    scope.removeAllContentTypeParsers();
    const charsetOf = (req: FastifyRequest) => /charset=([^;]+)/i.exec(req.headers['content-type'] ?? '')?.[1]?.trim().replace(/"/g, '');
    scope.addContentTypeParser(['application/json', 'application/x-www-form-urlencoded'], { parseAs: 'buffer' }, (req, buf, done) => {
      const isJson = /json/i.test(req.headers['content-type'] ?? '');
      const charset = charsetOf(req);
      // Form bodies are ASCII with percent escapes; the charset applies after decoding them.
      done(null, { kind: isJson ? 'json' : 'form', text: (buf as Buffer).toString(isJson ? 'utf8' : 'latin1'), charset });
    });
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, buf, done) => done(null, { kind: 'text', text: (buf as Buffer).toString('utf8') }));
    await scope.register(multipart, {
      throwFileSizeLimit: false,
      limits: { fileSize: MAX_ATTACHMENT_BYTES, files: MAX_ATTACHMENTS, fields: 200, fieldSize: 256 * 1024, parts: 250 },
    });
    // Errors before the handler (body over the size limit, broken stream): still an inbound event.
    scope.setErrorHandler(async (err: Error & { statusCode?: number }, req, reply) => {
      const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
      if (status >= 500) {
        req.log.error({ err: safeError(err) }, 'inbound webhook failed');
        return reply.status(503).header('retry-after', '30').type('text/plain').send('Temporarily unavailable, retry later');
      }
      const segment = (req.params as { provider?: string })?.provider;
      const extra = EXTRA_ROUTES.find((r) => req.url.startsWith(r.path));
      const provider = extra ? extra.provider : segment ? PROVIDER_BY_SEGMENT.get(segment.toLowerCase()) : undefined;
      if (provider) {
        const ip = clientIp(req.socket.remoteAddress, req.headers['x-forwarded-for'], trusted);
        const retryAfter = await refusals.exhausted(ip);
        if (retryAfter !== null) return overBudget(reply, ip, provider, retryAfter);
        await refusals.refused(ip);
        const d = unreadDelivery(req, provider, 'sms', ip);
        await service.logEvent(ctx.orm.em.fork(), d, InboundOutcome.MALFORMED, { code: InboundReason.MALFORMED, reason: err.message }, undefined).catch(() => {});
      }
      return reply.status(status).type('text/plain').send(`Bad request: ${err.message}`);
    });

    const methods: ('GET' | 'POST')[] = ['GET', 'POST'];
    for (const r of EXTRA_ROUTES) {
      scope.route({ method: methods, url: r.path, logLevel: routeLogLevel, handler: (req, reply) => handle(req, reply, r.provider, r.variant) });
    }
    scope.route<{ Params: { provider: string } }>({
      method: methods,
      url: `${INCOMING_PREFIX}/:provider`,
      logLevel: routeLogLevel,
      handler: (req, reply) => {
        const provider = PROVIDER_BY_SEGMENT.get(req.params.provider.toLowerCase());
        if (!provider) return reply.status(404).type('text/plain').send('Unknown provider');
        return handle(req, reply, provider, 'sms');
      },
    });
  });

  app.get<{ Params: { id: string } }>('/attachments/:id', async (req, reply) => {
    const em = ctx.orm.em.fork();
    let token: string | undefined;
    try {
      token = AuthService.bearer(req.headers.authorization);
    } catch {
      token = undefined;
    }
    const user = token ? await ctx.services.auth.authenticate(em, token) : null;
    if (!user) return reply.status(401).header('www-authenticate', 'Bearer').send({ error: 'Log in first: send "Authorization: Bearer <token>"' });
    if (!/^[0-9]{1,10}$/.test(req.params.id)) return reply.status(404).send({ error: 'No such attachment' });
    const rows = await em.execute<{ filename: string | null; content_type: string; data: Buffer | null; omitted: boolean }[]>(
      `select filename, content_type, data, omitted from attachment where id = ?`,
      [Number(req.params.id)],
    );
    const a = rows[0];
    if (!a) return reply.status(404).send({ error: 'No such attachment' });
    if (a.omitted || !a.data) return reply.status(410).send({ error: `The file was over the ${MAX_ATTACHMENT_BYTES} byte limit and was not kept` });
    const name = (a.filename ?? `attachment-${req.params.id}`).replace(/["\\\r\n]/g, '_');
    return reply
      .header('content-type', a.content_type)
      .header('content-disposition', `attachment; filename="${name.replace(/[^\x20-\x7e]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(name)}`)
      .header('x-content-type-options', 'nosniff')
      .header('cache-control', 'private, no-store')
      .send(a.data);
  });
}

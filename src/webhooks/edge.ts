import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { BlockList } from 'node:net';
import type { Mailbox } from '../modules/providers/adapter';
import type { WebhookReply, WebhookRequest } from '../modules/providers/adapter-inbound';
import type { ProviderId } from '../modules/providers/catalog.types';
import type { Metrics, Tally, WebhookResult, WebhookRoute } from '../modules/metrics/metrics';
import { storable } from './body';
import { clientIp } from './client-ip';
import type { RefusalLimiter } from './refusals';
import { acceptRawBodies, header, MalformedRequest, readWebhookRequest, type MultipartLimits } from './request';

/** One provider request as the edge hands it to the domain (or as a replay rebuilds it). */
export interface WebhookCall {
  provider: ProviderId;
  /** Our path it came to, without the query. */
  path: string;
  req: WebhookRequest;
  /** The client address (X-Forwarded-For only from trusted proxies). */
  remoteIp: string;
  /** The webhook token the request carried (query `token` or header X-Webhook-Token). */
  token?: string;
  /** A few request headers for the log (content type, user agent, forwarding). */
  headers: Record<string, string>;
  /** The inbound event this call replays. */
  replayOf?: number;
  /** The client has used up its refusals (RefusalLimiter): a refusal of this call leaves no event. */
  unlogged?: boolean;
  /** The HTTP request's id (X-Request-Id), for the log lines the domain writes about it; not kept for replays. */
  requestId?: string;
}

/**
 * What became of a call, as the domain reports it; the edge turns it into the provider's reply.
 * - accepted / duplicate: stored now, or a provider retry of something stored;
 * - refused: understood, but not let in (no mailbox, switched off, IP, token, signature);
 * - malformed: not understood;
 * - unsupported: the provider does not call this route.
 */
export interface WebhookOutcome {
  kind: 'accepted' | 'duplicate' | 'refused' | 'malformed' | 'unsupported';
  reason?: string;
  /** The inbound event written for the call; none when its client is over its refusal budget. */
  eventId?: number;
  /** The mailbox that accepted it (some providers' replies depend on its settings). */
  mailbox?: Mailbox;
}

/** The replies a provider expects, from its adapter: the domain never builds one. */
export interface WebhookReplies {
  accepted(mailbox?: Mailbox): WebhookReply;
  refused: WebhookReply;
}

/** One route of the edge. */
export interface WebhookEndpoint {
  provider: ProviderId;
  path: string;
  variant: WebhookRequest['variant'];
  /** What the route receives, for the metrics: inbound SMS, inbound MMS or delivery reports. */
  route: WebhookRoute;
  /** The largest body this route reads (multipart included). */
  bodyLimit: number;
  /** Handles a decoded call. Throws only when nothing could be recorded: the edge answers 503 and the provider retries. */
  receive(call: WebhookCall): Promise<WebhookOutcome>;
  /** Records a call the edge could not read. */
  unreadable(call: WebhookCall, reason: string): Promise<void>;
  replies: WebhookReplies;
}

export interface EdgeDeps {
  trustedProxies: BlockList;
  refusals: RefusalLimiter;
  /** The app's logger: lines without URLs or message text. */
  log: FastifyBaseLogger;
  multipart: MultipartLimits;
  /** Counts every request by provider, route and outcome (smsdesk_webhook_requests_total). */
  metrics: Metrics;
  /**
   * The folder the routes live in: any other path in it answers 404 at the routes' log level, and a route's
   * path in other letter case is served as that route (provider panels keep what the admin typed).
   */
  prefix: string;
}

/** What a provider gets when we could not store its request: retry later. */
const RETRY_LATER: WebhookReply = {
  status: 503,
  body: 'Temporarily unavailable, retry later',
  contentType: 'text/plain',
};

/**
 * What a request the domain could not read is told. Not the domain's reason: that can name mailboxes and their
 * field mappings (generic HTTP), which no unauthenticated caller may learn; the inbound event log, which admins
 * read, keeps it whole.
 */
const UNREADABLE: WebhookReply = {
  status: 400,
  body: 'Bad request: the request holds no message this route can read',
  contentType: 'text/plain',
};

/** The provider's reply to an outcome. */
function replyFor(o: WebhookOutcome, replies: WebhookReplies): WebhookReply {
  switch (o.kind) {
    case 'accepted':
    case 'duplicate':
      return replies.accepted(o.mailbox);
    case 'refused':
      return replies.refused;
    case 'malformed':
      return UNREADABLE;
    case 'unsupported':
      return { status: 404, body: o.reason ?? 'Not a route of this provider', contentType: 'text/plain' };
  }
}

/** The metrics' outcome of each domain outcome: the event log files an unsupported route as refused too. */
const RESULT_OF: Record<WebhookOutcome['kind'], WebhookResult> = {
  accepted: 'accepted',
  duplicate: 'duplicate',
  refused: 'refused',
  malformed: 'malformed',
  unsupported: 'refused',
};

/**
 * An error for the log without the SQL MikroORM puts in driver errors: with inlined values that SQL holds
 * the message text and customer numbers.
 */
function safeError(e: unknown): Record<string, unknown> {
  const err = e as Error & { code?: string };
  const text = String(err?.message ?? e);
  const pgReason = text.includes(' - ') ? text.slice(text.lastIndexOf(' - ') + 3) : text;
  return { type: err?.name, code: err?.code, message: pgReason.slice(0, 300) };
}

/**
 * The HTTP edge every provider route shares (inbound SMS and MMS, delivery reports): the client IP, the
 * token the request carries, body decoding (in the handler, so that a body that cannot be decoded still
 * leaves an event), the refusal budget per client IP, and the mapping of the domain's outcome to the
 * provider's reply. The routes log at warn: their URLs can carry the webhook token and message text, which
 * the info-level request log must not show.
 */
export async function webhookRoutes(app: FastifyInstance, deps: EdgeDeps, endpoints: WebhookEndpoint[]): Promise<void> {
  const { refusals, log } = deps;
  // Each route's counters are made here, once: counting a request is one increment.
  const tallies = new Map<WebhookEndpoint, Record<WebhookResult, Tally>>(
    endpoints.map((e) => [e, deps.metrics.webhookTallies(e.provider, e.route)]),
  );
  const count = (e: WebhookEndpoint, r: WebhookResult) => tallies.get(e)?.[r].inc();
  const routeLogLevel = (['error', 'fatal', 'silent'].includes(log.level) ? log.level : 'warn') as 'warn';
  const ipOf = (req: FastifyRequest) =>
    clientIp(req.socket.remoteAddress, req.headers['x-forwarded-for'], deps.trustedProxies);

  /** The call without its body: what the log gets for a request that could not be read. */
  const unreadCall = (req: FastifyRequest, e: WebhookEndpoint, remoteIp: string): WebhookCall => {
    const query = req.query as Record<string, unknown> | undefined;
    return {
      provider: e.provider,
      requestId: req.id,
      path: req.url.split('?')[0],
      remoteIp,
      token: (typeof query?.token === 'string' ? query.token : undefined) ?? header(req, 'x-webhook-token'),
      headers: Object.fromEntries(
        ['content-type', 'user-agent', 'x-forwarded-for'].map((h) => [h, header(req, h)]).filter(([, v]) => v),
      ) as Record<string, string>,
      req: {
        method: req.method,
        variant: e.variant,
        query: storable({ ...query }),
        body: undefined,
        fields: {},
        files: [],
      },
    };
  };

  const send = (reply: FastifyReply, r: WebhookReply) =>
    reply
      .status(r.status)
      .type(r.contentType ?? 'text/plain')
      .send(r.body);

  /** A refusal from a client over its budget: 429, nothing logged, one warning a window. */
  const overBudget = (reply: FastifyReply, ip: string, e: WebhookEndpoint, retryAfter: number) => {
    if (refusals.firstOverLimit(ip, retryAfter)) {
      log.warn(
        { reqId: reply.request.id, ip, provider: e.provider, retryAfterSeconds: retryAfter },
        'webhooks: this client sent too many refused requests; its refusals are answered 429 and not logged for a while',
      );
    }
    return reply
      .status(429)
      .header('retry-after', String(retryAfter))
      .type('text/plain')
      .send('Too many refused requests from this address, retry later');
  };

  /** A request the edge could not read: counted against the client's budget and logged while it has one. */
  const unreadable = async (
    req: FastifyRequest,
    reply: FastifyReply,
    e: WebhookEndpoint,
    ip: string,
    retryAfter: number | null,
    err: MalformedRequest,
  ) => {
    count(e, 'malformed');
    if (retryAfter !== null) return overBudget(reply, ip, e, retryAfter);
    await e
      .unreadable(unreadCall(req, e, ip), err.message)
      .catch((logErr) => req.log.error({ err: safeError(logErr) }, 'webhooks: could not log an unreadable request'));
    return send(reply, {
      status: err.statusCode === 413 ? 413 : 400,
      body: `Bad request: ${err.message}`,
      contentType: 'text/plain',
    });
  };

  const handle = async (req: FastifyRequest, reply: FastifyReply, e: WebhookEndpoint) => {
    const started = Date.now();
    const ip = ipOf(req);
    // Counted as a refusal from the start, so that concurrent requests cannot all pass the check; given back
    // once the request turns out not to be one.
    const retryAfter = await refusals.take(ip);
    let call: WebhookCall;
    try {
      call = {
        ...unreadCall(req, e, ip),
        req: await readWebhookRequest(req, e.variant, e.bodyLimit),
        unlogged: retryAfter !== null,
      };
    } catch (err) {
      const bad =
        err instanceof MalformedRequest
          ? err
          : new MalformedRequest(`the request could not be read (${(err as Error).message})`);
      return unreadable(req, reply, e, ip, retryAfter, bad);
    }
    try {
      const o = await e.receive(call);
      count(e, RESULT_OF[o.kind]);
      const refused = o.kind === 'refused' || o.kind === 'malformed' || o.kind === 'unsupported';
      if (refused && retryAfter !== null) return overBudget(reply, ip, e, retryAfter);
      if (!refused) await refusals.giveBack(ip);
      log[refused ? 'info' : 'debug'](
        {
          reqId: req.id,
          provider: e.provider,
          path: e.path,
          outcome: o.kind,
          eventId: o.eventId,
          ms: Date.now() - started,
        },
        'webhook',
      );
      return send(reply, replyFor(o, e.replies));
    } catch (err) {
      // Nothing was acknowledged: the provider retries later (database down, or our own failure).
      count(e, 'failed');
      await refusals.giveBack(ip);
      req.log.error(
        { err: safeError(err), provider: e.provider },
        'webhook failed; answered 503 so that the provider retries',
      );
      return send(reply.header('retry-after', '30'), RETRY_LATER);
    }
  };

  await app.register(async (scope) => {
    await acceptRawBodies(scope, deps.multipart);
    // Errors before the handler (a body over the size limit, a broken stream): still an event in the log.
    scope.setErrorHandler(async (err: Error & { statusCode?: number }, req, reply) => {
      const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
      const e = (req.routeOptions.config as { endpoint?: WebhookEndpoint }).endpoint;
      if (status >= 500) {
        if (e) count(e, 'failed');
        req.log.error({ err: safeError(err) }, 'webhook failed');
        return send(reply.header('retry-after', '30'), RETRY_LATER);
      }
      const bad = Object.assign(new MalformedRequest(err.message), { statusCode: status });
      if (!e) return send(reply, { status, body: `Bad request: ${err.message}`, contentType: 'text/plain' });
      const ip = ipOf(req);
      return unreadable(req, reply, e, ip, await refusals.take(ip), bad);
    });
    for (const e of endpoints) {
      scope.route({
        method: ['GET', 'POST'],
        url: e.path,
        logLevel: routeLogLevel,
        bodyLimit: e.bodyLimit,
        config: { endpoint: e },
        handler: (req, reply) => handle(req, reply, e),
      });
    }
    const byPath = new Map(endpoints.map((e) => [e.path.toLowerCase(), e]));
    scope.route({
      method: ['GET', 'POST'],
      url: `${deps.prefix}/*`,
      logLevel: routeLogLevel,
      handler: (req, reply) => {
        const e = byPath.get(req.url.split('?')[0].toLowerCase());
        return e
          ? handle(req, reply, e)
          : send(reply, { status: 404, body: 'Unknown provider', contentType: 'text/plain' });
      },
    });
  });
}

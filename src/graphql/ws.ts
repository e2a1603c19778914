import type { IncomingMessage, Server } from 'node:http';
import { GraphQLError, type GraphQLSchema } from 'graphql';
import type { FastifyBaseLogger } from 'fastify';
import { WebSocketServer } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import type { MikroORM } from '@mikro-orm/postgresql';
import { servesApi, trustedProxyList, type Config } from '../config';
import { clientIp } from '../webhooks/client-ip';
import type { AuthUser } from '../modules/auth/auth.service';
import type { TokenWatch } from '../modules/auth/token-watch';
import type { Services } from '../services';
import type { Context } from './context';
import { ErrorCode } from '../common/errors';
import { WsClose } from './close-codes';
import { errorOptions, formatSocketError } from './errors';
import { wsExecutionArgs } from './limits';
import type { EventBus, PgEventTarget } from './pubsub';
import { DEFAULT_SLOW_CONSUMER_LIMITS, guardSlowConsumers, type SlowConsumerLimits } from './slow-consumer';
import { CROSS_ORIGIN_PATH, wsOriginAllowed } from './origins';
import { REQUEST_ID_HEADER, requestIdOf } from '../common/request-id';
import type { Metrics } from '../modules/metrics/metrics';

export interface GraphqlWsOptions {
  /** The HTTP server to share: graphql-ws takes the Upgrade requests on /graphql, Fastify the rest. */
  server: Server;
  schema: GraphQLSchema;
  orm: MikroORM;
  services: Services;
  config: Config;
  events: EventBus;
  eventTarget: PgEventTarget;
  /** Re-checks the tokens of open sockets; started and stopped with the app's background loops. */
  tokenWatch: TokenWatch;
  /** Resolves `Bearer <token>`; throws a GraphQLError for a bad token, anything else when the database is away. */
  authenticate(header: string): Promise<AuthUser | undefined>;
  slowConsumer?: Partial<SlowConsumerLimits>;
  log: FastifyBaseLogger;
  /** Counts the acknowledged connections (smsdesk_graphql_ws_connections). */
  metrics: Metrics;
}

export interface GraphqlWs {
  /** Closes every socket (1001). */
  dispose(): Promise<void>;
  /** Stops accepting sockets. */
  close(): Promise<void>;
}

/** graphql-ws on the HTTP server's port and path; the close codes clients see are WsClose (close-codes.ts). */
export function startGraphqlWs(opts: GraphqlWsOptions): GraphqlWs {
  const { schema, orm, services, config, events, eventTarget, tokenWatch, authenticate, log, metrics } = opts;
  const wss = new WebSocketServer({
    server: opts.server,
    path: CROSS_ORIGIN_PATH,
    maxPayload: 256 * 1024,
    // Before the handshake: a page of a foreign origin gets 403 (origins.ts says why).
    verifyClient: (info, done) => {
      // A worker instance serves no API (app.ts), sockets included.
      if (!servesApi(config.role)) return done(false, 404, 'Not found');
      if (wsOriginAllowed(info.req.headers.origin, info.req.headers.host, config)) return done(true);
      log.info(
        { origin: info.req.headers.origin },
        'graphql-ws: refused an upgrade from an origin not in CORS_ORIGINS',
      );
      done(false, 403, 'Origin not allowed');
    },
  });
  // A socket is one request: the id of its upgrade request (X-Request-Id honoured, as over HTTP) is in the 101
  // answer, on the log lines about the socket and on the GraphQL errors of every operation it runs.
  const requestIds = new WeakMap<IncomingMessage, string>();
  const requestIdOfSocket = (req: IncomingMessage) => requestIds.get(req) ?? 'unknown';
  wss.on('headers', (headers, req) => {
    const id = requestIdOf(req.headers[REQUEST_ID_HEADER]);
    requestIds.set(req, id);
    headers.push(`X-Request-Id: ${id}`);
  });
  // Other instances' events published while LISTEN was down never reached these sockets (this instance's own
  // reach them without LISTEN): close them with EventsInterrupted (1012, Service Restart),
  // which graphql-ws clients reconnect on; they then catch up with notifications(after: cursor).
  eventTarget.onReconnect((downMs) => {
    log.warn({ downMs, sockets: wss.clients.size }, 'live events were interrupted; asking subscribers to reconnect');
    for (const ws of wss.clients)
      ws.close(WsClose.EventsInterrupted, 'Live events were interrupted; reconnect and catch up');
  });
  // Before useServer: wraps each socket's send before graphql-ws uses it.
  guardSlowConsumers(wss, { ...DEFAULT_SLOW_CONSUMER_LIMITS, ...opts.slowConsumer });
  // Sockets outlive tokens: revoked or expired ones, deactivated users' and changed roles' are closed
  // (tokenWatch's sweep, and on each subscribe).
  const trustedProxies = trustedProxyList(config);
  const server = useServer<Record<string, unknown>, { user?: AuthUser; checkedAt?: number; counted?: boolean }>(
    {
      schema,
      onSubscribe: async (ctx, _id, payload) => {
        const user = ctx.extra.user;
        if (user && Date.now() - (ctx.extra.checkedAt ?? 0) > 1000) {
          const close = await tokenWatch.check(user.tokenId, user.role);
          if (close) {
            ctx.extra.socket.close(close.code, close.reason);
            return [new GraphQLError(close.reason, { extensions: { code: ErrorCode.UNAUTHENTICATED } })];
          }
          ctx.extra.checkedAt = Date.now();
        }
        // Same limits as HTTP (parse tokens, depth, cost), before anything runs.
        return wsExecutionArgs(schema, payload);
      },
      // Errors get the codes and the masking they get over HTTP (errors.ts). A result without errors (every
      // push) passes untouched.
      onNext: (ctx, _id, _payload, _args, result) => {
        if (!result.errors?.length) return;
        const reqId = requestIdOfSocket(ctx.extra.request);
        return {
          ...result,
          errors: result.errors.map((e) =>
            formatSocketError(e, 'result', (err) => log.error({ reqId, err }, 'resolver failed'), {
              ...errorOptions(config),
              requestId: reqId,
            }),
          ),
        };
      },
      onError: (ctx, _id, _payload, errors) => {
        const reqId = requestIdOfSocket(ctx.extra.request);
        return errors.map((e) =>
          formatSocketError(e, 'stream', (err) => log.error({ reqId, err }, 'subscription failed'), {
            ...errorOptions(config),
            requestId: reqId,
          }),
        );
      },
      onClose: (ctx) => {
        tokenWatch.forget(ctx.extra.socket);
        if (ctx.extra.counted) metrics.wsClosed();
      },
      onConnect: async (ctx) => {
        const header = ctx.connectionParams?.authorization;
        if (typeof header !== 'string' || !header) {
          ctx.extra.socket.close(
            WsClose.Unauthorized,
            'Unauthorized: send connectionParams.authorization = "Bearer <token>"',
          );
          return false;
        }
        try {
          ctx.extra.user = await authenticate(header);
          ctx.extra.checkedAt = Date.now();
          if (ctx.extra.user) tokenWatch.watch(ctx.extra.socket, ctx.extra.user.tokenId, ctx.extra.user.role);
          // Counted once acknowledged; onClose takes it back whenever the socket goes (unless it went meanwhile).
          if (ctx.extra.socket.readyState === ctx.extra.socket.OPEN) {
            ctx.extra.counted = true;
            metrics.wsOpened();
          }
          return true;
        } catch (e) {
          // The database is away (not a bad token): a close code the client retries on.
          if (!(e instanceof GraphQLError)) {
            ctx.extra.socket.close(WsClose.TryAgainLater, 'Temporarily unavailable, reconnect');
            return false;
          }
          return false; // graphql-ws closes with its own 4403 Forbidden (WsClose.Forbidden)
        }
      },
      context: (c): Context => {
        // Made on first use: a subscription lives for hours and most never need one (and an entity manager per socket is what a fan-out to thousands would hold).
        let em: ReturnType<typeof orm.em.fork> | undefined;
        // The client's IP as over HTTP: a login sent over the socket counts against the same per-IP budget.
        const req = c.extra.request;
        const ip = clientIp(req.socket.remoteAddress, req.headers['x-forwarded-for'], trustedProxies);
        let opLog: FastifyBaseLogger | undefined;
        return {
          get em() {
            return (em ??= orm.em.fork());
          },
          get log() {
            return (opLog ??= log.child({ reqId: requestIdOfSocket(req) }));
          },
          user: c.extra.user,
          ip,
          services,
          config,
          events,
        };
      },
    },
    wss,
    // WebSocket pings every WS_KEEPALIVE_SECONDS (0: none): proxies drop connections that carry nothing for a
    // while (often 60 s), and an agent's socket may idle for hours between notifications. graphql-ws
    // terminates a socket that has not answered with a pong before the next ping (a closed laptop, a changed
    // network), which ends its subscriptions and token re-checks too.
    config.wsKeepAliveSeconds * 1000,
  );
  return {
    async dispose() {
      await server.dispose();
    },
    close: () => new Promise<void>((r) => wss.close(() => r())),
  };
}

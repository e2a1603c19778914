import { GraphQLError } from 'graphql';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import formbody from '@fastify/formbody';
import { ApolloServer } from '@apollo/server';
import fastifyApollo, { fastifyApolloDrainPlugin } from '@as-integrations/fastify';
import {
  ApolloServerPluginLandingPageDisabled,
  ApolloServerPluginSchemaReportingDisabled,
  ApolloServerPluginUsageReportingDisabled,
} from '@apollo/server/plugin/disabled';
import pg from 'pg';
import { makeWorkerUtils } from 'graphile-worker';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Config } from './config';
import type { SecretBox } from './common/secret-box';
import { DomainError, ErrorCode } from './common/errors';
import { PathOnlyLogController } from './common/request-log';
import { AuthService, type AuthUser } from './modules/auth/auth.service';
import { buildServices, type Services } from './services';
import type { Context } from './graphql/context';
import { createSchema } from './graphql/schema';
import { answerWithRequestId, errorOptions, formatError } from './graphql/errors';
import { ErrorRequests } from './graphql/error-requests';
import { REQUEST_ID_HEADER, requestIdOf } from './common/request-id';
import { Metrics } from './modules/metrics/metrics';
import { metricsRoutes } from './modules/metrics/routes';
import { outboundQueueState } from './modules/outbound/queue-state';
import { createFanout } from './modules/notifications/fanout';
import { complexityPlugin, depthLimitRule, QUERY_LIMITS } from './graphql/limits';
import { clientIp } from './webhooks/client-ip';
import { BODY_LIMIT_BYTES, doesBackgroundWork, servesApi, trustedProxyList } from './config';
import { registerCors } from './graphql/origins';
import { pendingMigrations } from './db/database';
import type { AppContext } from './app-context';
import { createEventBus, PgEventTarget } from './graphql/pubsub';
import type { SlowConsumerLimits } from './graphql/slow-consumer';
import { startGraphqlWs } from './graphql/ws';
import { background } from './background';
import { TokenWatch } from './modules/auth/token-watch';
import type { Publish } from './graphql/pubsub';
import { attachmentRoutes, inboundEndpoints } from './modules/inbound/routes';
import { MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS } from './modules/inbound/attachment.entity';
import { webhookRoutes } from './webhooks/edge';
import { WEBHOOK_PREFIX } from './modules/providers/catalog-fields';
import { RefusalLimiter } from './webhooks/refusals';
import { deliveryReportEndpoints } from './modules/outbound/routes';
import { guideRoutes } from './modules/providers/routes';
import { consoleRoutes, playgroundRoutes } from './web/routes';

export interface AppDeps {
  config: Config;
  orm: MikroORM;
  /** Connection URL of the same database: for LISTEN/NOTIFY and the job worker. */
  databaseUrl: string;
  box: SecretBox;
  /**
   * Do background work (job worker, sender, polls, sweeps) in this process; default: as config.role says.
   * Tests' shortcut for a second instance without it.
   */
  worker?: boolean;
  /** A pino logger to share (main.ts), false for none; defaults to a new one at config.logLevel. */
  logger?: FastifyBaseLogger | false;
  /** When a graphql-ws subscriber that stops reading is closed with WsClose.TooSlow (defaults: 1 MiB buffered, 10 s stalled). */
  slowConsumer?: Partial<SlowConsumerLimits>;
}

export interface App {
  fastify: FastifyInstance;
  services: Services;
  ctx: AppContext;
  /** Listens on config.port (0: any free port) and returns the base URL. */
  listen(): Promise<string>;
  /**
   * Stops taking requests, finishes those in flight, closes subscriptions, stops the background loops.
   * Does not close the ORM.
   */
  close(): Promise<void>;
}

/** What the logs never show: credentials in headers, and the fields that carry secrets or message text. */
export const REDACT = [
  'req.headers.authorization',
  'req.headers["x-webhook-token"]',
  'req.headers.cookie',
  '*.password',
  '*.token',
  '*.certificatePem',
  '*.webhookToken',
];

/** What a worker instance (INSTANCE_ROLE=worker) answers: health and metrics for its supervisor and scraper. */
const WORKER_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/** Builds the HTTP + GraphQL + graphql-ws app around an opened database. Tests call this directly. */
export async function buildApp(deps: AppDeps): Promise<App> {
  const { config, orm } = deps;
  const fastify = Fastify({
    ...(deps.logger && typeof deps.logger === 'object'
      ? { loggerInstance: deps.logger }
      : {
          logger:
            deps.logger === false ? false : { level: config.logLevel, redact: { paths: REDACT, censor: '[redacted]' } },
        }),
    bodyLimit: BODY_LIMIT_BYTES,
    // X-Forwarded-For is believed only from TRUSTED_PROXIES, by our own rule (see inbound); not Fastify-wide.
    trustProxy: false,
    return503OnClosing: true,
    // Every request has an id: the caller's X-Request-Id when it is a sane token, else ours. It is on every line of
    // the request's logger (`reqId`), in the X-Request-Id answer header and on GraphQL errors.
    requestIdHeader: false,
    genReqId: (req) => requestIdOf(req.headers[REQUEST_ID_HEADER]),
    // Request log lines show paths, never query strings (tokens, message text): see request-log.ts.
    logController: new PathOnlyLogController(),
  });
  fastify.addHook('onRequest', (req, reply, done) => {
    reply.header(REQUEST_ID_HEADER, req.id);
    done();
  });
  await fastify.register(formbody);
  if (!servesApi(config.role)) {
    // A worker instance is not behind the load balancer: it answers its health and metrics, nothing else
    // (no CORS preflight either).
    fastify.addHook('onRequest', async (req, reply) => {
      if (!WORKER_PATHS.has(req.url.split('?')[0])) return reply.status(404).send({ error: 'Not found' });
    });
  } else await registerCors(fastify, config.corsOrigins);

  // A readable 4xx for malformed requests; internal errors never leak a stack trace.
  fastify.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
    const status =
      err.statusCode && err.statusCode >= 400 && err.statusCode < 500
        ? err.statusCode
        : err instanceof DomainError
          ? 400
          : 500;
    if (status >= 500) req.log.error({ err }, 'request failed');
    reply.status(status).send({
      error: status >= 500 ? 'Internal server error' : err.message,
      ...(status < 500 && err.code ? { code: err.code } : {}),
    });
  });

  fastify.get('/healthz', async () => ({ status: 'ok' }));
  fastify.get('/readyz', async (_req, reply) => {
    try {
      await orm.em.getConnection().execute('select 1');
      const pending = await pendingMigrations(orm);
      if (pending.length) return reply.status(503).send({ status: 'migrations pending', pending });
      // Up only with live events (LISTEN) and a running job worker: both come back by themselves after an outage.
      if (!eventTarget.listening) return reply.status(503).send({ status: 'event listener reconnecting' });
      if (loops.worker && !loops.worker.running) return reply.status(503).send({ status: 'job worker restarting' });
      return { status: 'ready' };
    } catch {
      return reply.status(503).send({ status: 'database unreachable' });
    }
  });

  // Events cross instances through PostgreSQL LISTEN/NOTIFY; jobs through graphile-worker.
  const notifyPool = new pg.Pool({ connectionString: deps.databaseUrl, max: 2 });
  const eventTarget = new PgEventTarget(deps.databaseUrl, notifyPool, fastify.log);
  await eventTarget.start();
  const events = createEventBus(eventTarget);
  // This instance's metrics, in a registry of its own; the queue figures are read at scrape time.
  const metrics = new Metrics({ outboundQueue: () => outboundQueueState(orm.em.fork()), log: fastify.log });
  createFanout(events, orm.em, metrics, fastify.log);
  // Stored and queued messages are announced after their commit, batched (see PgEventTarget.flush).
  const publish: Publish = (topic, payload) => void events.publish(topic, payload as never);
  const services = buildServices({
    config,
    box: deps.box,
    knex: orm.em.getConnection().getKnex(),
    publish,
    log: fastify.log,
    metrics,
  });
  const jobs = await makeWorkerUtils({ connectionString: deps.databaseUrl });
  await jobs.migrate();
  const ctx: AppContext = { config, orm, box: deps.box, services, events, publish, log: fastify.log, metrics, jobs };
  const tokenWatch = new TokenWatch(orm, config.wsAuthRecheckMs, fastify.log);
  await webhookRoutes(
    fastify,
    {
      trustedProxies: trustedProxyList(config),
      refusals: new RefusalLimiter(config.webhookRefusalsPerIp, config.webhookRefusalWindowSeconds),
      log: fastify.log,
      multipart: { fileBytes: MAX_ATTACHMENT_BYTES, files: MAX_ATTACHMENTS },
      prefix: WEBHOOK_PREFIX,
      metrics,
    },
    [...inboundEndpoints(ctx), ...deliveryReportEndpoints(ctx)],
  );
  await attachmentRoutes(fastify, ctx);
  await guideRoutes(fastify);
  await metricsRoutes(fastify, metrics, config.metricsToken);

  const schema = await createSchema(events);

  const trustedProxies = trustedProxyList(config);
  const authenticate = async (header: string | undefined | null): Promise<AuthUser | undefined> => {
    let token: string | undefined;
    try {
      token = AuthService.bearer(header);
    } catch (e) {
      throw new GraphQLError((e as Error).message, {
        extensions: { code: ErrorCode.UNAUTHENTICATED, http: { status: 401 } },
      });
    }
    if (!token) return undefined;
    const user = await services.auth.authenticate(orm.em.fork(), token);
    if (!user) {
      // Thrown from the context function, so it carries its own HTTP status (Apollo would say 500).
      throw new GraphQLError('The token is invalid, expired or revoked; log in again', {
        extensions: { code: ErrorCode.UNAUTHENTICATED, http: { status: 401 } },
      });
    }
    return user;
  };

  const ws = startGraphqlWs({
    server: fastify.server,
    schema,
    orm,
    services,
    config,
    events,
    eventTarget,
    tokenWatch,
    authenticate,
    slowConsumer: deps.slowConsumer,
    log: fastify.log,
    metrics,
  });
  // The job worker, the sender, sweeps, re-checks and pings: started last, once everything they use is built.
  const loops = background(ctx, {
    work: deps.worker ?? doesBackgroundWork(config.role),
    databaseUrl: deps.databaseUrl,
    sockets: servesApi(config.role)
      ? [
          // Sockets outlive tokens: revoked or expired ones are closed (graphql/ws.ts also checks on each subscribe).
          { name: 'token re-checks', start: () => tokenWatch.start(), stop: () => tokenWatch.stop() },
        ]
      : [],
  });

  const errorRequests = new ErrorRequests();
  const apollo = new ApolloServer<Context>({
    schema,
    introspection: config.introspection,
    includeStacktraceInErrorResponses: false,
    // Over-limit queries are refused before execution (src/graphql/limits.ts).
    parseOptions: { maxTokens: QUERY_LIMITS.maxTokens },
    validationRules: [depthLimitRule()],
    // An internal error is logged on its request's lines (ErrorRequests); the request id is added to the answer.
    formatError: (formatted, error) =>
      formatError(
        formatted,
        error,
        (e) => (errorRequests.logOf(error) ?? fastify.log).error({ err: e }, 'resolver failed'),
        errorOptions(config),
      ),
    plugins: [
      fastifyApolloDrainPlugin(fastify),
      errorRequests.plugin(),
      complexityPlugin<Context>(),
      {
        async serverWillStart() {
          return {
            async drainServer() {
              await ws.dispose();
            },
          };
        },
      },
      // The playground is ours (src/web/); nothing is loaded from or reported to Apollo's hosts.
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginUsageReportingDisabled(),
      ApolloServerPluginSchemaReportingDisabled(),
    ],
  });
  await apollo.start();
  if (config.landingPage) await playgroundRoutes(fastify, '/graphql');
  // The web console: a client of the API like any other, served from our own assets.
  await consoleRoutes(fastify, config.landingPage ? '/graphql' : undefined);
  await fastify.register(async (scope) => {
    // Every GraphQL error answered over HTTP carries the request's id (see answerWithRequestId).
    scope.addHook('onSend', (req, _reply, payload, done) =>
      done(null, typeof payload === 'string' ? answerWithRequestId(payload, req.id) : payload),
    );
    await scope.register(fastifyApollo(apollo), {
      path: '/graphql',
      context: async (req): Promise<Context> => ({
        em: orm.em.fork(),
        user: await errorRequests.tagging(req.log, () => authenticate(req.headers.authorization)),
        ip: clientIp(req.socket.remoteAddress, req.headers['x-forwarded-for'], trustedProxies),
        services,
        config,
        events,
        log: req.log,
      }),
    });
  });

  let closing: Promise<void> | undefined;
  const close = () => {
    // apollo.stop() drains: graphql-ws sockets are closed and fastify.close() waits for requests in flight.
    closing ??= (async () => {
      await apollo.stop();
      await fastify.close();
      await ws.close();
      await loops.stop();
      await jobs.release();
      await eventTarget.stop();
      await notifyPool.end();
    })();
    return closing;
  };
  try {
    await loops.start();
  } catch (e) {
    await close().catch(() => {});
    throw e;
  }
  return {
    fastify,
    services,
    ctx,
    async listen() {
      await fastify.listen({ port: config.port, host: config.host });
      const addr = fastify.server.address();
      const port = typeof addr === 'object' && addr ? addr.port : config.port;
      return `http://127.0.0.1:${port}`;
    },
    close,
  };
}

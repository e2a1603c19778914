import type { FastifyBaseLogger } from 'fastify';
import type { Config } from './config';
import { DeliveryReports } from './modules/outbound/dlr';
import { WebhookEventLog } from './webhooks/event-log';
import type { SecretBox } from './common/secret-box';
import { AuthService } from './modules/auth/auth.service';
import { UserAdminService } from './modules/auth/user-admin.service';
import { CustomerService } from './modules/customers/customer.service';
import { ErasureService } from './modules/erasure/erasure.service';
import { GatewayService } from './modules/gateways/gateway.service';
import { InboundService } from './modules/inbound/inbound.service';
import { ensurePollJobs, POLLED_PROVIDERS } from './modules/inbound/tasks';
import { GatewayTestService } from './modules/gateways/gateway-test.service';
import { OutboundService } from './modules/outbound/outbound.service';
import { OptOutService } from './modules/optouts/optout.service';
import type { Publish } from './graphql/pubsub';
import type { Metrics } from './modules/metrics/metrics';
import { HealthCounters } from './modules/gateways/health/counters';
import { AlertService } from './modules/notifications/alerts/alert.service';

/** Stateless domain services, built once per app and shared by resolvers and routes. */
export interface Services {
  auth: AuthService;
  users: UserAdminService;
  gateways: GatewayService;
  customers: CustomerService;
  erasures: ErasureService;
  inbound: InboundService;
  outbound: OutboundService;
  deliveryReports: DeliveryReports;
  gatewayTests: GatewayTestService;
  optOuts: OptOutService;
  /** This instance's mailbox health counts, flushed by a background loop (src/background.ts). */
  health: HealthCounters;
  /** Raises and clears [ALERT] notifications to admins; checked by a background loop. */
  alerts: AlertService;
}

export interface ServiceDeps {
  config: Config;
  box: SecretBox;
  /** MikroORM's knex, for the services that keep plain counters in the database (login limits). */
  knex: unknown;
  /** Announces events after their commit (the app's event bus). */
  publish: Publish;
  /** The app's logger. */
  log: FastifyBaseLogger;
  /** The app instance's metrics (its own registry). */
  metrics: Metrics;
}

/** Every service gets its collaborators here, in its constructor. */
export function buildServices({ config, box, knex, publish, log, metrics }: ServiceDeps): Services {
  // Inbound messages and delivery reports share one event log, as they share one webhook edge.
  const health = new HealthCounters();
  const webhookEvents = new WebhookEventLog(box, health);
  const outbound = config.outbound;
  // A new mailbox gets its poll job now; existing jobs keep their time and backoff.
  // One registry for every path that changes or consults a number's consent.
  const optOuts = new OptOutService(metrics, publish);
  const inbound = new InboundService(box, webhookEvents, metrics, health, publish, optOuts);
  const gateways = new GatewayService(box, config.publicUrl, outbound.allowPrivateAddresses, async (em, g) => {
    if (g.incomingActive && POLLED_PROVIDERS.includes(g.provider)) await ensurePollJobs(em);
  });
  const auth = new AuthService(config, knex, {
    perAddressAndIp: config.loginMaxAttempts,
    perIp: config.loginMaxAttemptsPerIp,
    perAddress: config.loginMaxAttemptsPerAddress,
    windowMs: config.loginWindowSeconds * 1000,
  });
  return {
    auth,
    users: new UserAdminService(auth),
    gateways,
    customers: new CustomerService(),
    erasures: new ErasureService(box, outbound, publish),
    inbound,
    outbound: new OutboundService(outbound, optOuts, metrics, health, publish),
    deliveryReports: new DeliveryReports(inbound.mailboxes, webhookEvents, log, { publish, metrics, health }, optOuts),
    gatewayTests: new GatewayTestService(outbound, gateways, optOuts, metrics),
    optOuts,
    health,
    alerts: new AlertService(config.alerts, health, publish, log),
  };
}

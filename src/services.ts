import type { Config } from './config';
import type { SecretBox } from './common/secret-box';
import { AuthService } from './modules/auth/auth.service';
import { CustomerService } from './modules/customers/customer.service';
import { GatewayService } from './modules/gateways/gateway.service';
import { InboundService } from './modules/inbound/inbound.service';
import { ensurePollJobs, POLLED_PROVIDERS } from './modules/inbound/tasks';
import { GatewayTestService } from './modules/gateways/gateway-test.service';
import { OutboundService } from './modules/outbound/outbound.service';

/** Stateless domain services, built once per app and shared by resolvers and routes. */
export interface Services {
  auth: AuthService;
  gateways: GatewayService;
  customers: CustomerService;
  inbound: InboundService;
  outbound: OutboundService;
  gatewayTests: GatewayTestService;
}

/** `knex`: MikroORM's, for the services that keep plain counters in the database (login limits). */
export function buildServices(config: Config, box: SecretBox, knex: unknown): Services {
  const outbound = config.outbound;
  const gateways = new GatewayService(box, config.publicUrl);
  gateways.onSaved = async (em, g) => {
    if (g.incomingActive && POLLED_PROVIDERS.includes(g.provider)) await ensurePollJobs(em); // a new mailbox gets its job now; existing jobs keep their time and backoff
  };
  return {
    auth: new AuthService(config.sessionTtlHours, knex, { perEmail: config.loginMaxAttempts, perIp: config.loginMaxAttemptsPerIp, windowMs: config.loginWindowSeconds * 1000 }),
    gateways,
    customers: new CustomerService(),
    inbound: new InboundService(box),
    outbound: new OutboundService(outbound),
    gatewayTests: new GatewayTestService(outbound, gateways),
  };
}

import type { Config } from './config';
import type { SecretBox } from './common/secret-box';
import { AuthService } from './modules/auth/auth.service';
import { CustomerService } from './modules/customers/customer.service';
import { GatewayService } from './modules/gateways/gateway.service';
import { TicketService } from './modules/tickets/ticket.service';

/** Stateless domain services, built once per app and shared by resolvers and routes. */
export interface Services {
  auth: AuthService;
  gateways: GatewayService;
  customers: CustomerService;
  tickets: TicketService;
}

export function buildServices(config: Config, box: SecretBox): Services {
  return {
    auth: new AuthService(config.sessionTtlHours),
    gateways: new GatewayService(box, config.publicUrl),
    customers: new CustomerService(),
    tickets: new TicketService(),
  };
}

import type { EntityManager } from '@mikro-orm/postgresql';
import { NotFoundError } from '../../common/errors';
import { Gateway } from '../gateways/gateway.entity';
import { gatewaySecretAt } from '../gateways/gateway-secrets';
import type { GatewayService } from '../gateways/gateway.service';
import type { Mailbox } from './adapter';
import { providerFor } from './registry';

/** A mailbox as stored, secrets still sealed: the entity, or the same columns read raw. */
export type StoredMailbox = Pick<
  Gateway,
  | 'id'
  | 'name'
  | 'provider'
  | 'login'
  | 'passwordSecret'
  | 'passwordForm'
  | 'senderName'
  | 'serviceId'
  | 'host'
  | 'certificateSecret'
  | 'apiBaseUrl'
  | 'destinationNumber'
  | 'prefixesToRemove'
  | 'webhookTokenSecret'
  | 'replacePolishDiacritics'
  | 'genericHttp'
>;

/**
 * Builds the adapter's view of a mailbox, opening each secret with `open` for the place it is stored
 * (`gatewaySecretAt`). Never hand this to GraphQL.
 */
export function mailboxOf(g: StoredMailbox, open: (sealed: string, aad: string) => string): Mailbox {
  const http = g.genericHttp;
  return {
    id: g.id,
    name: g.name,
    provider: g.provider,
    login: g.login,
    password: g.passwordSecret ? open(g.passwordSecret, gatewaySecretAt.password(g.id)) : undefined,
    passwordForm: g.passwordForm,
    senderName: g.senderName,
    serviceId: g.serviceId,
    host: g.host,
    certificatePem: g.certificateSecret ? open(g.certificateSecret, gatewaySecretAt.certificate(g.id)) : undefined,
    baseUrl: providerFor(g.provider).baseUrl(g)?.replace(/\/+$/, ''),
    destinationNumber: g.destinationNumber,
    prefixesToRemove: g.prefixesToRemove,
    webhookToken: g.webhookTokenSecret ? open(g.webhookTokenSecret, gatewaySecretAt.webhookToken(g.id)) : undefined,
    replacePolishDiacritics: g.replacePolishDiacritics,
    genericHttp: http
      ? {
          ...http,
          headers: (http.headers ?? []).map((h) => ({
            name: h.name,
            value: open(h.sealedValue, gatewaySecretAt.header(g.id, h.name)),
          })),
        }
      : undefined,
  };
}

export function toMailbox(gateways: GatewayService, g: Gateway): Mailbox {
  return mailboxOf(g, (sealed, aad) => gateways.openSecret(sealed, aad));
}

export async function loadMailbox(em: EntityManager, gateways: GatewayService, id: number): Promise<Mailbox> {
  const g = await em.findOne(Gateway, { id });
  if (!g) throw new NotFoundError('Gateway', id);
  return toMailbox(gateways, g);
}

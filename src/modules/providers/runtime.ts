import type { EntityManager } from '@mikro-orm/postgresql';
import { NotFoundError } from '../../common/errors';
import { Gateway } from '../gateways/gateway.entity';
import type { GatewayService } from '../gateways/gateway.service';
import type { Mailbox } from './adapter';
import { catalogEntry } from './catalog';
import { ProviderId } from './catalog.types';

/** Builds the adapter's view of a mailbox, with its secrets opened. Never hand this to GraphQL. */
export async function toMailbox(em: EntityManager, gateways: GatewayService, g: Gateway): Promise<Mailbox> {
  const secrets = await gateways.secrets(em, g);
  const defaultBase =
    // MultiInfo: the API 6.1 scripts under /Api61 on the contract's host (the catalog's promise); an
    // apiBaseUrl without /Api61 selects the legacy root-path scripts.
    g.provider === ProviderId.MULTIINFO && g.host ? `https://${g.host}/Api61` : catalogEntry(g.provider).defaultApiBaseUrl ?? undefined;
  const { headers: _sealed, ...generic } = g.genericHttp ?? ({} as NonNullable<Gateway['genericHttp']>);
  return {
    id: g.id,
    name: g.name,
    provider: g.provider,
    login: g.login,
    password: secrets.password,
    passwordForm: g.passwordForm,
    senderName: g.senderName,
    serviceId: g.serviceId,
    host: g.host,
    certificatePem: secrets.certificatePem,
    baseUrl: (g.apiBaseUrl ?? defaultBase)?.replace(/\/+$/, ''),
    destinationNumber: g.destinationNumber,
    prefixesToRemove: g.prefixesToRemove,
    webhookToken: secrets.webhookToken,
    replacePolishDiacritics: g.replacePolishDiacritics,
    genericHttp: g.genericHttp ? { ...generic, method: g.genericHttp.method, urlTemplate: g.genericHttp.urlTemplate, headers: secrets.headers } : undefined,
  };
}

export async function loadMailbox(em: EntityManager, gateways: GatewayService, id: number): Promise<Mailbox> {
  const g = await em.findOne(Gateway, { id });
  if (!g) throw new NotFoundError('Gateway', id);
  return toMailbox(em, gateways, g);
}

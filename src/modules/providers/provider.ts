import type { FieldViolation } from '../../common/errors';
import type { Gateway, PasswordForm } from '../gateways/gateway.entity';
import type { InboundAdapter, WebhookRequest } from './adapter-inbound';
import type { OutboundAdapter } from './adapter-outbound';
import type { ProviderCatalogEntry, ProviderId } from './catalog.types';

/** A mailbox's stored settings as a provider's rules read them: the entity, or the same columns read raw. */
export type MailboxSettings = Pick<
  Gateway,
  'provider' | 'login' | 'passwordForm' | 'host' | 'apiBaseUrl' | 'destinationNumber' | 'genericHttp'
>;

/** What a URL of ours that an admin pastes into a provider's panel receives. */
export enum WebhookPurpose {
  INBOUND_SMS = 'INBOUND_SMS',
  INBOUND_MMS = 'INBOUND_MMS',
  DELIVERY_REPORTS = 'DELIVERY_REPORTS',
}

/** One URL to paste into a provider's panel, with the mailbox's webhook token in it when it has one. */
export interface WebhookUrl {
  purpose: WebhookPurpose;
  url: string;
}

/** A route of ours a provider calls besides `catalog.webhookPath` (SMSAPI's MMS callback). */
export interface WebhookRoute {
  path: string;
  /** What the request carries; the provider's parser reads it from `WebhookRequest.variant`. */
  variant: WebhookRequest['variant'];
}

/**
 * One SMS provider, whole: what the catalog says about it, its two adapter halves and every rule of its
 * own that the rest of the service needs. The registry lists these objects; nothing outside
 * `providers/` knows which provider it is talking to.
 */
export interface Provider {
  id: ProviderId;
  catalog: ProviderCatalogEntry;
  inbound: InboundAdapter;
  outbound: OutboundAdapter;
  /** The API base URL of a mailbox: its own override, else the provider's default. */
  baseUrl(g: Pick<MailboxSettings, 'apiBaseUrl' | 'host'>): string | undefined;
  /**
   * What an admin pastes into the provider's panel, given our webhook URL for it and the mailbox's webhook
   * token: that URL with the token, or a template built on it. Called only when the catalog has a
   * `webhookPath`.
   */
  webhookUrl(url: string, g: { destinationNumber?: string; token?: string }): string;
  /** How a password the admin typed is stored; without it, as given (`PLAIN`). */
  normalisePassword?(login: string | undefined, password: string): { value: string; form: PasswordForm };
  /**
   * The provider's own checks of a mailbox's merged settings, beyond the catalog's required fields. A
   * field named in the answer is not judged again by the required-field check.
   */
  validate?(g: MailboxSettings): FieldViolation[];
  /** Routes of ours this provider calls besides its webhook path. */
  extraRoutes?: WebhookRoute[];
  /** The name of its set-up guide, `docs/providers/<guide>.md`: the provider's folder name. */
  guide: string;
  /**
   * Every URL of ours an admin pastes into the provider's panel, given our public base URL: the routes this
   * provider's adapter answers (its inbound webhook, its extra routes, its delivery-report callback), each
   * with the mailbox's token in it. Empty for a provider that is polled or cannot push.
   */
  webhookUrls(publicUrl: string, g: { destinationNumber?: string; token?: string }): WebhookUrl[];
  /**
   * Our delivery-report URL with the mailbox's token, which providers that take one per message get with
   * each send; undefined when this provider's reports are polled or absent.
   */
  deliveryReportUrl(publicUrl: string, token: string | undefined): string | undefined;
}

/** What a provider folder writes; `defineProvider` fills in the rules most providers share. */
export type ProviderParts = Omit<
  Provider,
  'id' | 'baseUrl' | 'webhookUrl' | 'guide' | 'webhookUrls' | 'deliveryReportUrl'
> &
  Partial<Pick<Provider, 'baseUrl' | 'webhookUrl'>>;

/** Our webhook URL with the mailbox's token as the query parameter `token`, where the edge reads it. */
export function withToken(url: string, token: string | undefined): string {
  return token ? `${url}${url.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}` : url;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** Our route for a provider's delivery-report callbacks, or null when its reports are polled or absent. */
export function deliveryReportPath(p: Pick<Provider, 'catalog' | 'outbound'>): string | null {
  const path = p.catalog.webhookPath;
  return path && p.outbound.deliveryReports === 'callback' && p.outbound.parseDeliveryReports ? `${path}/dlr` : null;
}

const VARIANT_PURPOSE: Record<WebhookRoute['variant'], WebhookPurpose> = {
  sms: WebhookPurpose.INBOUND_SMS,
  mms: WebhookPurpose.INBOUND_MMS,
};

/**
 * A provider from its parts. The catalog entry is frozen all the way down, so that a caller filling a
 * new mailbox from `defaultPrefixesToRemove` has to copy the array instead of silently changing it.
 */
export function defineProvider(parts: ProviderParts): Provider {
  deepFreeze(parts.catalog);
  const provider: Provider = {
    id: parts.catalog.id,
    // The folder names are the ids in lower case with "-" for "_" (three-s, generic-http).
    guide: parts.catalog.id.toLowerCase().replace(/_/g, '-'),
    baseUrl: (g) => g.apiBaseUrl ?? parts.catalog.defaultApiBaseUrl ?? undefined,
    webhookUrl: (url, g) => withToken(url, g.token),
    webhookUrls(publicUrl, g) {
      const path = provider.catalog.webhookPath;
      if (!path) return [];
      const dlr = provider.deliveryReportUrl(publicUrl, g.token);
      // Without a parser the inbound routes answer "unsupported" (JustSend and Mobitex are polled or silent).
      const inbound = provider.inbound.webhook
        ? [
            { purpose: WebhookPurpose.INBOUND_SMS, url: provider.webhookUrl(`${publicUrl}${path}`, g) },
            ...(provider.extraRoutes ?? []).map((r) => ({
              purpose: VARIANT_PURPOSE[r.variant],
              url: withToken(`${publicUrl}${r.path}`, g.token),
            })),
          ]
        : [];
      return [...inbound, ...(dlr ? [{ purpose: WebhookPurpose.DELIVERY_REPORTS, url: dlr }] : [])];
    },
    deliveryReportUrl(publicUrl, token) {
      const dlr = deliveryReportPath(provider);
      return dlr ? withToken(`${publicUrl}${dlr}`, token) : undefined;
    },
    ...parts,
  };
  return provider;
}

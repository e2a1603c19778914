/**
 * Pieces the providers' catalog entries share. Every fact in an entry comes from `shared/providers/*.md`,
 * where claims are marked DOCUMENTED, INFERRED or UNVERIFIED. A capability is YES only when the spec
 * documents or reasonably infers it, NO when the spec says it does not exist, and UNKNOWN when no public
 * source tells: guessing YES would let an admin configure a webhook or a test that the provider never
 * honours, and guessing NO would hide a feature that may well exist. The notes name the spec section and
 * marker behind each caveat, so that when a spec is completed the entry can be corrected in one place.
 */
import type { ProviderField } from './catalog.types';

/** Where every provider's webhook routes live: our URLs that admins paste into the providers' panels. */
export const WEBHOOK_PREFIX = '/panel/tickets/incoming';

/** Used where a spec does not say how the provider writes our number; notes flag every such use. */
export const POLISH_DEFAULT_PREFIXES = ['0048', '+48', '48'];

export function apiBaseUrlField(help: string): ProviderField {
  return { name: 'apiBaseUrl', required: false, label: 'API base URL', help };
}

export function webhookTokenField(where: string): ProviderField {
  return {
    name: 'webhookToken',
    required: false,
    label: 'Webhook token',
    help: `Optional secret added to the callback URL you enter ${where}; requests without it are rejected, because the provider signs nothing.`,
  };
}

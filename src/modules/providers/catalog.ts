/**
 * The provider catalog: what each SMS provider can do and what a mailbox of that provider needs. Each
 * entry lives in its provider's folder (`<provider>/catalog.ts`); this is the registry's view of them.
 */
import { type ProviderCatalogEntry, ProviderId } from './catalog.types';
import { PROVIDERS } from './registry';

/** One entry per provider id; frozen, as each entry is (see `defineProvider`). */
export const PROVIDER_CATALOG: Readonly<Record<ProviderId, ProviderCatalogEntry>> = Object.freeze(
  Object.fromEntries(PROVIDERS.map((p) => [p.id, p.catalog])) as Record<ProviderId, ProviderCatalogEntry>,
);

/** All provider ids, in the order of the `ProviderId` enum (and of the GraphQL enum). */
export const PROVIDER_IDS: ProviderId[] = Object.values(ProviderId);

/** The catalog entry of a provider; throws for a value that is not a `ProviderId`. */
export function catalogEntry(id: ProviderId): ProviderCatalogEntry {
  if (!Object.hasOwn(PROVIDER_CATALOG, id)) {
    throw new Error(`Unknown provider id: ${String(id)}`);
  }
  return PROVIDER_CATALOG[id];
}

import type { ProviderCatalogEntry } from '../catalog.types';
import { defineProvider, type Provider } from '../provider';
import { catalog } from './catalog';
import { inbound } from './inbound';
import { outbound } from './outbound';

/** A provider whose mailboxes are driven by the generic HTTP settings (those with no public API spec). */
export function genericHttpProvider(entry: ProviderCatalogEntry): Provider {
  return defineProvider({
    catalog: entry,
    inbound,
    outbound,
    validate: (g) =>
      g.genericHttp
        ? []
        : [
            {
              field: 'genericHttp',
              rule: 'required',
              message: `${entry.displayName} is configured through the generic HTTP settings; give genericHttp`,
            },
          ],
  });
}

export const genericHttp = genericHttpProvider(catalog);

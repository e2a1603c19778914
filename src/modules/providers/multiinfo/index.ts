import { defineProvider } from '../provider';
import { catalog } from './catalog';
import { inbound } from './inbound';
import { outbound } from './outbound';

export const multiinfo = defineProvider({
  catalog,
  inbound,
  outbound,
  // The API 6.1 scripts under /Api61 on the contract's host (the catalog's promise); an apiBaseUrl without
  // /Api61 selects the legacy root-path scripts.
  baseUrl: (g) => g.apiBaseUrl ?? (g.host ? `https://${g.host}/Api61` : (catalog.defaultApiBaseUrl ?? undefined)),
});

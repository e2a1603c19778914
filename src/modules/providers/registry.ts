import type { ProviderAdapter } from './adapter';
import { ProviderId } from './catalog.types';
import { dotpay } from './dotpay';
import { genericHttp } from './generic-http';
import { justsend } from './justsend';
import { mobitex } from './mobitex';
import { multiinfo } from './multiinfo';
import { peoplefone } from './peoplefone';
import type { Provider } from './provider';
import { serwersms } from './serwersms';
import { smsapi } from './smsapi';
import { telecube } from './telecube';
import { threeS } from './three-s';
import { tide } from './tide';

/** Every provider, in the order of the `ProviderId` enum (the order the `providers` query lists them in). */
export const PROVIDERS: readonly Provider[] = [
  smsapi,
  serwersms,
  justsend,
  telecube,
  dotpay,
  multiinfo,
  peoplefone,
  mobitex,
  tide,
  threeS,
  genericHttp,
];

const BY_ID = new Map(PROVIDERS.map((p) => [p.id, p]));
for (const id of Object.values(ProviderId)) {
  if (!BY_ID.has(id)) throw new Error(`Provider ${id} is missing from the registry`);
}
if (BY_ID.size !== PROVIDERS.length) throw new Error('A provider is listed twice in the registry');

/** The provider of an id; throws for a value that is not a `ProviderId`. */
export function providerFor(id: ProviderId): Provider {
  const p = BY_ID.get(id);
  if (!p) throw new Error(`Unknown provider id: ${String(id)}`);
  return p;
}

/** Both adapter halves of each provider as one object, for callers that only send, verify, parse or poll. */
const ADAPTERS = new Map<ProviderId, ProviderAdapter>(
  PROVIDERS.map((p) => [p.id, { id: p.id, ...p.outbound, ...p.inbound }]),
);

export function adapterFor(id: ProviderId): ProviderAdapter {
  return ADAPTERS.get(id)!;
}

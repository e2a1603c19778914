import type { ProviderAdapter } from '../adapter';
import { ProviderId } from '../catalog.types';
import { inbound } from './inbound';
import { outbound } from './outbound';

export const adapter: ProviderAdapter = { id: ProviderId.SMSAPI, ...outbound, ...inbound };

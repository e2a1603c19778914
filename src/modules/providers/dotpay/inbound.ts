import type { InboundAdapter } from '../adapter-inbound';

/** Inbound half of the DOTPAY adapter (spec: shared/providers/). */
export const inbound: InboundAdapter = {};

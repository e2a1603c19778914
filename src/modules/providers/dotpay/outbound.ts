import type { OutboundAdapter } from '../adapter-outbound';

/** Outbound half of the DOTPAY adapter (spec: shared/providers/). */
export const outbound: OutboundAdapter = {};

import type { OutboundAdapter } from '../adapter-outbound';

/** Outbound half of the JUSTSEND adapter (spec: shared/providers/). */
export const outbound: OutboundAdapter = {};

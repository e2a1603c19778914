import type { OutboundAdapter } from '../adapter-outbound';

/** Outbound half of the MOBITEX adapter (spec: shared/providers/). */
export const outbound: OutboundAdapter = {};

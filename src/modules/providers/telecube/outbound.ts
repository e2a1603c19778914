import type { OutboundAdapter } from '../adapter-outbound';

/** Outbound half of the TELECUBE adapter (spec: shared/providers/). */
export const outbound: OutboundAdapter = {};

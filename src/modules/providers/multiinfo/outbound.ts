import type { OutboundAdapter } from '../adapter-outbound';

/** Outbound half of the MULTIINFO adapter (spec: shared/providers/). */
export const outbound: OutboundAdapter = {};

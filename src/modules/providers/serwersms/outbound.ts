import type { OutboundAdapter } from '../adapter-outbound';

/** Outbound half of the SERWERSMS adapter (spec: shared/providers/). */
export const outbound: OutboundAdapter = {};

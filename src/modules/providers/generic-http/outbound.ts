import type { OutboundAdapter } from '../adapter-outbound';

/** Outbound half of the GENERIC_HTTP adapter (spec: shared/providers/). */
export const outbound: OutboundAdapter = {};

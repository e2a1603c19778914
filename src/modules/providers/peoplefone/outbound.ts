import type { OutboundAdapter } from '../adapter-outbound';

/** Outbound half of the PEOPLEFONE adapter (spec: shared/providers/). */
export const outbound: OutboundAdapter = {};

import type { InboundAdapter } from '../adapter-inbound';

/** Inbound half of the JUSTSEND adapter (spec: shared/providers/). */
export const inbound: InboundAdapter = {};

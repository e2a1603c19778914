import type { InboundAdapter } from '../adapter-inbound';

/** Inbound half of the TELECUBE adapter (spec: shared/providers/). */
export const inbound: InboundAdapter = {};

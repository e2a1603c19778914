import type { InboundAdapter } from '../adapter-inbound';

/** Inbound half of the PEOPLEFONE adapter (spec: shared/providers/). */
export const inbound: InboundAdapter = {};

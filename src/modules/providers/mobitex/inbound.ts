import type { InboundAdapter } from '../adapter-inbound';

/** Inbound half of the MOBITEX adapter (spec: shared/providers/). */
export const inbound: InboundAdapter = {};

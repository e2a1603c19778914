import type { InboundAdapter } from '../adapter-inbound';

/** Inbound half of the MULTIINFO adapter (spec: shared/providers/). */
export const inbound: InboundAdapter = {};

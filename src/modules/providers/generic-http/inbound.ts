import type { InboundAdapter } from '../adapter-inbound';

/** Inbound half of the GENERIC_HTTP adapter (spec: shared/providers/). */
export const inbound: InboundAdapter = {};

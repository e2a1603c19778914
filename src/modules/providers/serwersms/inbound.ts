import type { InboundAdapter } from '../adapter-inbound';

/** Inbound half of the SERWERSMS adapter (spec: shared/providers/). */
export const inbound: InboundAdapter = {};

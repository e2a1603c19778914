import type { InboundAdapter } from '../adapter-inbound';

/** Inbound half of the SMSAPI adapter (spec: shared/providers/). */
export const inbound: InboundAdapter = {};

import type { OutboundAdapter } from '../adapter-outbound';

/** Outbound half of the SMSAPI adapter (spec: shared/providers/). */
export const outbound: OutboundAdapter = {};

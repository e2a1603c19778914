import type { InboundAdapter } from '../adapter-inbound';

/**
 * Mobitex has no known inbound (MO) API: no callback and no polling endpoint appear in any source
 * (shared/providers/mobitex.md, Inbound SMS: "Do not build an inbound fake without the MO documentation").
 * Requests to its webhook path are logged and refused as unsupported.
 */
export const inbound: InboundAdapter = {};

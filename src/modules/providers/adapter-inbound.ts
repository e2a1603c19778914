/**
 * The inbound half of a provider adapter: parse webhook requests, reply bodies, polling.
 * Owned by the inbound work (src/modules/inbound); extend freely.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface InboundAdapter {}

/**
 * The outbound half of a provider adapter: send, verify (test mailbox), delivery reports.
 * Owned by the outbound work (src/modules/outbound); extend freely.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface OutboundAdapter {}

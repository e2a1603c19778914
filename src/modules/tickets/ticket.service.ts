/**
 * Name of the queue messages go to when no rule matches; created on first use (by the inbound path's
 * store and by sendSms, each in its own statements: see src/modules/inbound/store.ts, outbound.service.ts).
 */
export const DEFAULT_QUEUE_NAME = 'SMS';

import type { MessageStatus, OptOutSource, TicketStatus } from '../../gql/graphql';
import { formatDateTime } from '../../ui/format';

/** A ticket's status as the desk says it. */
export const TICKET_STATUS: Record<TicketStatus, string> = { OPEN: 'Open', CLOSED: 'Closed' };

/** Where a message is, in one word (MessageStatus in the schema says what each means). */
export const MESSAGE_STATUS: Record<MessageStatus, string> = {
  RECEIVED: 'Received',
  QUEUED: 'Queued',
  SENT: 'Sent',
  DELIVERED: 'Delivered',
  UNDELIVERED: 'Undelivered',
  EXPIRED: 'Expired',
  FAILED: 'Failed',
};

/** How a number came to opt out, as the end of "opted out on <date>, …". */
const OPT_OUT_SOURCE: Record<OptOutSource, string> = {
  KEYWORD: 'the customer texted a stop keyword',
  PROVIDER_REPORT: "the provider's delivery report said so",
  MANUAL: 'set by hand',
};

/** Why replies to a number are refused: who opted out, when and how (the source may be unknown to this build). */
export function optOutSentence(o: {
  phoneNumber?: unknown;
  changedAt?: unknown;
  source?: unknown;
  reason?: unknown;
}): string {
  const how = OPT_OUT_SOURCE[o.source as OptOutSource] ?? String(o.source ?? 'unknown');
  const reason = typeof o.reason === 'string' && o.reason ? ` (${o.reason})` : '';
  return `${String(o.phoneNumber)} opted out on ${formatDateTime(o.changedAt as string)}: ${how}${reason}.`;
}

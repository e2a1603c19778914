import type { MessageStatus, TicketStatus } from '../../gql/graphql';

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

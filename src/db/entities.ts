import { ApiToken } from '../modules/auth/api-token.entity';
import { User } from '../modules/auth/user.entity';
import { Customer } from '../modules/customers/customer.entity';
import { Erasure } from '../modules/erasure/erasure.entity';
import { Gateway } from '../modules/gateways/gateway.entity';
import { Attachment } from '../modules/inbound/attachment.entity';
import { InboundEvent } from '../modules/inbound/inbound-event.entity';
import { InboundPollState } from '../modules/inbound/poll-state.entity';
import { Notification } from '../modules/notifications/notification.entity';
import { MessageRule } from '../modules/rules/message-rule.entity';
import { OptOut, OptOutChange } from '../modules/optouts/optout.entity';
import { Settings } from '../modules/settings/settings.entity';
import { Message } from '../modules/tickets/message.entity';
import { Queue } from '../modules/tickets/queue.entity';
import { Ticket } from '../modules/tickets/ticket.entity';
import { SystemState } from './system-state.entity';

/** Every entity, as class references (no globs: they break under vitest and in dist alike). */
export const entities = [
  User,
  ApiToken,
  Gateway,
  Queue,
  MessageRule,
  Customer,
  Settings,
  SystemState,
  Ticket,
  Message,
  Notification,
  InboundEvent,
  Attachment,
  InboundPollState,
  OptOut,
  OptOutChange,
  Erasure,
];

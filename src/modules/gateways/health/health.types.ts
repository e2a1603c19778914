import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { InboundReason } from '../../inbound/inbound-event.entity';
import { GatewayTestResult } from '../gateway-test.types';

/** A mailbox's health at a glance; the worst that applies wins (FAILING, then SILENT, then WARNING). */
export enum GatewayHealthStatus {
  /** Nothing to look at. */
  OK = 'OK',
  /**
   * Not failing now, but worth a look: refusals or failed messages in the last 24 h, a failed last test, or
   * a client certificate about to expire.
   */
  WARNING = 'WARNING',
  /**
   * An open alert says messages are not getting through: its webhooks keep being refused, sends keep
   * failing, or messages wait unsent on a provider outage.
   */
  FAILING = 'FAILING',
  /** Incoming is on and nothing arrived for longer than its `silenceAlertHours` (an open alert). */
  SILENT = 'SILENT',
}
registerEnumType(GatewayHealthStatus, {
  name: 'GatewayHealthStatus',
  description: "A mailbox's health at a glance; the worst that applies wins (FAILING, then SILENT, then WARNING).",
  valuesConfig: {
    OK: { description: 'Nothing to look at.' },
    WARNING: {
      description:
        'Not failing now, but worth a look: refusals or failed messages in the last 24 h, a failed last test, or a client certificate about to expire.',
    },
    FAILING: {
      description:
        'An open alert says messages are not getting through: webhooks keep being refused, sends keep failing, or messages wait unsent on a provider outage.',
    },
    SILENT: {
      description: "Incoming is on and nothing arrived for longer than the mailbox's `silenceAlertHours`.",
    },
  },
});

@ObjectType({ description: 'How many webhook requests were refused for one reason.' })
export class RefusalCount {
  @Field(() => InboundReason, { description: 'Why they were refused.' })
  reason!: InboundReason;

  @Field(() => Int, { description: 'How many.' })
  count!: number;
}

@ObjectType({
  description:
    'Counts of the current hour and the 23 before it. Each instance adds its counts every HEALTH_FLUSH_MS, so the newest seconds may be missing.',
})
export class GatewayHealthCounts {
  @Field(() => Int, { description: 'Inbound messages stored (webhooks and polls; retries not counted).' })
  received: number = 0;

  @Field(() => [RefusalCount], { description: 'Webhook requests refused, by reason (most first).' })
  refused: RefusalCount[] = [];

  @Field(() => Int, { description: 'Outbound messages the provider took (SENT).' })
  sent: number = 0;

  @Field(() => Int, { description: 'Outbound messages that FAILED, or were reported UNDELIVERED or EXPIRED.' })
  failed: number = 0;

  @Field(() => Int, { description: 'Delivery reports received for this mailbox’s messages (pushed or polled).' })
  deliveryReports: number = 0;
}

@ObjectType({ description: 'Whether a mailbox is working: latest events, counts of the last 24 h, open alerts.' })
export class GatewayHealth {
  @Field(() => GatewayHealthStatus, { description: 'The verdict (see GatewayHealthStatus).' })
  status: GatewayHealthStatus = GatewayHealthStatus.OK;

  @Field(() => [String], { description: 'Why the status is not OK, in words (open alerts first); empty when OK.' })
  problems: string[] = [];

  @Field(() => Date, { nullable: true, description: 'When an inbound message for it was last stored.' })
  lastInboundAt: Date | null = null;

  @Field(() => Date, { nullable: true, description: 'When a webhook request for it was last refused.' })
  lastRefusedAt: Date | null = null;

  @Field(() => InboundReason, { nullable: true, description: 'Why the last refused request was refused (code).' })
  lastRefusalCode: InboundReason | null = null;

  @Field(() => String, { nullable: true, description: 'Why the last refused request was refused, in words.' })
  lastRefusalReason: string | null = null;

  @Field(() => Date, { nullable: true, description: 'When the provider last took a message from it.' })
  lastSentAt: Date | null = null;

  @Field(() => Date, { nullable: true, description: 'When one of its messages last failed.' })
  lastFailedAt: Date | null = null;

  @Field(() => Date, { nullable: true, description: 'When a delivery report for one of its messages last came.' })
  lastDeliveryReportAt: Date | null = null;

  @Field(() => GatewayHealthCounts, { description: 'Counts of the last 24 h.' })
  last24h: GatewayHealthCounts = new GatewayHealthCounts();

  @Field(() => GatewayTestResult, { nullable: true, description: 'The last `testGateway` result (as `lastTest`).' })
  lastTest: GatewayTestResult | null = null;
}

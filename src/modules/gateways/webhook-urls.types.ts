import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { WebhookPurpose } from '../providers/provider';

registerEnumType(WebhookPurpose, {
  name: 'WebhookPurpose',
  description: "What a URL pasted into a provider's panel receives.",
  valuesConfig: {
    INBOUND_SMS: { description: 'Incoming SMS (and, where the provider has no separate URL, its incoming MMS).' },
    INBOUND_MMS: { description: 'Incoming MMS, for a provider that calls a URL of its own for them.' },
    DELIVERY_REPORTS: { description: 'Delivery reports of the SMS this mailbox sends.' },
  },
});

@ObjectType({ description: "A URL of ours to paste into the provider's panel, and what it receives." })
export class WebhookUrl {
  @Field(() => WebhookPurpose, { description: 'What the provider sends to this URL.' })
  purpose!: WebhookPurpose;

  @Field({
    description:
      "The URL, on PUBLIC_URL, with the mailbox's webhook token in it when it has one (a secret: admins only).",
  })
  url!: string;
}

import { Field, Float, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: 'One check of a mailbox test: credentials, balance, certificate, test SMS…' })
export class GatewayTestCheck {
  @Field({
    description: 'What was checked, e.g. "Connection", "Secrets", "Test SMS", or a check the provider names itself.',
  })
  name!: string;

  @Field({ description: 'The check passed.' })
  ok!: boolean;

  @Field({ description: "A sentence a person understands, with the provider's own code where it gave one." })
  detail!: string;
}

@ObjectType({ description: 'The outcome of testing a mailbox configuration.' })
export class GatewayTestResult {
  @Field({ description: 'Every check passed (at least one ran): the mailbox can send.' })
  ok!: boolean;

  @Field(() => [GatewayTestCheck], {
    description: 'Each check in the order it ran; `ok` is true only when every one passed.',
  })
  checks!: GatewayTestCheck[];

  @Field(() => Float, { nullable: true, description: 'Account balance or points where the provider tells it.' })
  balance?: number;

  @Field(() => Int, { description: 'How long the test took, in milliseconds.' })
  latencyMs!: number;

  @Field({ description: 'When the test ran.' })
  testedAt!: Date;
}

import { Field, Float, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: 'One check of a mailbox test: credentials, balance, certificate, test SMS…' })
export class GatewayTestCheck {
  @Field()
  name!: string;

  @Field()
  ok!: boolean;

  @Field({ description: "A sentence a person understands, with the provider's own code where it gave one." })
  detail!: string;
}

@ObjectType({ description: 'The outcome of testing a mailbox configuration.' })
export class GatewayTestResult {
  @Field()
  ok!: boolean;

  @Field(() => [GatewayTestCheck])
  checks!: GatewayTestCheck[];

  @Field(() => Float, { nullable: true, description: 'Account balance or points where the provider tells it.' })
  balance?: number;

  @Field(() => Int)
  latencyMs!: number;

  @Field()
  testedAt!: Date;
}

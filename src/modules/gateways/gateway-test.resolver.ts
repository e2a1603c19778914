import { Arg, Authorized, Ctx, ID, Mutation, Resolver } from 'type-graphql';
import type { Context } from '../../graphql/context';
import { lengthLimit } from '../../graphql/limits';
import { idOf } from '../../graphql/ids';
import { Role } from '../auth/user.entity';
import { GatewayTestResult } from './gateway-test.types';

@Resolver()
export class GatewayTestResolver {
  @Authorized(Role.ADMIN)
  @Mutation(() => GatewayTestResult, {
    description:
      "Checks a mailbox's sending configuration without spending where the provider allows, and with sendTestSmsTo also sends one real test SMS. Provider-side failures come back as failed checks, never as errors; the result is kept as the mailbox's lastTest.",
  })
  testGateway(
    @Arg('id', () => ID, { description: 'The mailbox to test; NOT_FOUND when there is none.' }) id: string,
    @Ctx() ctx: Context,
    @Arg('sendTestSmsTo', () => String, {
      nullable: true,
      ...lengthLimit('sendTestSmsTo', 32),
      description:
        'Also send one real (paid) test SMS to this number (any format; sent to as E.164); omit to spend nothing.',
    })
    sendTestSmsTo?: string | null,
  ): Promise<GatewayTestResult> {
    return ctx.services.gatewayTests.test(ctx.em, idOf(id, 'Gateway'), sendTestSmsTo ?? undefined);
  }
}

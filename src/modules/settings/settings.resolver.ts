import { Arg, Authorized, Ctx, Field, ID, InputType, Mutation, Query, Resolver } from 'type-graphql';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ValidationError } from '../../common/errors';
import type { Context } from '../../graphql/context';
import { Role } from '../auth/user.entity';
import { Gateway } from '../gateways/gateway.entity';
import { Settings } from './settings.entity';

@InputType({ description: 'Changes to the system parameters; fields not given stay as they are.' })
export class SettingsInput {
  @Field(() => ID, { nullable: true, description: 'The default SMS mailbox; null clears it.' })
  defaultSmsGatewayId?: string | null;
}

/** The single settings row; the migration inserts it, this re-creates it if someone deleted it. */
export async function loadSettings(em: EntityManager): Promise<Settings> {
  const s = await em.findOne(Settings, { id: 1 }, { populate: ['defaultSmsGateway'] });
  if (s) return s;
  await em.getConnection().execute('insert into settings (id) values (1) on conflict do nothing');
  return em.findOneOrFail(Settings, { id: 1 }, { populate: ['defaultSmsGateway'] });
}

@Resolver(() => Settings)
export class SettingsResolver {
  @Authorized()
  @Query(() => Settings, { description: 'The system parameters; any logged-in user may read them.' })
  settings(@Ctx() ctx: Context): Promise<Settings> {
    return loadSettings(ctx.em);
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => Settings, {
    description:
      'Admins: changes the system parameters; fields not given stay as they are. BAD_USER_INPUT (rule exists) for a mailbox that does not exist.',
  })
  async updateSettings(
    @Arg('input', { description: 'The parameters to change.' }) input: SettingsInput,
    @Ctx() ctx: Context,
  ): Promise<Settings> {
    const s = await loadSettings(ctx.em);
    if (input.defaultSmsGatewayId !== undefined) {
      if (input.defaultSmsGatewayId === null) s.defaultSmsGateway = undefined;
      else {
        const id = input.defaultSmsGatewayId;
        const g = /^[0-9]{1,9}$/.test(id) ? await ctx.em.findOne(Gateway, { id: Number(id) }) : null;
        if (!g) throw ValidationError.single('defaultSmsGatewayId', 'exists', `mailbox ${id} does not exist`);
        s.defaultSmsGateway = g;
      }
    }
    await ctx.em.flush();
    return s;
  }
}

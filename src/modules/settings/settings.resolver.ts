import { Arg, Authorized, Ctx, Field, ID, InputType, Mutation, Query, Resolver } from 'type-graphql';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ArrayMaxSize, IsOptional, MaxLength } from 'class-validator';
import { ValidationError } from '../../common/errors';
import type { Context } from '../../graphql/context';
import { Role } from '../auth/user.entity';
import { Gateway } from '../gateways/gateway.entity';
import { Settings } from './settings.entity';
import { keywordListProblems, MAX_KEYWORD_CHARS, MAX_KEYWORDS } from '../optouts/keywords';

@InputType({ description: 'Changes to the system parameters; fields not given stay as they are.' })
export class SettingsInput {
  @Field(() => ID, { nullable: true, description: 'The default SMS mailbox; null clears it.' })
  defaultSmsGatewayId?: string | null;

  @Field(() => [String], {
    nullable: true,
    description: `The opt-out keywords (1–${MAX_KEYWORDS}, each at most ${MAX_KEYWORD_CHARS} characters); not given: kept. None may also be a start keyword.`,
  })
  @IsOptional()
  @ArrayMaxSize(MAX_KEYWORDS)
  @MaxLength(MAX_KEYWORD_CHARS, { each: true })
  optOutKeywords?: string[];

  @Field(() => [String], {
    nullable: true,
    description: `The start keywords that opt a number back in (1–${MAX_KEYWORDS}, each at most ${MAX_KEYWORD_CHARS} characters); not given: kept.`,
  })
  @IsOptional()
  @ArrayMaxSize(MAX_KEYWORDS)
  @MaxLength(MAX_KEYWORD_CHARS, { each: true })
  optInKeywords?: string[];
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
    const keywords = input.optOutKeywords != null || input.optInKeywords != null;
    if (keywords) {
      const lists = {
        optOutKeywords: (input.optOutKeywords ?? s.optOutKeywords).map((k) => k.trim()),
        optInKeywords: (input.optInKeywords ?? s.optInKeywords).map((k) => k.trim()),
      };
      const problems = keywordListProblems(lists);
      if (problems.length) throw new ValidationError(problems);
      s.optOutKeywords = lists.optOutKeywords;
      s.optInKeywords = lists.optInKeywords;
    }
    await ctx.em.flush();
    // After the commit: every instance drops its copy of the lists (KeywordWatch).
    if (keywords) ctx.events.publish('OPT_OUT_KEYWORDS_CHANGED', {});
    return s;
  }
}

import {
  Arg,
  Authorized,
  Ctx,
  Field,
  FieldResolver,
  ID,
  InputType,
  Int,
  Mutation,
  Query,
  Resolver,
  Root,
} from 'type-graphql';
import { ArrayMaxSize, MaxLength } from 'class-validator';
import { QueryOrder, type EntityManager } from '@mikro-orm/postgresql';
import { NotFoundError, Violations } from '../../common/errors';
import { afterId, MAX_PAGE, pageSize } from '../../graphql/connection';
import type { Context } from '../../graphql/context';
import { idOf } from '../../graphql/ids';
import { Role, User } from '../auth/user.entity';
import { Queue } from './queue.entity';

@InputType({ description: 'A ticket queue and its members.' })
export class QueueInput {
  @Field({ description: "The queue's name; unique, at most 100 characters." }) @MaxLength(100) name!: string;
  @Field(() => [ID], {
    nullable: true,
    description:
      'Ids of the agents of the queue (at most 1000): they are notified of its messages and see its tickets. An empty list: every agent. On update, null keeps the members.',
  })
  @ArrayMaxSize(1000)
  memberIds?: string[];
}

async function applyQueue(em: EntityManager, q: Queue, input: QueueInput): Promise<void> {
  const v = new Violations();
  const name = input.name.trim();
  if (!name) v.add('name', 'required', 'must not be empty');
  else if (await em.count(Queue, { name, ...(q.id ? { id: { $ne: q.id } } : {}) }))
    v.add('name', 'unique', `another queue is already called "${name}"`);
  q.name = name;
  if (input.memberIds) {
    const ids = input.memberIds.map((raw) => (/^[0-9]{1,9}$/.test(raw) ? Number(raw) : -1));
    const users = await em.find(User, { id: { $in: ids.filter((i) => i > 0) } });
    input.memberIds.forEach((raw, i) => {
      if (!users.some((u) => u.id === ids[i])) v.add(`memberIds[${i}]`, 'exists', `user ${raw} does not exist`);
    });
    q.members.set(users);
  }
  v.throwIfAny();
}

@Resolver(() => Queue)
export class QueueResolver {
  @Authorized()
  @Query(() => [Queue], {
    description:
      'Every ticket queue, by name (agents see them all, but only the tickets of their own queues and of queues without members).',
  })
  queues(@Ctx() ctx: Context): Promise<Queue[]> {
    return ctx.em.find(Queue, {}, { orderBy: { name: 'asc' } });
  }

  @FieldResolver(() => [User], {
    description:
      'Agents of this queue by name, `first` (at most 100) after the user `after`; when empty, every agent is notified.',
  })
  async members(
    @Root() q: Queue,
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { defaultValue: MAX_PAGE, description: 'How many members: 1–100.' }) first: number,
    @Arg('after', () => ID, { nullable: true, description: 'The id of the last member you have.' }) after?: string,
  ): Promise<User[]> {
    pageSize(first);
    const from = afterId(after);
    const qb = ctx.em
      .createQueryBuilder(User, 'u')
      .select('*')
      .where(`u.id in (select m.user_id from queue_member m where m.queue_id = ?)`, [q.id])
      .orderBy({ name: QueryOrder.ASC, id: QueryOrder.ASC })
      .limit(first);
    if (from) qb.andWhere(`(u.name, u.id) > (select a.name, a.id from app_user a where a.id = ?)`, [from]);
    return qb.getResultList();
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => Queue, {
    description:
      'Admins: creates a queue. BAD_USER_INPUT with violations (empty or taken name, a member id that is no user).',
  })
  async createQueue(
    @Arg('input', { description: 'The new queue.' }) input: QueueInput,
    @Ctx() ctx: Context,
  ): Promise<Queue> {
    const q = new Queue();
    await applyQueue(ctx.em, q, input);
    ctx.em.persist(q);
    await ctx.em.flush();
    return q;
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => Queue, {
    description:
      'Admins: renames a queue and, with memberIds, replaces its members (the change of who may see its tickets applies at once). BAD_USER_INPUT with violations, NOT_FOUND for an unknown id.',
  })
  async updateQueue(
    @Arg('id', () => ID, { description: 'The queue to change.' }) id: string,
    @Arg('input', { description: "The queue's name, and its members when memberIds is given." }) input: QueueInput,
    @Ctx() ctx: Context,
  ): Promise<Queue> {
    const q = await ctx.em.findOne(Queue, { id: idOf(id, 'Queue') }, { populate: ['members'] });
    if (!q) throw new NotFoundError('Queue', id);
    await applyQueue(ctx.em, q, input);
    await ctx.em.flush();
    return q;
  }
}

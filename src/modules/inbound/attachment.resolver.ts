import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { Context } from '../../graphql/context';
import { Message } from '../tickets/message.entity';
import { scopeOf } from '../tickets/queue-access';
import { Attachment } from './attachment.entity';

@Resolver(() => Attachment)
export class AttachmentResolver {
  @FieldResolver(() => String, { description: 'Download URL; send the same Authorization header as for GraphQL.' })
  url(@Root() a: Attachment, @Ctx() ctx: Context): string {
    return `${ctx.config.publicUrl}/attachments/${a.id}`;
  }
}

@Resolver(() => Message)
export class MessageAttachmentsResolver {
  @FieldResolver(() => [Attachment], { description: 'MMS files (empty for SMS).' })
  async attachments(@Root() m: Message, @Ctx() ctx: Context): Promise<Attachment[]> {
    return ctx.em.find(
      Attachment,
      { message: { $and: [{ id: m.id }, (await scopeOf(ctx)).messages()] } },
      { orderBy: { id: 'asc' } },
    );
  }
}

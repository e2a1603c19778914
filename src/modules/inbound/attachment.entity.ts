import { Entity, ManyToOne, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Message } from '../tickets/message.entity';

/**
 * Per file: MMS are small (operators cap a whole MMS around 300 KB–1 MB); a bigger part is recorded without
 * its bytes.
 */
export const MAX_ATTACHMENT_BYTES = 1024 * 1024;
/**
 * A whole multipart request on the MMS route: one MMS at the operators' largest with its text parts and
 * framing. Everything a multipart request holds is read into memory, so a larger one is refused (413).
 */
export const MAX_MMS_REQUEST_BYTES = 2 * 1024 * 1024;
/** Files per MMS. */
export const MAX_ATTACHMENTS = 20;

/**
 * A file of an inbound MMS, kept in PostgreSQL (bytea, TOAST-compressed) so the database stays the only
 * stateful dependency. A file over the size limit is recorded without its data (`omitted`), so the agent
 * sees that something was there; nothing is dropped silently. Downloaded through GET /attachments/:id.
 */
@ObjectType({ description: 'A file of an inbound MMS.' })
@Entity({ tableName: 'attachment' })
export class Attachment {
  [OptionalProps]?: 'createdAt';

  @Field(() => ID, { description: "The attachment's id." })
  @PrimaryKey()
  id!: number;

  @ManyToOne(() => Message, { deleteRule: 'cascade', index: true })
  message!: Message;

  @Field({ nullable: true, description: 'The file name the provider gave, if any.' })
  @Property({ length: 255, nullable: true })
  filename?: string;

  @Field({ description: 'The MIME type as received, e.g. image/jpeg.' })
  @Property({ length: 255 })
  contentType!: string;

  @Field(() => Int, { description: 'Size in bytes as received.' })
  @Property()
  size!: number;

  /** The file; null when it was over the size limit. Lazy: listing attachments never loads the bytes. */
  @Property({ type: 'blob', nullable: true, lazy: true })
  data?: Buffer;

  @Field({ description: 'The file was over the size limit and is not kept.' })
  @Property()
  omitted!: boolean;

  @Field({ description: 'When it was received.' })
  @Property({ defaultRaw: 'now()' })
  createdAt: Date = new Date();
}

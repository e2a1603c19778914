import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app-context';
import { BODY_LIMIT_BYTES } from '../../config';
import type { WebhookEndpoint, WebhookReplies } from '../../webhooks/edge';
import { AuthService } from '../auth/auth.service';
import { adapterFor, PROVIDERS } from '../providers/registry';
import { queuesVisibleTo } from '../tickets/queue-access';
import { MAX_ATTACHMENT_BYTES, MAX_MMS_REQUEST_BYTES } from './attachment.entity';

/**
 * The inbound webhook of every provider with a webhook path in its catalog entry, plus each provider's extra
 * routes (an MMS callback). A provider that does not push still has its path, answered as unsupported.
 */
export function inboundEndpoints(ctx: AppContext): WebhookEndpoint[] {
  const service = ctx.services.inbound;
  const bodyLimit = BODY_LIMIT_BYTES;
  return PROVIDERS.flatMap((p) => {
    const handler = adapterFor(p.id).webhook;
    // A provider that does not push gets only the "unsupported" answer, which the edge builds.
    const replies: WebhookReplies = handler ?? {
      accepted: () => ({ status: 404, body: 'Not found' }),
      refused: { status: 404, body: 'Not found' },
    };
    const endpoint = (path: string, variant: WebhookEndpoint['variant']): WebhookEndpoint => ({
      provider: p.id,
      path,
      variant,
      route: variant,
      bodyLimit: variant === 'mms' ? MAX_MMS_REQUEST_BYTES : bodyLimit,
      receive: (call) => service.receive(ctx.orm.em.fork(), call),
      unreadable: (call, reason) => service.unreadable(ctx.orm.em.fork(), call, reason),
      replies,
    });
    return [
      ...(p.catalog.webhookPath ? [endpoint(p.catalog.webhookPath, 'sms')] : []),
      ...(p.extraRoutes ?? []).map((r) => endpoint(r.path, r.variant)),
    ];
  });
}

/**
 * `GET /attachments/:id`: the download of MMS files, for logged-in users who may see the message's ticket; any
 * other file is 404, as one that does not exist.
 */
export async function attachmentRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get<{ Params: { id: string } }>('/attachments/:id', async (req, reply) => {
    const em = ctx.orm.em.fork();
    let token: string | undefined;
    try {
      token = AuthService.bearer(req.headers.authorization);
    } catch {
      token = undefined;
    }
    const user = token ? await ctx.services.auth.authenticate(em, token) : null;
    if (!user)
      return reply
        .status(401)
        .header('www-authenticate', 'Bearer')
        .send({ error: 'Log in first: send "Authorization: Bearer <token>"' });
    if (!/^[0-9]{1,10}$/.test(req.params.id)) return reply.status(404).send({ error: 'No such attachment' });
    const rows = await em.execute<
      {
        filename: string | null;
        content_type: string;
        data: Buffer | null;
        omitted: boolean;
        queue_id: number | null;
      }[]
    >(
      `select a.filename, a.content_type, a.data, a.omitted, t.queue_id
         from attachment a join message m on m.id = a.message_id left join ticket t on t.id = m.ticket_id
        where a.id = ?`,
      [Number(req.params.id)],
    );
    const a = rows[0];
    if (!a || !(await queuesVisibleTo(em, user)).allows(a.queue_id))
      return reply.status(404).send({ error: 'No such attachment' });
    if (a.omitted || !a.data)
      return reply
        .status(410)
        .send({ error: `The file was over the ${MAX_ATTACHMENT_BYTES} byte limit and was not kept` });
    const name = (a.filename ?? `attachment-${req.params.id}`).replace(/["\\\r\n]/g, '_');
    return reply
      .header('content-type', a.content_type)
      .header(
        'content-disposition',
        `attachment; filename="${name.replace(/[^\x20-\x7e]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(name)}`,
      )
      .header('x-content-type-options', 'nosniff')
      .header('cache-control', 'private, no-store')
      .send(a.data);
  });
}

import type { FastifyInstance } from 'fastify';
import { GUIDES_PATH, readGuide } from './guides';

/** `GET /docs/providers/<guide>.md`: a provider's set-up guide as Markdown, for anyone (it holds no secret). */
export async function guideRoutes(app: FastifyInstance): Promise<void> {
  app.get<{ Params: { file: string } }>(`${GUIDES_PATH}/:file`, async (req, reply) => {
    const text = await readGuide(req.params.file);
    if (text === null) return reply.status(404).type('text/plain; charset=utf-8').send('No such guide');
    return reply.type('text/markdown; charset=utf-8').header('x-content-type-options', 'nosniff').send(text);
  });
}

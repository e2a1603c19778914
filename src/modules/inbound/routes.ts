import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app-context';

/** Provider webhooks under /panel/tickets/incoming/. */
export async function inboundRoutes(_app: FastifyInstance, _ctx: AppContext): Promise<void> {}

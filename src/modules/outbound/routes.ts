import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app-context';

/** Delivery-report callbacks (e.g. /panel/tickets/incoming/smsapi/dlr). */
export async function outboundRoutes(_app: FastifyInstance, _ctx: AppContext): Promise<void> {}

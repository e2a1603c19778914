import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config';

/** The one path that serves browsers from other origins (CORS over HTTP, the Origin check of graphql-ws). */
export const CROSS_ORIGIN_PATH = '/graphql';

/**
 * Whether a graphql-ws upgrade may go on, by its `Origin` header. Browsers always send one on a WebSocket
 * upgrade (and CORS does not apply to WebSockets); other clients (scripts, integrations) send none and pass.
 * A page of the service's own origin (`Host`, or PUBLIC_URL's origin behind a proxy that rewrites Host) passes,
 * and so does one listed in CORS_ORIGINS. Any other page is refused: tokens travel in `connectionParams`, not
 * cookies, so a foreign page cannot ride on an agent's session (cross-site WebSocket hijacking), but it could
 * otherwise use the API over the socket where over HTTP the missing CORS headers stop it; one rule for both.
 */
export function wsOriginAllowed(
  origin: string | undefined,
  host: string | undefined,
  config: Pick<Config, 'publicUrl' | 'corsOrigins'>,
): boolean {
  if (origin === undefined) return true;
  let u: URL;
  try {
    u = new URL(origin);
  } catch {
    // "null" (sandboxed frames, file: pages) and anything unparsable: no origin we could have listed.
    return false;
  }
  if (config.corsOrigins.includes(u.origin)) return true;
  if (u.origin === new URL(config.publicUrl).origin) return true;
  return host !== undefined && ['http:', 'https:'].includes(u.protocol) && u.host === host.toLowerCase();
}

/**
 * CORS for CROSS_ORIGIN_PATH only, for the origins of CORS_ORIGINS (nothing is registered without any). Other
 * routes get no CORS headers and no preflight answers: webhooks are called by providers' servers, not
 * browsers, and attachments and health endpoints are not for other origins. Bearer tokens, no cookies, so no
 * credentials mode; X-Request-Id is exposed so that a frontend can quote it in a support request.
 */
export async function registerCors(fastify: FastifyInstance, origins: string[]): Promise<void> {
  if (!origins.length) return;
  await fastify.register(cors, {
    delegator: (req, done) =>
      done(null, req.url.split('?')[0] === CROSS_ORIGIN_PATH ? { origin: origins, ...CORS } : { origin: false }),
  });
}

const CORS = { methods: ['GET', 'POST'], exposedHeaders: ['X-Request-Id'], maxAge: 600 };

import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import Negotiator from 'negotiator';

/** Where `npm run build` writes the playground (src/web/playground/vite.config.mts), compiled or run from source. */
export const PLAYGROUND_DIR = path.resolve(
  __dirname,
  __dirname.includes(`${path.sep}dist${path.sep}`) ? '../../web/playground' : '../../dist/web/playground',
);

/** The URL prefix of the built assets: the `base` of the Vite build. */
const ASSETS_PREFIX = '/playground/';

/**
 * Self only: scripts, workers and fonts come from this service, requests go to it (`'self'` covers ws: and
 * wss: on the same host). The editor adds `<style>` elements and the fonts are data: URLs inside the CSS.
 */
export const PLAYGROUND_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "worker-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "font-src 'self' data:",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The media types Apollo answers at its path; a browser's navigation ranks text/html above them all. */
const GRAPHQL_TYPES = [
  'application/json',
  'application/graphql-response+json',
  'multipart/mixed',
  'multipart/mixed; deferSpec=20220824',
  'multipart/mixed; incrementalSpec=v0.2',
  'text/html',
];

/** A GET that would rather have a page than a GraphQL result (a browser's navigation): Apollo's own test. */
function prefersHtml(req: FastifyRequest): boolean {
  const accept = req.headers.accept;
  return !!accept && new Negotiator({ headers: { accept } }).mediaType(GRAPHQL_TYPES) === 'text/html';
}

function pageOrNotice(): { status: number; html: string } {
  try {
    return { status: 200, html: fs.readFileSync(path.join(PLAYGROUND_DIR, 'index.html'), 'utf8') };
  } catch {
    const html =
      '<!doctype html><meta charset="utf-8"><title>smsdesk</title>' +
      '<p>The GraphQL playground is not built. Run <code>npm run build</code> (<code>npm start</code> does it).</p>';
    return { status: 503, html };
  }
}

/**
 * The GraphiQL playground: its page on a browser's GET of `graphqlPath` (every other request there goes on
 * to Apollo unchanged, so JSON GETs and CSRF prevention stay as they are), its assets under /playground/.
 * Must be called before the GraphQL route is declared.
 */
export async function playgroundRoutes(fastify: FastifyInstance, graphqlPath: string): Promise<void> {
  const page = pageOrNotice();
  const servePage = async (req: FastifyRequest, reply: FastifyReply) => {
    if (!prefersHtml(req)) return;
    return reply
      .status(page.status)
      .header('content-type', 'text/html; charset=utf-8')
      .header('content-security-policy', PLAYGROUND_CSP)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('cache-control', 'no-cache')
      .send(page.html);
  };
  fastify.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (route.url !== graphqlPath || !methods.includes('GET')) return;
    const own = route.onRequest ? (Array.isArray(route.onRequest) ? route.onRequest : [route.onRequest]) : [];
    route.onRequest = [servePage, ...own];
  });
  if (page.status !== 200) return;
  // Loaded only where the playground is served (off in production by default): it costs start-up time.
  const { default: fastifyStatic } = await import('@fastify/static');
  await fastify.register(fastifyStatic, {
    root: path.join(PLAYGROUND_DIR, 'assets'),
    prefix: `${ASSETS_PREFIX}assets/`,
    index: false,
    wildcard: false,
    // The build writes a .gz beside each script and style (vite.config.mts).
    preCompressed: true,
    // File names carry a hash of their content.
    immutable: true,
    maxAge: '365d',
    decorateReply: false,
    setHeaders: (reply) => reply.header('x-content-type-options', 'nosniff'),
  });
}

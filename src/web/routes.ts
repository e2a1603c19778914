import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import Negotiator from 'negotiator';

/** Where `npm run build` writes a web bundle (src/web/<name>/vite.config.mts), compiled or run from source. */
function builtDir(name: string): string {
  return path.resolve(
    __dirname,
    __dirname.includes(`${path.sep}dist${path.sep}`) ? `../../web/${name}` : `../../dist/web/${name}`,
  );
}

export const PLAYGROUND_DIR = builtDir('playground');
export const CONSOLE_DIR = builtDir('console');

/**
 * A page's Content-Security-Policy: everything from this service only (`'self'` in connect-src covers ws: and
 * wss: on the same host), no plugins, no <base>, no form posts, no framing; `more` adds or widens directives.
 */
function selfOnlyCsp(more: Record<string, string> = {}): string {
  const directives: Record<string, string> = {
    'default-src': "'self'",
    'script-src': "'self'",
    'style-src': "'self'",
    'img-src': "'self' data:",
    'connect-src': "'self'",
    'object-src': "'none'",
    'base-uri': "'none'",
    'form-action': "'none'",
    'frame-ancestors': "'none'",
    ...more,
  };
  return Object.entries(directives)
    .map(([name, value]) => `${name} ${value}`)
    .join('; ');
}

/** The playground's editor runs web workers, adds `<style>` elements, and its fonts are data: URLs in the CSS. */
export const PLAYGROUND_CSP = selfOnlyCsp({
  'worker-src': "'self'",
  'style-src': "'self' 'unsafe-inline'",
  'font-src': "'self' data:",
});

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

/** A built page, or a page that says how to build it. */
function pageOrNotice(dir: string, what: string): { status: number; html: string } {
  try {
    return { status: 200, html: fs.readFileSync(path.join(dir, 'index.html'), 'utf8') };
  } catch {
    const html =
      '<!doctype html><html lang="en"><meta charset="utf-8"><title>smsdesk</title>' +
      `<p>The ${what} is not built. Run <code>npm run build</code> (<code>npm start</code> does it).</p>`;
    return { status: 503, html };
  }
}

/** The headers of a page of ours: its CSP, no sniffing, no referrer, always asked again (assets are hashed). */
function sendPage(reply: FastifyReply, page: { status: number; html: string }, csp: string) {
  return reply
    .status(page.status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('content-security-policy', csp)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('cache-control', 'no-cache')
    .send(page.html);
}

/** A bundle's hashed assets under `prefix` (its Vite `base` + assets/), gzip copies included. */
async function assetRoutes(fastify: FastifyInstance, dir: string, prefix: string): Promise<void> {
  // Loaded only where a bundle is served: it costs start-up time.
  const { default: fastifyStatic } = await import('@fastify/static');
  await fastify.register(fastifyStatic, {
    root: path.join(dir, 'assets'),
    prefix,
    index: false,
    wildcard: false,
    // The build writes a .gz beside each script and style (src/web/vite-gzip.mts).
    preCompressed: true,
    // File names carry a hash of their content.
    immutable: true,
    maxAge: '365d',
    decorateReply: false,
    setHeaders: (reply) => reply.header('x-content-type-options', 'nosniff'),
  });
}

/**
 * The GraphiQL playground: its page on a browser's GET of `graphqlPath` (every other request there goes on
 * to Apollo unchanged, so JSON GETs and CSRF prevention stay as they are), its assets under /playground/.
 * Must be called before the GraphQL route is declared.
 */
export async function playgroundRoutes(fastify: FastifyInstance, graphqlPath: string): Promise<void> {
  const page = pageOrNotice(PLAYGROUND_DIR, 'GraphQL playground');
  const servePage = async (req: FastifyRequest, reply: FastifyReply) => {
    if (!prefersHtml(req)) return;
    return sendPage(reply, page, PLAYGROUND_CSP);
  };
  fastify.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (route.url !== graphqlPath || !methods.includes('GET')) return;
    const own = route.onRequest ? (Array.isArray(route.onRequest) ? route.onRequest : [route.onRequest]) : [];
    route.onRequest = [servePage, ...own];
  });
  if (page.status === 200) await assetRoutes(fastify, PLAYGROUND_DIR, '/playground/assets/');
}

/** The console has no inline styles, fonts or workers: the policy as it is. */
export const CONSOLE_CSP = selfOnlyCsp();

/** The page's meta element that tells the console where the playground is (read by its Layout.tsx). */
export const PLAYGROUND_META = 'smsdesk-playground';

/**
 * The web console at `/` (its screens live after the `#`, so this is its only page) and its assets under
 * /console/assets/. It talks to the service only through /graphql, as any client of the API.
 */
export async function consoleRoutes(fastify: FastifyInstance, playgroundPath?: string): Promise<void> {
  const built = pageOrNotice(CONSOLE_DIR, 'web console');
  // Where the playground is served, the console links to it for admins (and only then: it may be off).
  const page = playgroundPath
    ? {
        ...built,
        html: built.html.replace('</head>', `<meta name="${PLAYGROUND_META}" content="${playgroundPath}" /></head>`),
      }
    : built;
  fastify.get('/', (_req, reply) => sendPage(reply, page, CONSOLE_CSP));
  if (page.status === 200) await assetRoutes(fastify, CONSOLE_DIR, '/console/assets/');
}

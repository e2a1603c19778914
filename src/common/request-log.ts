import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';

/** A URL for the log: the path only. Query strings carry webhook tokens, message text, even GraphQL variables. */
export function pathOnly(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : `${url.slice(0, q)}?[redacted]`;
}

const reqForLog = (req: FastifyRequest) => ({
  method: req.method,
  url: pathOnly(req.url),
  remoteAddress: req.socket?.remoteAddress,
});

/**
 * Fastify's own per-request lines without query strings: `incoming request` and the 404 line are written at
 * info level for every route, including unknown ones that a misconfigured provider calls with its token.
 */
export class PathOnlyLogController extends LogController {
  override incomingRequest(request: FastifyRequest): void {
    if (this.isLogDisabled(request)) return;
    request.log.info({ req: reqForLog(request) }, 'incoming request');
  }

  override routeNotFound(request: FastifyRequest): void {
    if (this.isLogDisabled(request)) return;
    request.log.info(`Route ${request.method}:${pathOnly(request.url)} not found`);
  }

  override defaultErrorLog(error: Error, request: FastifyRequest, reply: FastifyReply): void {
    if (this.isLogDisabled(request)) return;
    if (reply.statusCode >= 500) reply.log.error({ req: reqForLog(request), res: reply, err: error }, error?.message);
    else reply.log.info({ res: reply, err: error }, error?.message);
  }

  override writeHeadError(error: Error, request: FastifyRequest, reply: FastifyReply): void {
    if (this.isLogDisabled(request)) return;
    reply.log.warn({ req: reqForLog(request), res: reply, err: error }, error?.message);
  }
}

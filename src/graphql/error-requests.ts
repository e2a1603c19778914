import type { ApolloServerPlugin, GraphQLRequestListener } from '@apollo/server';
import type { FastifyBaseLogger } from 'fastify';
import type { Context } from './context';

/**
 * Which HTTP request an error of GraphQL belongs to, so that the one error mapping (errors.ts) logs an internal
 * error on that request's log lines (with its `reqId`). Apollo's formatError sees only the error, so errors are
 * tied to their request on the way: those an operation meets (`plugin`, before Apollo formats them) and those
 * of a failed context (`tag`, from the context function).
 */
export class ErrorRequests {
  private readonly logs = new WeakMap<object, FastifyBaseLogger>();

  /** Ties `error` to the logger of its request. */
  tag(error: unknown, log: FastifyBaseLogger): void {
    if (error && typeof error === 'object') this.logs.set(error, log);
  }

  /** Runs `fn` (a context function's step); an error it throws is tied to `log` on its way out. */
  async tagging<T>(log: FastifyBaseLogger, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      this.tag(e, log);
      throw e;
    }
  }

  /** The logger of the request `error` (or an error it wraps) came from, when it is known. */
  logOf(error: unknown): FastifyBaseLogger | undefined {
    for (let e = error; e && typeof e === 'object'; e = (e as { originalError?: unknown }).originalError) {
      const log = this.logs.get(e);
      if (log) return log;
    }
    return undefined;
  }

  /** Tags the errors each operation meets. One listener for all requests: it reads the request from its context. */
  plugin(): ApolloServerPlugin<Context> {
    const listener: GraphQLRequestListener<Context> = {
      didEncounterErrors: async ({ errors, contextValue }) => {
        for (const e of errors) this.tag(e, contextValue.log);
      },
    };
    return { requestDidStart: async () => listener };
  }
}

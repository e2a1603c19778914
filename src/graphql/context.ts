import type { EntityManager } from '@mikro-orm/postgresql';
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config';
import type { AuthUser } from '../modules/auth/auth.service';
import type { Services } from '../services';
import type { EventBus } from './pubsub';

/** Per-request (HTTP) or per-operation (graphql-ws) context. */
export interface Context {
  /** A fork of the ORM's EntityManager: its identity map lives as long as this request. */
  em: EntityManager;
  user?: AuthUser;
  /** The client's address (TRUSTED_PROXIES rule), for per-IP limits such as login attempts. */
  ip?: string;
  services: Services;
  config: Config;
  events: EventBus;
  /** The request's logger: its lines carry the request id (`reqId`), over HTTP and graphql-ws. */
  log: FastifyBaseLogger;
}

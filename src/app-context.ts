import type { FastifyBaseLogger } from 'fastify';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { WorkerUtils } from 'graphile-worker';
import type { Config } from './config';
import type { SecretBox } from './common/secret-box';
import type { EventBus, Publish } from './graphql/pubsub';
import type { Services } from './services';
import type { Metrics } from './modules/metrics/metrics';

/**
 * What long-lived parts (routes, jobs, pollers) share: built once in app.ts. Request code gets its own
 * forked EntityManager from `orm.em.fork()`.
 */
export interface AppContext {
  config: Config;
  orm: MikroORM;
  box: SecretBox;
  services: Services;
  events: EventBus;
  /** Announces an event after its commit, to every instance (batched; the bus's `publish` as a plain call). */
  publish: Publish;
  log: FastifyBaseLogger;
  /** This instance's metrics: provider calls, statuses reached, polls. */
  metrics: Metrics;
  /** Adds jobs outside a transaction (inside one, call `graphile_worker.add_job` in SQL). */
  jobs: WorkerUtils;
}

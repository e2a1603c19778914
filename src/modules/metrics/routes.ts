import type { FastifyInstance } from 'fastify';
import { tokenMatches } from '../../webhooks/token';
import type { Metrics } from './metrics';

/**
 * `GET /metrics`: this instance's metrics in Prometheus text format. With METRICS_TOKEN set, only a request
 * with `Authorization: Bearer <METRICS_TOKEN>` gets them (compared in constant time); without it, anyone who
 * can reach the port does, so keep the port private or set the token.
 */
export async function metricsRoutes(app: FastifyInstance, metrics: Metrics, token: string | undefined): Promise<void> {
  app.get('/metrics', async (req, reply) => {
    if (token !== undefined) {
      const given = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization?.trim() ?? '')?.[1];
      if (!tokenMatches(given, token))
        return reply
          .status(401)
          .header('www-authenticate', 'Bearer realm="metrics"')
          .type('text/plain')
          .send('Unauthorized: send "Authorization: Bearer <METRICS_TOKEN>"');
    }
    return reply
      .header('cache-control', 'no-store')
      .type(metrics.contentType)
      .send(await metrics.text());
  });
}

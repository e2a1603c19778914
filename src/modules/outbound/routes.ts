import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app-context';
import { ipMatcher } from '../../common/ip';
import { trustedProxyList } from '../../config';
import { catalogEntry, PROVIDER_IDS } from '../providers/catalog';
import { adapterFor } from '../providers/registry';
import type { ProviderId } from '../providers/catalog.types';
import { Gateway } from '../gateways/gateway.entity';
import { applyReport, findReported } from './dlr';

/** The client address: the peer, or X-Forwarded-For's last untrusted hop when the peer is a trusted proxy. */
function clientIp(req: FastifyRequest, trusted: ReturnType<typeof trustedProxyList>): string {
  const peer = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
  const xff = req.headers['x-forwarded-for'];
  const family = (ip: string) => (ip.includes(':') ? 'ipv6' : 'ipv4');
  if (!xff || !peer || !trusted.check(peer, family(peer))) return peer;
  const hops = String(xff).split(',').map((h) => h.trim().replace(/^::ffff:/, '')).filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i--) if (!trusted.check(hops[i], family(hops[i]))) return hops[i];
  return hops[0] ?? peer;
}

/**
 * Delivery-report callbacks at <provider webhook path>/dlr (SMSAPI: /panel/tickets/incoming/smsapi/dlr,
 * the notify_url we pass with every message).
 */
export async function outboundRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const trusted = trustedProxyList(ctx.config);
  for (const id of PROVIDER_IDS) {
    const adapter = adapterFor(id);
    const path = catalogEntry(id).webhookPath;
    if (adapter.deliveryReports !== 'callback' || !adapter.parseDeliveryReports || !path) continue;
    const handler = async (req: FastifyRequest, reply: import('fastify').FastifyReply) => {
      const reports = adapter.parseDeliveryReports!({ method: req.method, query: (req.query ?? {}) as Record<string, unknown>, body: req.body, headers: req.headers });
      const em = ctx.orm.em.fork();
      const ip = clientIp(req, trusted);
      const token = (req.query as Record<string, unknown>)?.token ?? req.headers['x-webhook-token'];
      // Resolve and check every report first, so a refused request changes nothing.
      const targets = [];
      for (const r of reports) {
        const target = await findReported(em, id as ProviderId, r);
        if (!target) {
          // Answered like any other report: the provider would only retry a report we can never match.
          req.log.warn({ provider: id, providerMessageId: r.providerMessageId, idx: r.idempotencyKey, providerStatus: r.providerStatus }, 'delivery report for an unknown message');
          continue;
        }
        // The mailbox's own guards: its allowed IPs and webhook token (the provider signs nothing).
        const g = target.gatewayId ? await em.findOne(Gateway, { id: target.gatewayId }, { populate: ['webhookTokenSecret'] }) : null;
        if (g && !ipMatcher(g.allowedIps)(ip)) {
          req.log.warn({ provider: id, ip, gatewayId: g.id }, 'delivery report refused: IP not allowed for the mailbox');
          return reply.status(403).type('text/plain').send('FORBIDDEN');
        }
        if (g?.webhookTokenSecret && ctx.box.open(g.webhookTokenSecret) !== token) {
          req.log.warn({ provider: id, gatewayId: g.id }, 'delivery report refused: missing or wrong webhook token');
          return reply.status(403).type('text/plain').send('FORBIDDEN');
        }
        targets.push({ target, r });
      }
      let applied = 0;
      for (const { target, r } of targets) if (await applyReport(em, target, r)) applied++;
      ctx.log.info({ reqId: req.id, provider: id, reports: reports.length, applied }, 'delivery reports');
      const answer = adapter.deliveryReportReply?.() ?? { status: 200, contentType: 'text/plain', body: 'OK' };
      return reply.status(answer.status).type(answer.contentType).send(answer.body);
    };
    // The URL can carry the webhook token: no info-level request lines for these routes (as for inbound).
    const logLevel = (['error', 'fatal', 'silent'].includes(ctx.log.level) ? ctx.log.level : 'warn') as 'warn';
    app.get(`${path}/dlr`, { logLevel }, handler);
    app.post(`${path}/dlr`, { logLevel }, handler);
  }
}

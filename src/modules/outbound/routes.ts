import type { AppContext } from '../../app-context';
import type { WebhookEndpoint } from '../../webhooks/edge';
import { BODY_LIMIT_BYTES } from '../../config';
import { deliveryReportPath } from '../providers/provider';
import { PROVIDERS } from '../providers/registry';

/** What a provider gets for a delivery report we refuse (IP or token): it signs nothing, so it is told no more. */
const REFUSED = { status: 403, contentType: 'text/plain', body: 'FORBIDDEN' };

/**
 * Delivery-report callbacks at <provider webhook path>/dlr (SMSAPI: /panel/tickets/incoming/smsapi/dlr,
 * the notify_url we pass with every message), for every provider that reports by callback.
 */
export function deliveryReportEndpoints(ctx: AppContext): WebhookEndpoint[] {
  const reports = ctx.services.deliveryReports;
  return PROVIDERS.flatMap((p) => {
    const path = deliveryReportPath(p);
    if (!path) return [];
    const accepted = p.outbound.deliveryReportReply?.() ?? { status: 200, contentType: 'text/plain', body: 'OK' };
    return [
      {
        provider: p.id,
        path,
        variant: 'sms' as const,
        route: 'dlr' as const,
        bodyLimit: BODY_LIMIT_BYTES,
        receive: (call) => reports.receive(ctx.orm.em.fork(), call),
        unreadable: (call, reason) => reports.unreadable(ctx.orm.em.fork(), call, reason),
        replies: { accepted: () => accepted, refused: REFUSED },
      },
    ];
  });
}

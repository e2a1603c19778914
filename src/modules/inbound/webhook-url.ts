import type { Gateway } from '../gateways/gateway.entity';
import { ProviderId } from '../providers/catalog.types';
import { serwersmsTemplateUrl } from '../providers/serwersms/inbound';

/**
 * What an admin pastes into the provider's panel. For SerwerSMS that is a URL template with our own
 * number written in as a fixed parameter and SerwerSMS's placeholders for the rest (the provider does
 * not send our number); for the others the webhook URL itself.
 */
export function inboundWebhookUrl(base: string, g: Pick<Gateway, 'provider' | 'destinationNumber' | 'webhookTokenSecret'>): string {
  if (g.provider === ProviderId.SERWERSMS) return serwersmsTemplateUrl(base, g.destinationNumber, g.webhookTokenSecret != null);
  return base;
}

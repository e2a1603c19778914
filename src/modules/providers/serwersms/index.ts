import { defineProvider } from '../provider';
import { catalog } from './catalog';
import { inbound, serwersmsTemplateUrl } from './inbound';
import { outbound } from './outbound';

export const serwersms = defineProvider({
  catalog,
  inbound,
  outbound,
  // SerwerSMS does not send our number, so the admin pastes a URL template with it written in.
  webhookUrl: (url, g) => serwersmsTemplateUrl(url, g.destinationNumber, g.token),
});

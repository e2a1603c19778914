import { POLISH_DEFAULT_PREFIXES, apiBaseUrlField, webhookTokenField, WEBHOOK_PREFIX } from '../catalog-fields';
import { type ProviderCatalogEntry, ProviderId, SpecStatus, Support } from '../catalog.types';

const { YES, UNKNOWN } = Support;

// Spec: shared/providers/peoplefone.md
export const catalog: ProviderCatalogEntry = {
  id: ProviderId.PEOPLEFONE,
  displayName: 'Peoplefone',
  specStatus: SpecStatus.PARTIAL,
  capabilities: {
    send: YES,
    test: YES,
    inboundPush: UNKNOWN,
    inboundPolling: UNKNOWN,
    mms: UNKNOWN,
    deliveryReports: UNKNOWN,
  },
  fields: [
    {
      name: 'password',
      required: true,
      label: 'API key',
      help: 'API key of the SMS service (portal: API CONFIGURATION → SMS service), sent as a Bearer token; its IP whitelist must allow smsdesk.',
    },
    {
      name: 'destinationNumber',
      required: true,
      label: 'Destination phone number',
      help: 'The Peoplefone number incoming SMS arrive at; set the SMS MT callback URL of the SMS service to our webhook.',
    },
    apiBaseUrlField('Leave empty for https://api.peoplefone.com/customer/sms/v1; only tests change it.'),
    webhookTokenField('as the SMS MT and SMS Status callback URLs in the Peoplefone portal'),
  ],
  defaultPrefixesToRemove: POLISH_DEFAULT_PREFIXES,
  webhookPath: `${WEBHOOK_PREFIX}/peoplefone`,
  defaultApiBaseUrl: 'https://api.peoplefone.com/customer/sms/v1',
  notes: [
    'Portal set-up (SMS service, callback URLs, API keys, IP whitelist) is DOCUMENTED; the wire format is INFERRED from one third-party client (peoplefone.md, Summary).',
    'Inbound push to the SMS MT callback URL is DOCUMENTED to exist, but method and fields are placeholders, so inboundPush is UNKNOWN (peoplefone.md, Inbound SMS).',
    'Reports go to the SMS Status callback URL (DOCUMENTED) or a per-message callbackUrl (INFERRED); the payload is unknown, hence UNKNOWN (peoplefone.md, Delivery reports).',
    'Verify by GET /sms/messages (200, or 401 for a bad key) is INFERRED from Swagger UI notes; no sender field was seen (peoplefone.md, Test/verify call; Outbound send).',
    'Default prefixes are a Polish default, not from the spec (number format unknown, E.164 with + assumed); a Swiss number needs +41 instead (peoplefone.md, Numbers and text).',
    'Part limit unknown (smsdesk assumes 6 parts); no client message id exists, so a send whose answer was lost is not repeated (peoplefone.md, Outbound send).',
  ],
};

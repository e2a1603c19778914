import { POLISH_DEFAULT_PREFIXES, apiBaseUrlField, webhookTokenField, WEBHOOK_PREFIX } from '../catalog-fields';
import { type ProviderCatalogEntry, ProviderId, SpecStatus, Support } from '../catalog.types';

const { NO, UNKNOWN } = Support;

// Spec: shared/providers/telecube.md
export const catalog: ProviderCatalogEntry = {
  id: ProviderId.TELECUBE,
  displayName: 'TeleCube.pl',
  specStatus: SpecStatus.PARTIAL,
  capabilities: {
    send: UNKNOWN,
    test: UNKNOWN,
    inboundPush: UNKNOWN,
    inboundPolling: UNKNOWN,
    mms: NO,
    deliveryReports: UNKNOWN,
  },
  fields: [
    {
      name: 'login',
      required: true,
      label: 'Panel login',
      help: 'Your TeleCube panel login; it is part of the API URL (panel.telecube.pl/api/<login>/…).',
    },
    {
      name: 'password',
      required: true,
      label: 'API key',
      help: 'The secret API key of the TeleCube account, sent as api_key.',
    },
    {
      name: 'senderName',
      required: false,
      label: 'Sender name or dedicated number',
      help: 'For SMS Premium your own sender name or dedicated TeleCube mobile number; empty sends SMS Standard from a random number (replies possible for 24 h).',
    },
    {
      name: 'destinationNumber',
      required: true,
      label: 'Destination phone number',
      help: 'Your dedicated 9-digit TeleCube mobile number that two-way SMS arrive at.',
    },
    apiBaseUrlField('Leave empty for https://panel.telecube.pl/api (the login is appended); only tests change it.'),
    webhookTokenField('in the TeleCube panel, if TeleCube offers a callback URL'),
  ],
  defaultPrefixesToRemove: POLISH_DEFAULT_PREFIXES,
  webhookPath: `${WEBHOOK_PREFIX}/telecube`,
  defaultApiBaseUrl: 'https://panel.telecube.pl/api',
  notes: [
    'Only product facts are DOCUMENTED (SMS via API, two-way on a dedicated number); the SMS call and field names are PLACEHOLDER, so send is UNKNOWN (telecube.md, Outbound send).',
    'URL pattern, api_key auth and {"error":"OK"} answers are INFERRED from a third-party click-to-call client, not an SMS call (telecube.md, Summary).',
    'Inbound SMS exist (DOCUMENTED) but how TeleCube delivers them is not found, so push and polling are UNKNOWN (telecube.md, Inbound SMS callback).',
    'No verify call and no delivery reports were found; MMS is not offered (telecube.md, Test/verify call; Delivery reports; Inbound MMS callback).',
    'Default prefixes are a Polish default, not from the spec; the only number form seen is 48… without + (telecube.md, Numbers and text).',
    'Send answers carry no message id (unknown); the part limit is unknown too, smsdesk assumes 6 parts (telecube.md, Outbound send).',
  ],
};

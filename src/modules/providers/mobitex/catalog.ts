import { POLISH_DEFAULT_PREFIXES, apiBaseUrlField, webhookTokenField, WEBHOOK_PREFIX } from '../catalog-fields';
import { type ProviderCatalogEntry, ProviderId, SpecStatus, Support } from '../catalog.types';

const { YES, UNKNOWN } = Support;

// Spec: shared/providers/mobitex.md
export const catalog: ProviderCatalogEntry = {
  id: ProviderId.MOBITEX,
  displayName: 'Mobitex',
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
      name: 'login',
      required: true,
      label: 'Login',
      help: 'Login of the Mobitex (SMSCenter) account, sent as user.',
    },
    {
      name: 'password',
      required: true,
      label: 'Password',
      help: 'Account password; Mobitex expects its MD5, so a 32-character hex value is used as is and anything else is hashed by smsdesk.',
    },
    {
      name: 'senderName',
      required: true,
      label: 'Sender name',
      help: 'A sender name or number authorised on the Mobitex account; an unapproved one fails with status 104 or 114.',
    },
    {
      name: 'destinationNumber',
      required: false,
      label: 'Destination phone number',
      help: 'Only for inbound SMS, which Mobitex is not known to deliver; leave empty unless Mobitex confirms an inbound service.',
    },
    apiBaseUrlField('Leave empty for https://api.mobitex.pl; only tests change it.'),
    // Mobitex is not known to push anything, so no URL of ours is shown; the token waits for a push format.
    webhookTokenField('as a callback address, once smsdesk reads a Mobitex push (no URL is shown until then)'),
  ],
  defaultPrefixesToRemove: POLISH_DEFAULT_PREFIXES,
  webhookPath: `${WEBHOOK_PREFIX}/mobitex`,
  defaultApiBaseUrl: 'https://api.mobitex.pl',
  notes: [
    'Send (sms.php with user, pass, type, number, text) is DOCUMENTED; the answer line format is INFERRED from a third-party client (mobitex.md, Outbound send).',
    'Verify via balance.php ("OK <amount>" or "ERROR <code>") is INFERRED from third-party code (mobitex.md, Test/verify call).',
    'Delivery states exist in the code table, but no callback or status query was found, so deliveryReports is UNKNOWN (mobitex.md, Delivery reports).',
    'No inbound (MO) API was found, so push, polling and MMS are UNKNOWN (mobitex.md, Inbound SMS).',
    'Default prefixes are a Polish default, not from the spec, since no inbound format is known (mobitex.md, Numbers and text).',
  ],
};

import { apiBaseUrlField, webhookTokenField, WEBHOOK_PREFIX } from '../catalog-fields';
import { type ProviderCatalogEntry, ProviderId, SpecStatus, Support } from '../catalog.types';

const { YES, UNKNOWN } = Support;

// Spec: shared/providers/smsapi.md
export const catalog: ProviderCatalogEntry = {
  id: ProviderId.SMSAPI,
  displayName: 'SMSAPI.pl',
  specStatus: SpecStatus.DOCUMENTED,
  capabilities: {
    send: YES,
    test: YES,
    inboundPush: YES,
    inboundPolling: UNKNOWN,
    mms: UNKNOWN,
    deliveryReports: YES,
  },
  fields: [
    {
      name: 'login',
      required: false,
      label: 'API login (username)',
      help: 'SMSAPI username for password authentication; leave it empty when the password field holds an OAuth token.',
    },
    {
      name: 'password',
      required: true,
      label: 'API password (MD5) or OAuth token',
      help: 'Either the MD5 of the API password (a 32-character hex value is used as is, anything else is hashed by smsdesk) or an OAuth token from the SMSAPI panel, in which case leave the login empty.',
    },
    {
      name: 'senderName',
      required: false,
      label: 'Sender name',
      help: 'Up to 11 characters and must be added in the SMSAPI panel first; empty uses the account default sender (e.g. "Test").',
    },
    {
      name: 'destinationNumber',
      required: true,
      label: 'Destination phone number',
      help: 'Your dedicated or two-way SMSAPI number that inbound SMS and MMS are addressed to (sms_to).',
    },
    apiBaseUrlField(
      'Leave empty for https://api.smsapi.pl; use https://api2.smsapi.pl as the backup, or https://api.smsapi.com for international accounts.',
    ),
    webhookTokenField('in the SMSAPI panel (SMS, MMS and report callbacks)'),
  ],
  defaultPrefixesToRemove: ['48'],
  webhookPath: `${WEBHOOK_PREFIX}/smsapi`,
  defaultApiBaseUrl: 'https://api.smsapi.pl',
  notes: [
    'Send (sms.do) and verify (/profile, user.do, /ping) are DOCUMENTED in official SMSAPI clients (smsapi.md, Outbound send; Test/verify call).',
    'Inbound field names (sms_to, sms_from, sms_text, sms_date, MsgId) are INFERRED and the OK reply is UNVERIFIED (smsapi.md, Inbound SMS callback).',
    'MMS receiving is DOCUMENTED to exist (mms_mo) but its payload is UNVERIFIED, so mms is UNKNOWN; MMS arrive at /panel/tickets/incoming/smsapi/mms (smsapi.md, Inbound MMS).',
    'Delivery reports are pushed (notify_url or sms_dlr); the GET with comma lists and numeric codes is INFERRED from one third party (smsapi.md, Delivery reports).',
    'No inbound polling API is described, so inboundPolling is UNKNOWN; sms_to as 48XXXXXXXXX without + is INFERRED (smsapi.md, Inbound SMS callback).',
    'No callback signature or source-IP list was found; rely on the webhook token and allowed IPs (smsapi.md, Callback sources and security).',
  ],
};

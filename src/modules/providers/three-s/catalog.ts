import { POLISH_DEFAULT_PREFIXES, apiBaseUrlField, webhookTokenField, WEBHOOK_PREFIX } from '../catalog-fields';
import { type ProviderCatalogEntry, ProviderId, SpecStatus, Support } from '../catalog.types';

const { UNKNOWN } = Support;

// Spec: shared/providers/3s.md (its "Update": the SOAP flow of edzima/yii2-adescom)
export const catalog: ProviderCatalogEntry = {
  id: ProviderId.THREE_S,
  displayName: '3S (platformy2.3s.pl)',
  specStatus: SpecStatus.PARTIAL,
  // UNKNOWN throughout: send and login are INFERRED from one third-party client, not confirmed by 3S.
  capabilities: {
    send: UNKNOWN,
    test: UNKNOWN,
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
      help: 'Your 3S platform (userpanel) login, sent to its login call.',
    },
    { name: 'password', required: true, label: 'Password', help: 'The password of that 3S login.' },
    {
      name: 'senderName',
      required: true,
      label: 'Sender (src)',
      help: 'What 3S sends the SMS from (src): your 3S number in digits with the country code, or a sender name if your account has one (unverified).',
    },
    {
      name: 'destinationNumber',
      required: false,
      label: 'Destination phone number',
      help: 'The 3S number inbound SMS are addressed to; needed only when inbound is mapped in the generic HTTP settings.',
    },
    {
      name: 'genericHttp',
      required: false,
      label: 'Generic HTTP settings (inbound only)',
      help: 'Only the inbound field mapping is used, if 3S pushes inbound SMS to you; sending uses the 3S SOAP service.',
    },
    apiBaseUrlField(
      'Leave empty for https://platformy2.3s.pl/userpanel_webservices.php/mvnoservices (the SOAP handler is below it); only tests change it.',
    ),
    webhookTokenField('at 3S, if 3S pushes inbound SMS'),
  ],
  defaultPrefixesToRemove: POLISH_DEFAULT_PREFIXES,
  webhookPath: `${WEBHOOK_PREFIX}/three_s`,
  defaultApiBaseUrl: 'https://platformy2.3s.pl/userpanel_webservices.php/mvnoservices',
  notes: [
    'Send is INFERRED from the third-party client edzima/yii2-adescom: SOAP 1.2 login, session cookie sessionID, smsSend → sms_id (3s.md, Update).',
    'UNVERIFIED: the SOAP namespace, the element layout of login and smsSend, and every fault text; 3S publishes no WSDL or docs.',
    'The mailbox test logs in without sending (INFERRED from the same client); a refused login means wrong credentials.',
    'Inbound SMS and delivery reports are UNKNOWN (3s.md); inbound can only be mapped through the generic HTTP settings.',
    'Recipients go out as 11–15 digits (INFERRED, SmsForm.php); default prefixes are a Polish default, not from the spec.',
    'Part limit and idempotency unknown: smsdesk assumes 6 parts and never repeats a send whose answer was lost.',
  ],
};

import { apiBaseUrlField, webhookTokenField, WEBHOOK_PREFIX } from '../catalog-fields';
import { type ProviderCatalogEntry, ProviderId, SpecStatus, Support } from '../catalog.types';

const { YES, UNKNOWN } = Support;

// Spec: shared/providers/justsend.md
export const catalog: ProviderCatalogEntry = {
  id: ProviderId.JUSTSEND,
  displayName: 'JustSend.pl',
  specStatus: SpecStatus.DOCUMENTED,
  capabilities: {
    send: YES,
    test: YES,
    inboundPush: UNKNOWN,
    inboundPolling: YES,
    mms: UNKNOWN,
    deliveryReports: YES,
  },
  fields: [
    {
      name: 'login',
      required: false,
      label: 'Reply prefix (keyword)',
      help: 'The GLOBAL or DEDICATED prefix customers start their replies with; smsdesk polls the replies to it. Needed only to receive SMS.',
    },
    {
      name: 'password',
      required: true,
      label: 'API key (App-Key)',
      help: 'The account appKey shown in the JustSend user panel; it is sent in the App-Key header and no login is needed.',
    },
    {
      name: 'senderName',
      required: false,
      label: 'Sender name',
      help: 'An own sender name (up to 11 characters) needs the dynamic-SMS service ("SMS dynamiczny") active on the JustSend account; leave empty to send ECO without a sender.',
    },
    {
      name: 'destinationNumber',
      required: true,
      label: 'Destination phone number',
      help: 'The number replies to your prefix are sent to (the "la" field of JustSend reply reports).',
    },
    apiBaseUrlField(
      'Leave empty for https://justsend.pl/api/rest; only tests or a move to another JustSend host change it.',
    ),
    // JustSend is polled, so no URL of ours is shown; the token waits for a push format to be known.
    webhookTokenField(
      'as a postback address, once smsdesk reads JustSend pushes (it polls them, so no URL is shown until then)',
    ),
  ],
  defaultPrefixesToRemove: ['48'],
  webhookPath: `${WEBHOOK_PREFIX}/justsend`,
  defaultApiBaseUrl: 'https://justsend.pl/api/rest',
  notes: [
    'Send (v2/message/send) and verify (v2/payment/points) are DOCUMENTED in the official digitalvirgo/justsend client, but the host justsend.pl/api/rest is INFERRED (justsend.md, Summary).',
    'That client dates from 2018 and third-party SDKs call https://justsend.io/api (another format): the host may have moved; the test names the host that answered (justsend.md, Summary).',
    'Replies are DOCUMENTED only as polling by prefix (the login field holds it); no push format was found, so inboundPush is UNKNOWN (justsend.md, Inbound SMS callback).',
    'Delivery state is polled via v2/report/message/{id} (DOCUMENTED); a postback push exists but its payload is unknown (justsend.md, Delivery reports).',
    'No MMS is known (UNVERIFIED, so UNKNOWN), nor a part limit (6 assumed); no idempotency key, so a send whose answer was lost is not repeated (justsend.md).',
    'Own sender names needing dynamic SMS is a product rule (PRO for them is INFERRED); numbers are 48XXXXXXXXX without + (DOCUMENTED), hence prefix 48 (justsend.md, Numbers and text).',
  ],
};

import { apiBaseUrlField, webhookTokenField, WEBHOOK_PREFIX } from '../catalog-fields';
import { type ProviderCatalogEntry, ProviderId, SpecStatus, Support } from '../catalog.types';

const { YES, NO, UNKNOWN } = Support;

// Spec: shared/providers/dotpay.md
export const catalog: ProviderCatalogEntry = {
  id: ProviderId.DOTPAY,
  displayName: 'Dotpay.pl',
  specStatus: SpecStatus.PARTIAL,
  capabilities: {
    send: NO,
    test: NO,
    inboundPush: YES,
    inboundPolling: UNKNOWN,
    mms: UNKNOWN,
    deliveryReports: NO,
  },
  fields: [
    {
      name: 'login',
      required: true,
      label: 'Dotpay account ID',
      help: 'Numeric merchant ID (5–6 digits) from the Dotpay panel; it is part of the md5 signature of forwarded SMS.',
    },
    {
      name: 'password',
      required: false,
      label: 'Merchant PIN',
      help: 'The PIN from the Dotpay panel, also part of the md5 signature of forwarded SMS; leave empty if none is set.',
    },
    {
      name: 'destinationNumber',
      required: true,
      label: 'Premium number',
      help: 'The 4–5 digit premium short number subscribers send their SMS to (the "number" field of the forward).',
    },
    apiBaseUrlField('Leave empty for https://ssl.dotpay.pl (the check_code.php host); only tests change it.'),
    webhookTokenField('as the forwarding URL in the Dotpay panel'),
  ],
  defaultPrefixesToRemove: [],
  webhookPath: `${WEBHOOK_PREFIX}/dotpay`,
  defaultApiBaseUrl: 'https://ssl.dotpay.pl',
  notes: [
    'Dotpay offers Premium SMS only: there is no outbound SMS API, so send is NO, and the service may have moved to Przelewy24 (dotpay.md, Summary; Outbound send).',
    '"SMS content forwarded to URL" is DOCUMENTED to exist; its POST fields and md5 signature are INFERRED from one 2011 third-party bundle (dotpay.md, Inbound SMS).',
    'No authenticated check exists; check_code.php only proves reachability, so test is NO (dotpay.md, Test/verify call).',
    'No delivery reports, as Premium SMS is MO-billed (dotpay.md, Delivery reports); whether premium MMS are forwarded is unknown.',
    'Our number is a premium short number without a country code, so no prefixes are removed by default (dotpay.md, Numbers and text).',
  ],
};

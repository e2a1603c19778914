import { POLISH_DEFAULT_PREFIXES, apiBaseUrlField, webhookTokenField, WEBHOOK_PREFIX } from '../catalog-fields';
import { type ProviderCatalogEntry, ProviderId, SpecStatus, Support } from '../catalog.types';

const { YES, NO, UNKNOWN } = Support;

// Spec: none; the generic adapter described in shared/DESIGN.md ("Provider adapters")
export const catalog: ProviderCatalogEntry = {
  id: ProviderId.GENERIC_HTTP,
  displayName: 'Generic HTTP',
  specStatus: SpecStatus.NO_PUBLIC_SPEC,
  capabilities: {
    send: YES,
    test: NO,
    inboundPush: YES,
    inboundPolling: NO,
    mms: NO,
    deliveryReports: NO,
  },
  fields: [
    {
      name: 'genericHttp',
      required: true,
      label: 'Generic HTTP settings',
      help: 'The templated send request and the mapping of inbound request fields to sender, recipient, text and message id.',
    },
    { name: 'login', required: false, label: 'Login', help: 'Optional login, available to the send template.' },
    {
      name: 'password',
      required: false,
      label: 'Password',
      help: 'Optional password or API key, available to the send template.',
    },
    {
      name: 'senderName',
      required: false,
      label: 'Sender name',
      help: 'Optional sender name, available to the send template.',
    },
    {
      name: 'destinationNumber',
      required: true,
      label: 'Destination phone number',
      help: 'The number this mailbox receives SMS on, matched against the mapped recipient field of inbound requests.',
    },
    apiBaseUrlField('Optional base URL the send template can use; there is no default.'),
    webhookTokenField('at the provider'),
  ],
  defaultPrefixesToRemove: POLISH_DEFAULT_PREFIXES,
  webhookPath: `${WEBHOOK_PREFIX}/generic_http`,
  defaultApiBaseUrl: null,
  notes: [
    'Not a provider but our adapter for providers without a public spec (DESIGN.md, Provider adapters); it does what the genericHttp settings describe.',
    'Capabilities are those of the generic adapter: a templated send and mapped inbound pushes; no polling, verify call, MMS or delivery reports.',
    'Default prefixes are a Polish default, not from any spec; adjust them to how the provider writes your number.',
    'Part limit unknown (smsdesk assumes 6 parts); no idempotency is known, so a send whose answer was lost is not repeated.',
  ],
};

/**
 * A provider with no public API spec (Tide, 3S): every capability UNKNOWN, and the mailbox is driven by
 * the generic HTTP settings the admin copies from the provider's own documentation.
 */
export function withoutPublicSpec(
  id: ProviderId,
  displayName: string,
  o: { brand: string; vendor: string; slug: string; baseUrlHelp: string; notes: string[] },
): ProviderCatalogEntry {
  return {
    id,
    displayName,
    specStatus: SpecStatus.NO_PUBLIC_SPEC,
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
        name: 'genericHttp',
        required: true,
        label: 'Generic HTTP settings',
        help: `The send request template and inbound field mapping, taken from the documentation ${o.vendor} gives you, as no public ${o.brand} API exists.`,
      },
      {
        name: 'login',
        required: false,
        label: 'Login',
        help: 'Optional login, available to the generic send template.',
      },
      {
        name: 'password',
        required: false,
        label: 'Password',
        help: 'Optional password or API key, available to the generic send template.',
      },
      {
        name: 'senderName',
        required: false,
        label: 'Sender name',
        help: 'Optional sender name, available to the generic send template.',
      },
      {
        name: 'destinationNumber',
        required: false,
        label: 'Destination phone number',
        help: `The ${o.brand} number inbound SMS are addressed to; needed only when inbound is mapped in the generic settings.`,
      },
      apiBaseUrlField(o.baseUrlHelp),
      webhookTokenField(`at ${o.brand}, if ${o.brand} pushes inbound SMS`),
    ],
    defaultPrefixesToRemove: POLISH_DEFAULT_PREFIXES,
    webhookPath: `${WEBHOOK_PREFIX}/${o.slug}`,
    defaultApiBaseUrl: null,
    notes: o.notes,
  };
}

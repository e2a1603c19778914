/**
 * The provider catalog: what each SMS provider can do and what a mailbox of that provider needs.
 * Facts come from `shared/providers/*.md`; where a spec is missing or only inferred, the entry says so
 * (`specStatus`, `notes`) instead of claiming a capability.
 */

/** Provider ids exactly as the GraphQL contract names them. */
export enum ProviderId {
  SMSAPI = 'SMSAPI',
  SERWERSMS = 'SERWERSMS',
  JUSTSEND = 'JUSTSEND',
  TELECUBE = 'TELECUBE',
  DOTPAY = 'DOTPAY',
  MULTIINFO = 'MULTIINFO',
  PEOPLEFONE = 'PEOPLEFONE',
  MOBITEX = 'MOBITEX',
  TIDE = 'TIDE',
  THREE_S = 'THREE_S',
  GENERIC_HTTP = 'GENERIC_HTTP',
}

/** How much of the provider's API is publicly specified (see the provider's spec file). */
export enum SpecStatus {
  /** Send and test calls are DOCUMENTED in official sources. */
  DOCUMENTED = 'DOCUMENTED',
  /** Parts are DOCUMENTED, others INFERRED/UNVERIFIED; the notes say which. */
  PARTIAL = 'PARTIAL',
  /** No public API spec: the mailbox is configured through the generic HTTP settings. */
  NO_PUBLIC_SPEC = 'NO_PUBLIC_SPEC',
}

/**
 * A capability is either known to exist, known to be absent, or not known from any public source. YES
 * needs the operation's wire format confirmed by the spec: DOCUMENTED, or INFERRED from a source no one
 * here wrote (an independent client or integration). A format marked UNVERIFIED or PLACEHOLDER, or not
 * found at all, is UNKNOWN even where the operation is known to exist: smsdesk would only be guessing.
 */
export enum Support {
  YES = 'YES',
  NO = 'NO',
  UNKNOWN = 'UNKNOWN',
}

export interface ProviderCapabilities {
  send: Support;
  /** A credentials/balance check that spends nothing. */
  test: Support;
  inboundPush: Support;
  inboundPolling: Support;
  mms: Support;
  deliveryReports: Support;
}

/** Names of `GatewayInput` fields a provider can require or accept. */
export type GatewayFieldName =
  | 'login'
  | 'password'
  | 'senderName'
  | 'serviceId'
  | 'host'
  | 'certificatePem'
  | 'apiBaseUrl'
  | 'webhookToken'
  | 'destinationNumber'
  | 'genericHttp';

export interface ProviderField {
  name: GatewayFieldName;
  /** Required to send (or, for destinationNumber, to receive). */
  required: boolean;
  /** Label as the admin UI shows it. */
  label: string;
  /** One sentence of help: format, where to find the value in the provider's panel, caveats. */
  help: string;
}

export interface ProviderCatalogEntry {
  id: ProviderId;
  displayName: string;
  specStatus: SpecStatus;
  capabilities: ProviderCapabilities;
  fields: ProviderField[];
  /** Filled into a new mailbox's `prefixesToRemove` when the admin gives none. */
  defaultPrefixesToRemove: string[];
  /** Path of our webhook for this provider's inbound pushes, or null when it only polls / has none. */
  webhookPath: string | null;
  /** The API base URL used when a mailbox does not override it; null when there is none (generic). */
  defaultApiBaseUrl: string | null;
  /** Honest caveats: what is INFERRED/UNVERIFIED/missing, and which spec section says so. */
  notes: string[];
}

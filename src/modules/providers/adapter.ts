import type { ProviderId } from './catalog.types';
import type { PasswordForm } from '../gateways/gateway.entity';
import type { StoredGenericHttp } from '../gateways/generic-http';
import type { OutboundAdapter } from './adapter-outbound';
import type { InboundAdapter } from './adapter-inbound';

/**
 * A mailbox as a provider adapter sees it: plain values with secrets opened (see runtime.ts).
 * Adapters get nothing else from the rest of the service, and nothing else knows provider details.
 */
export interface Mailbox {
  id: number;
  name: string;
  provider: ProviderId;
  login?: string;
  /** Opened secret. SMSAPI: the MD5 of the API password, or an OAuth token (`passwordForm`). */
  password?: string;
  passwordForm?: PasswordForm;
  senderName?: string;
  serviceId?: number;
  host?: string;
  /** PEM client certificate + private key (Plus MultiInfo mutual TLS). */
  certificatePem?: string;
  /** The provider's `baseUrl` rule applied to the mailbox (its `apiBaseUrl`, else a default), no trailing slash. */
  baseUrl?: string;
  destinationNumber?: string;
  prefixesToRemove: string[];
  webhookToken?: string;
  replacePolishDiacritics: boolean;
  genericHttp?: GenericHttpRuntime;
}

/** Generic HTTP settings as stored, with header values opened. */
export type GenericHttpRuntime = Omit<StoredGenericHttp, 'headers'> & { headers: { name: string; value: string }[] };

/** Both halves of one provider's adapter as one object (`adapterFor`); each half is a file of its folder. */
export type ProviderAdapter = { id: ProviderId } & OutboundAdapter & InboundAdapter;

import type { GatewayHealthStatus, InboundOutcome, WebhookPurpose } from '../../gql/graphql';

/**
 * The product's own words for the mailbox form ("E-mail and SMS configuration → SMS"), keyed by the GatewayInput
 * field name the API and its `providers` catalog use. This table is the one home of that wording: which fields a
 * provider takes, whether they are required and their help all come from the catalog. A catalog field missing
 * here (apiBaseUrl, webhookToken) is shown with the catalog's own label.
 */
export const PRODUCT_LABELS: Record<string, string> = {
  name: 'Name',
  provider: 'Service provider',
  allowedIps: 'Allowed IP addresses',
  destinationNumber: 'Destination phone number',
  prefixesToRemove: 'Prefixes to remove (comma separated list)',
  incomingActive: 'Active incoming messages',
  login: 'Gateway login',
  password: 'Gateway password',
  senderName: 'Name of sender',
  serviceId: 'Service ID',
  host: 'Gateway host',
  certificatePem: 'SSL certificate auth',
};

/** Catalog fields the API never gives back (only hasPassword / hasCertificate / hasWebhookToken). */
export const SECRET_FIELDS = ['password', 'certificatePem', 'webhookToken'] as const;
export type SecretField = (typeof SECRET_FIELDS)[number];

export const isSecret = (name: string): name is SecretField => (SECRET_FIELDS as readonly string[]).includes(name);

export const PURPOSES: Record<WebhookPurpose, string> = {
  INBOUND_SMS: 'Incoming SMS',
  INBOUND_MMS: 'Incoming MMS',
  DELIVERY_REPORTS: 'Delivery reports',
};

export const OUTCOMES: Record<InboundOutcome, string> = {
  ACCEPTED: 'Accepted',
  DUPLICATE: 'Duplicate',
  REJECTED: 'Rejected',
  MALFORMED: 'Malformed',
  FAILED: 'Failed',
};

/** A mailbox's health (GatewayHealthStatus) in the list's words, with the class that colours it. */
export const HEALTH_STATUS: Record<GatewayHealthStatus, { text: string; className: string }> = {
  OK: { text: 'OK', className: 'status-ok' },
  WARNING: { text: 'Warning', className: 'status-warn' },
  SILENT: { text: 'Silent', className: 'status-warn' },
  FAILING: { text: 'Failing', className: 'status-bad' },
};

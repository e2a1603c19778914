import { apiBaseUrlField } from '../catalog-fields';
import { type ProviderCatalogEntry, ProviderId, SpecStatus, Support } from '../catalog.types';

const { YES, NO, UNKNOWN } = Support;

// Spec: shared/providers/multiinfo.md
export const catalog: ProviderCatalogEntry = {
  id: ProviderId.MULTIINFO,
  displayName: 'Plus MultiInfo',
  specStatus: SpecStatus.PARTIAL,
  capabilities: {
    send: YES,
    test: YES,
    inboundPush: NO,
    inboundPolling: YES,
    mms: UNKNOWN,
    deliveryReports: YES,
  },
  fields: [
    {
      name: 'login',
      required: true,
      label: 'API login',
      help: 'Login of the MultiInfo API user; it must equal the CN of the client certificate, or every call fails with -85.',
    },
    {
      name: 'password',
      required: true,
      label: 'API password',
      help: 'Password of that MultiInfo API user.',
    },
    {
      name: 'serviceId',
      required: true,
      label: 'Service ID',
      help: 'The numeric Service ID that Polkomtel assigned to the API user (e.g. 24138).',
    },
    {
      name: 'host',
      required: true,
      label: 'API host',
      help: 'The bare host from your contract, such as api1.multiinfo.plus.pl or api2.multiinfo.plus.pl, without https:// and without a path.',
    },
    {
      name: 'certificatePem',
      required: true,
      label: 'Client certificate and key (PEM)',
      help: 'The Polkomtel-signed client certificate with its intermediate chain plus the private key, all in PEM; its subject, issuer and SHA-1 must also be entered in the MultiInfo panel.',
    },
    {
      name: 'senderName',
      required: false,
      label: 'Sender name (orig)',
      help: 'Up to 11 characters, activated by Polkomtel and assigned to the API user (otherwise error -14); empty sends from the account number.',
    },
    {
      name: 'destinationNumber',
      required: true,
      label: 'Destination phone number',
      help: 'The service number inbound SMS are addressed to (may be a short number); Polkomtel must route inbound traffic to the API.',
    },
    apiBaseUrlField('Overrides https://<host>/Api61 built from the host field; leave empty except for tests.'),
  ],
  defaultPrefixesToRemove: ['48'],
  webhookPath: null,
  defaultApiBaseUrl: 'https://api1.multiinfo.plus.pl/Api61',
  notes: [
    'No official document was readable: everything is INFERRED from several consistent third-party clients, nothing is DOCUMENTED (multiinfo.md, Status).',
    'Inbound is polling only: getsms.aspx (long poll), then confirmsms.aspx; no push was found, hence no webhook (multiinfo.md, Inbound SMS).',
    'Delivery state is polled with infosms.aspx; verify calls infosms.aspx?smsId=0, where -31 proves TLS and login (multiinfo.md, Test/verify call).',
    'Mutual TLS with a Polkomtel-signed client certificate via node:https, capped at TLS 1.2 by smsdesk so a refused certificate shows in the handshake (multiinfo.md, TLS).',
    'API 6.1 paths (/Api61/) are the default, with yyyyMMddHHmmss dates; MMS is not mentioned anywhere, hence UNKNOWN (multiinfo.md, Dates).',
    'Numbers are 48XXXXXXXXX without + (INFERRED, consistent), hence prefix 48; the recipient may be a short number (multiinfo.md, Numbers and text).',
  ],
};

import { apiBaseUrlField, webhookTokenField, WEBHOOK_PREFIX } from '../catalog-fields';
import { type ProviderCatalogEntry, ProviderId, SpecStatus, Support } from '../catalog.types';

const { YES } = Support;

// Spec: shared/providers/serwersms.md
export const catalog: ProviderCatalogEntry = {
  id: ProviderId.SERWERSMS,
  displayName: 'SerwerSMS.pl',
  specStatus: SpecStatus.DOCUMENTED,
  capabilities: {
    send: YES,
    test: YES,
    inboundPush: YES,
    inboundPolling: YES,
    mms: YES,
    deliveryReports: YES,
  },
  fields: [
    {
      name: 'login',
      required: false,
      label: 'API user login',
      help: 'Login of an API user (Panel Klienta → Ustawienia interfejsów → HTTPS XML API → Użytkownicy); leave it empty when the password field holds an API token.',
    },
    {
      name: 'password',
      required: true,
      label: 'API password or API token',
      help: 'Password of that API user, or an API token (Panel → Ustawienia interfejsów → HTTPS API → Tokeny API) with the login left empty.',
    },
    {
      name: 'senderName',
      required: false,
      label: 'Sender name',
      help: 'An approved sender name (up to 11 characters), a 4- or 9-digit number, or 2waySMS; empty sends ECO+ without a sender.',
    },
    {
      name: 'destinationNumber',
      required: true,
      label: 'Destination phone number',
      help: 'The ND/NDI number inbound SMS arrive at; also type it as a fixed parameter into the callback URL template in the panel, as SerwerSMS may not send it.',
    },
    apiBaseUrlField('Leave empty for https://api2.serwersms.pl; only tests or a SerwerSMS instruction change it.'),
    webhookTokenField('as the callback URL template in the SerwerSMS panel'),
  ],
  defaultPrefixesToRemove: ['+48', '48'],
  webhookPath: `${WEBHOOK_PREFIX}/serwersms`,
  defaultApiBaseUrl: 'https://api2.serwersms.pl',
  notes: [
    'Send (messages/send_sms), verify (account/limits), report and inbox polling are DOCUMENTED (serwersms.md, Outbound send; Test/verify call; Delivery reports).',
    'Push is DOCUMENTED to exist; our URL template uses the ND/NDI placeholders #NUMER#, #WIADOMOSC#, #DATA#, #ID#, INFERRED (serwersms.md, Update 2026-12-05); Premium names are read too.',
    'Inbound can also be polled with messages/recived (sic), DOCUMENTED, which includes MMS (type mms); no MMS push format exists (serwersms.md, Inbound MMS callback).',
    'SerwerSMS is not known to send our own number, so it must be part of the panel URL template (serwersms.md, Open question 2).',
    'Numbers arrive as +48… (pull API) or 48… (Premium example), hence the default prefixes (serwersms.md, Numbers and text).',
  ],
};

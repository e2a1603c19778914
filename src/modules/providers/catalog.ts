/**
 * The provider catalog: what each SMS provider can do and what a mailbox of that provider needs.
 *
 * Every fact here comes from `shared/providers/*.md`, where claims are marked DOCUMENTED, INFERRED or
 * UNVERIFIED. A capability is YES only when the spec documents or reasonably infers it, NO when the
 * spec says it does not exist, and UNKNOWN when no public source tells: guessing YES would let an admin
 * configure a webhook or a test that the provider never honours, and guessing NO would hide a feature
 * that may well exist. The notes name the spec section and marker behind each caveat, so that when a
 * spec is completed the entry can be corrected in one place.
 */
import {
  type ProviderCatalogEntry,
  type ProviderField,
  ProviderId,
  SpecStatus,
  Support,
} from './catalog.types';

const { YES, NO, UNKNOWN } = Support;

/** Used where a spec does not say how the provider writes our number; notes flag every such use. */
const POLISH_DEFAULT_PREFIXES = ['0048', '+48', '48'];

function apiBaseUrlField(help: string): ProviderField {
  return { name: 'apiBaseUrl', required: false, label: 'API base URL', help };
}

function webhookTokenField(where: string): ProviderField {
  return {
    name: 'webhookToken',
    required: false,
    label: 'Webhook token',
    help: `Optional secret added to the callback URL you enter ${where}; requests without it are rejected, because the provider signs nothing.`,
  };
}

/**
 * A provider with no public API spec (Tide, 3S): every capability UNKNOWN, and the mailbox is driven by
 * the generic HTTP settings the admin copies from the provider's own documentation.
 */
function withoutPublicSpec(
  id: ProviderId,
  displayName: string,
  o: { brand: string; vendor: string; slug: string; baseUrlHelp: string; notes: string[] },
): ProviderCatalogEntry {
  return {
    id,
    displayName,
    specStatus: SpecStatus.NO_PUBLIC_SPEC,
    capabilities: { send: UNKNOWN, test: UNKNOWN, inboundPush: UNKNOWN, inboundPolling: UNKNOWN, mms: UNKNOWN, deliveryReports: UNKNOWN },
    fields: [
      {
        name: 'genericHttp',
        required: true,
        label: 'Generic HTTP settings',
        help: `The send request template and inbound field mapping, taken from the documentation ${o.vendor} gives you, as no public ${o.brand} API exists.`,
      },
      { name: 'login', required: false, label: 'Login', help: 'Optional login, available to the generic send template.' },
      { name: 'password', required: false, label: 'Password', help: 'Optional password or API key, available to the generic send template.' },
      { name: 'senderName', required: false, label: 'Sender name', help: 'Optional sender name, available to the generic send template.' },
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
    webhookPath: `/panel/tickets/incoming/${o.slug}`,
    defaultApiBaseUrl: null,
    notes: o.notes,
  };
}

const catalog: Record<ProviderId, ProviderCatalogEntry> = {
  // Spec: shared/providers/smsapi.md
  [ProviderId.SMSAPI]: {
    id: ProviderId.SMSAPI,
    displayName: 'SMSAPI.pl',
    specStatus: SpecStatus.DOCUMENTED,
    capabilities: {
      send: YES,
      test: YES,
      inboundPush: YES,
      inboundPolling: UNKNOWN,
      mms: YES,
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
    webhookPath: '/panel/tickets/incoming/smsapi',
    defaultApiBaseUrl: 'https://api.smsapi.pl',
    notes: [
      'Send (sms.do) and verify (/profile, user.do, /ping) are DOCUMENTED in official SMSAPI clients (smsapi.md, Outbound send; Test/verify call).',
      'Inbound field names (sms_to, sms_from, sms_text, sms_date, MsgId) are INFERRED and the OK reply is UNVERIFIED (smsapi.md, Inbound SMS callback).',
      'MMS receiving is DOCUMENTED to exist (mms_mo) but its payload is UNVERIFIED; MMS arrive at /panel/tickets/incoming/smsapi/mms (smsapi.md, Inbound MMS callback).',
      'Delivery reports are pushed (notify_url or sms_dlr); the GET with comma lists and numeric codes is INFERRED from one third party (smsapi.md, Delivery reports).',
      'No inbound polling API is described, so inboundPolling is UNKNOWN; sms_to as 48XXXXXXXXX without + is INFERRED (smsapi.md, Inbound SMS callback).',
      'No callback signature or source-IP list was found; rely on the webhook token and allowed IPs (smsapi.md, Callback sources and security).',
    ],
  },

  // Spec: shared/providers/serwersms.md
  [ProviderId.SERWERSMS]: {
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
    webhookPath: '/panel/tickets/incoming/serwersms',
    defaultApiBaseUrl: 'https://api2.serwersms.pl',
    notes: [
      'Send (messages/send_sms), verify (account/limits), report and inbox polling are DOCUMENTED (serwersms.md, Outbound send; Test/verify call; Delivery reports).',
      'Push of inbound SMS and reports is DOCUMENTED to exist, but ND/NDI placeholder names and method were not found; the URL template is ours (serwersms.md, Inbound SMS callback).',
      'Inbound can also be polled with messages/recived (sic), DOCUMENTED, which includes MMS (type mms); no MMS push format exists (serwersms.md, Inbound MMS callback).',
      'SerwerSMS is not known to send our own number, so it must be part of the panel URL template (serwersms.md, Open question 2).',
      'Numbers arrive as +48… (pull API) or 48… (Premium example), hence the default prefixes (serwersms.md, Numbers and text).',
    ],
  },

  // Spec: shared/providers/justsend.md
  [ProviderId.JUSTSEND]: {
    id: ProviderId.JUSTSEND,
    displayName: 'JustSend.pl',
    specStatus: SpecStatus.DOCUMENTED,
    capabilities: {
      send: YES,
      test: YES,
      inboundPush: UNKNOWN,
      inboundPolling: YES,
      mms: NO,
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
      apiBaseUrlField('Leave empty for https://justsend.pl/api/rest; only tests or a move to another JustSend host change it.'),
      webhookTokenField('as the postback address in the JustSend panel'),
    ],
    defaultPrefixesToRemove: ['48'],
    webhookPath: '/panel/tickets/incoming/justsend',
    defaultApiBaseUrl: 'https://justsend.pl/api/rest',
    notes: [
      'Send (v2/message/send) and verify (v2/payment/points) are DOCUMENTED in the official digitalvirgo/justsend client; the production host is INFERRED (justsend.md, Summary).',
      'Replies are DOCUMENTED only as polling by prefix (the login field holds it); no push format was found, so inboundPush is UNKNOWN (justsend.md, Inbound SMS callback).',
      'Delivery state is polled via v2/report/message/{id} (DOCUMENTED); a postback push exists but its payload is unknown (justsend.md, Delivery reports).',
      'No MMS (UNVERIFIED) and no published part limit (smsdesk assumes 6); no idempotency key, so a send whose answer was lost is not repeated (justsend.md).',
      'The dynamic-SMS requirement for own sender names is a product rule; justsend.md only INFERS that own names use the PRO variant (Numbers and text).',
      'Numbers are 48XXXXXXXXX without + (DOCUMENTED tests), hence the default prefix 48 (justsend.md, Numbers and text).',
    ],
  },

  // Spec: shared/providers/telecube.md
  [ProviderId.TELECUBE]: {
    id: ProviderId.TELECUBE,
    displayName: 'TeleCube.pl',
    specStatus: SpecStatus.PARTIAL,
    capabilities: {
      send: YES,
      test: UNKNOWN,
      inboundPush: UNKNOWN,
      inboundPolling: UNKNOWN,
      mms: NO,
      deliveryReports: UNKNOWN,
    },
    fields: [
      {
        name: 'login',
        required: true,
        label: 'Panel login',
        help: 'Your TeleCube panel login; it is part of the API URL (panel.telecube.pl/api/<login>/…).',
      },
      {
        name: 'password',
        required: true,
        label: 'API key',
        help: 'The secret API key of the TeleCube account, sent as api_key.',
      },
      {
        name: 'senderName',
        required: false,
        label: 'Sender name or dedicated number',
        help: 'For SMS Premium your own sender name or dedicated TeleCube mobile number; empty sends SMS Standard from a random number (replies possible for 24 h).',
      },
      {
        name: 'destinationNumber',
        required: true,
        label: 'Destination phone number',
        help: 'Your dedicated 9-digit TeleCube mobile number that two-way SMS arrive at.',
      },
      apiBaseUrlField('Leave empty for https://panel.telecube.pl/api (the login is appended); only tests change it.'),
      webhookTokenField('in the TeleCube panel, if TeleCube offers a callback URL'),
    ],
    defaultPrefixesToRemove: POLISH_DEFAULT_PREFIXES,
    webhookPath: '/panel/tickets/incoming/telecube',
    defaultApiBaseUrl: 'https://panel.telecube.pl/api',
    notes: [
      'Only product facts are DOCUMENTED (SMS via API, Standard/Premium, two-way on a dedicated number); SMS call and field names are PLACEHOLDER (telecube.md, Outbound send).',
      'URL pattern, api_key auth and {"error":"OK"} answers are INFERRED from a third-party click-to-call client, not an SMS call (telecube.md, Summary).',
      'Inbound SMS exist (DOCUMENTED) but how TeleCube delivers them is not found, so push and polling are UNKNOWN (telecube.md, Inbound SMS callback).',
      'No verify call and no delivery reports were found; MMS is not offered (telecube.md, Test/verify call; Delivery reports; Inbound MMS callback).',
      'Default prefixes are a Polish default, not from the spec; the only number form seen is 48… without + (telecube.md, Numbers and text).',
      'Send answers carry no message id (unknown); the part limit is unknown too, smsdesk assumes 6 parts (telecube.md, Outbound send).',
    ],
  },

  // Spec: shared/providers/dotpay.md
  [ProviderId.DOTPAY]: {
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
    webhookPath: '/panel/tickets/incoming/dotpay',
    defaultApiBaseUrl: 'https://ssl.dotpay.pl',
    notes: [
      'Dotpay offers Premium SMS only: there is no outbound SMS API, so send is NO, and the service may have moved to Przelewy24 (dotpay.md, Summary; Outbound send).',
      '"SMS content forwarded to URL" is DOCUMENTED to exist; its POST fields and md5 signature are INFERRED from one 2011 third-party bundle (dotpay.md, Inbound SMS).',
      'No authenticated check exists; check_code.php only proves reachability, so test is NO (dotpay.md, Test/verify call).',
      'No delivery reports, as Premium SMS is MO-billed (dotpay.md, Delivery reports); whether premium MMS are forwarded is unknown.',
      'Our number is a premium short number without a country code, so no prefixes are removed by default (dotpay.md, Numbers and text).',
    ],
  },

  // Spec: shared/providers/multiinfo.md
  [ProviderId.MULTIINFO]: {
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
  },

  // Spec: shared/providers/peoplefone.md
  [ProviderId.PEOPLEFONE]: {
    id: ProviderId.PEOPLEFONE,
    displayName: 'Peoplefone',
    specStatus: SpecStatus.PARTIAL,
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
        name: 'password',
        required: true,
        label: 'API key',
        help: 'API key of the SMS service (portal: API CONFIGURATION → SMS service), sent as a Bearer token; its IP whitelist must allow smsdesk.',
      },
      {
        name: 'destinationNumber',
        required: true,
        label: 'Destination phone number',
        help: 'The Peoplefone number incoming SMS arrive at; set the SMS MT callback URL of the SMS service to our webhook.',
      },
      apiBaseUrlField('Leave empty for https://api.peoplefone.com/customer/sms/v1; only tests change it.'),
      webhookTokenField('as the SMS MT and SMS Status callback URLs in the Peoplefone portal'),
    ],
    defaultPrefixesToRemove: POLISH_DEFAULT_PREFIXES,
    webhookPath: '/panel/tickets/incoming/peoplefone',
    defaultApiBaseUrl: 'https://api.peoplefone.com/customer/sms/v1',
    notes: [
      'Portal set-up (SMS service, callback URLs, API keys, IP whitelist) is DOCUMENTED; the wire format is INFERRED from one third-party client (peoplefone.md, Summary).',
      'Inbound push to the SMS MT callback URL is DOCUMENTED to exist; method, content type and fields are unknown (peoplefone.md, Inbound SMS).',
      'Reports go to the SMS Status callback URL (DOCUMENTED) or a per-message callbackUrl (INFERRED); the payload is unknown (peoplefone.md, Delivery reports).',
      'Verify by GET /sms/messages (200, or 401 for a bad key) is INFERRED from Swagger UI notes; no sender field was seen (peoplefone.md, Test/verify call; Outbound send).',
      'Default prefixes are a Polish default, not from the spec (number format unknown, E.164 with + assumed); a Swiss number needs +41 instead (peoplefone.md, Numbers and text).',
      'Part limit unknown (smsdesk assumes 6 parts); no client message id exists, so a send whose answer was lost is not repeated (peoplefone.md, Outbound send).',
    ],
  },

  // Spec: shared/providers/mobitex.md
  [ProviderId.MOBITEX]: {
    id: ProviderId.MOBITEX,
    displayName: 'Mobitex',
    specStatus: SpecStatus.PARTIAL,
    capabilities: {
      send: YES,
      test: YES,
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
        help: 'Login of the Mobitex (SMSCenter) account, sent as user.',
      },
      {
        name: 'password',
        required: true,
        label: 'Password',
        help: 'Account password; Mobitex expects its MD5, so a 32-character hex value is used as is and anything else is hashed by smsdesk.',
      },
      {
        name: 'senderName',
        required: true,
        label: 'Sender name',
        help: 'A sender name or number authorised on the Mobitex account; an unapproved one fails with status 104 or 114.',
      },
      {
        name: 'destinationNumber',
        required: false,
        label: 'Destination phone number',
        help: 'Only for inbound SMS, which Mobitex is not known to deliver; leave empty unless Mobitex confirms an inbound service.',
      },
      apiBaseUrlField('Leave empty for https://api.mobitex.pl; only tests change it.'),
      webhookTokenField('in the Mobitex panel, if Mobitex offers a callback URL'),
    ],
    defaultPrefixesToRemove: POLISH_DEFAULT_PREFIXES,
    webhookPath: '/panel/tickets/incoming/mobitex',
    defaultApiBaseUrl: 'https://api.mobitex.pl',
    notes: [
      'Send (sms.php with user, pass, type, number, text) is DOCUMENTED; the answer line format is INFERRED from a third-party client (mobitex.md, Outbound send).',
      'Verify via balance.php ("OK <amount>" or "ERROR <code>") is INFERRED from third-party code (mobitex.md, Test/verify call).',
      'Delivery states exist in the code table, but no callback or status query was found, so deliveryReports is UNKNOWN (mobitex.md, Delivery reports).',
      'No inbound (MO) API was found, so push, polling and MMS are UNKNOWN (mobitex.md, Inbound SMS).',
      'Default prefixes are a Polish default, not from the spec, since no inbound format is known (mobitex.md, Numbers and text).',
    ],
  },

  // Spec: shared/providers/tide.md
  [ProviderId.TIDE]: withoutPublicSpec(ProviderId.TIDE, 'Tide', {
    brand: 'Tide',
    vendor: 'Tide Mobile',
    slug: 'tide',
    baseUrlHelp: 'Optional base URL the generic send template can use; there is no default.',
    notes: [
      'No public SMS API spec was found for Tide (Tide Software / Tide Mobile), so the mailbox uses the generic HTTP settings (tide.md, Summary).',
      'Send, verify, inbound and delivery reports are all unknown (tide.md, every section), so every capability is UNKNOWN.',
      'The domain tide.pl appeared in no source; the company domains are tidesoftware.pl and tidemobile.pl (tide.md, Summary).',
      'Default prefixes are a Polish default, not from the spec (tide.md, Numbers and text: unknown).',
    ],
  }),

  // Spec: shared/providers/3s.md
  [ProviderId.THREE_S]: withoutPublicSpec(ProviderId.THREE_S, '3S (platformy2.3s.pl)', {
    brand: '3S',
    vendor: '3S',
    slug: 'three_s',
    baseUrlHelp: 'Optional base URL (e.g. on platformy2.3s.pl) the generic send template can use; there is no default.',
    notes: [
      'No public documentation exists for platformy2.3s.pl, so the mailbox uses the generic HTTP settings (3s.md, Summary).',
      'Send, verify, inbound and delivery reports are all unknown (3s.md, every section), so every capability is UNKNOWN.',
      'It is not even known whether the platform is HTTP-based rather than SMPP or a web panel only (3s.md, Open question 2).',
      'Default prefixes are a Polish default, not from the spec (3s.md, Numbers and text: unknown).',
    ],
  }),

  // Spec: none; the generic adapter described in shared/DESIGN.md ("Provider adapters")
  [ProviderId.GENERIC_HTTP]: {
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
      { name: 'password', required: false, label: 'Password', help: 'Optional password or API key, available to the send template.' },
      { name: 'senderName', required: false, label: 'Sender name', help: 'Optional sender name, available to the send template.' },
      {
        name: 'destinationNumber',
        required: true,
        label: 'Destination phone number',
        help: 'The number this mailbox receives SMS on, matched against the mapped recipient field of inbound requests.',
      },
      apiBaseUrlField('Optional base URL the send template can use; there is no default.'),
      webhookTokenField("at the provider"),
    ],
    defaultPrefixesToRemove: POLISH_DEFAULT_PREFIXES,
    webhookPath: '/panel/tickets/incoming/generic_http',
    defaultApiBaseUrl: null,
    notes: [
      'Not a provider but our adapter for providers without a public spec (DESIGN.md, Provider adapters); it does what the genericHttp settings describe.',
      'Capabilities are those of the generic adapter: a templated send and mapped inbound pushes; no polling, verify call, MMS or delivery reports.',
      'Default prefixes are a Polish default, not from any spec; adjust them to how the provider writes your number.',
      'Part limit unknown (smsdesk assumes 6 parts); no idempotency is known, so a send whose answer was lost is not repeated.',
    ],
  },
};

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/**
 * One entry per provider id. Frozen all the way down, so that a caller filling a new mailbox from
 * `defaultPrefixesToRemove` has to copy the array instead of silently changing the catalog.
 */
export const PROVIDER_CATALOG: Readonly<Record<ProviderId, ProviderCatalogEntry>> = deepFreeze(catalog);

/** All provider ids, in the order of the `ProviderId` enum (and of the GraphQL enum). */
export const PROVIDER_IDS: ProviderId[] = Object.values(ProviderId);

/** The catalog entry of a provider; throws for a value that is not a `ProviderId`. */
export function catalogEntry(id: ProviderId): ProviderCatalogEntry {
  if (!Object.hasOwn(PROVIDER_CATALOG, id)) {
    throw new Error(`Unknown provider id: ${String(id)}`);
  }
  return PROVIDER_CATALOG[id];
}

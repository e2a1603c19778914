import { SOAP12_CONTENT_TYPE } from './soap';

/**
 * The 3S wire facts (spec: shared/providers/3s.md, "Update"). 3S publishes nothing; the one
 * source is the third-party client `edzima/yii2-adescom` (src/AdescomSoap.php, SmsForm.php, SmsSendRequest.php),
 * which drives a SOAP 1.2 service with PHP's SoapClient: `login(login, password, duration)` returns a session
 * id, sent back as the cookie `sessionID`; `smsSend{…}` returns `sms_id`. What that client does is INFERRED;
 * what it leaves to the WSDL (never seen here) is UNVERIFIED. Every such fact sits in this one block.
 */
export const SPEC = {
  // INFERRED (AdescomSoap.php): the SoapClient `location`; the WSDL is at …/mvnoservices/wsdl.
  endpointPath: '/handler',
  // UNVERIFIED: the WSDL's target namespace; the client's "namespace" settings name the handler URL.
  namespace: 'https://platformy2.3s.pl/userpanel_webservices.php/mvnoservices/handler',
  // INFERRED (AdescomSoap.php `soap_version => SOAP_1_2`); the media type is then DOCUMENTED by W3C.
  contentType: SOAP12_CONTENT_TYPE,
  // INFERRED (AdescomSoap.php): operation names and login's three arguments in this order.
  login: { operation: 'login', login: 'login', password: 'password', duration: 'duration' },
  // UNVERIFIED: the element names of login's arguments (the client passes them by position).
  // INFERRED (AdescomSoap.php `loginDuration = 3600`): seconds a session is asked to live.
  loginDurationS: 3600,
  // Ours: a session is dropped this long before it would expire, so a send never races the expiry.
  sessionMarginS: 60,
  // INFERRED (AdescomSoap.php `__setCookie('sessionID', …)`).
  sessionCookie: 'sessionID',
  // INFERRED (AdescomSoap.php, SmsSendRequest.php): smsSend's fields and the answer's `sms_id`.
  // UNVERIFIED: whether they sit directly in the operation element (as here) or in one wrapper part.
  send: {
    operation: 'smsSend',
    src: 'src',
    overwriteSrc: 'overwrite_src',
    dst: 'dst',
    maxRetryCount: 'max_retry_count',
    retryInterval: 'retry_interval',
    message: 'message',
    id: 'sms_id',
  },
  // UNVERIFIED: what the platform's delivery retries mean; the client takes both from its config.
  maxRetryCount: 3,
  retryIntervalS: 60,
  // INFERRED (SmsForm.php): destination numbers are digits, 11–15 long, without a leading 0.
  dstDigits: /^[1-9][0-9]{10,14}$/,
  // UNVERIFIED: 3S documents no fault codes. These patterns read the fault's reason and subcode.
  faults: {
    session: /session|not logged|log ?in first|logged out|unauthori[sz]ed|expired/i,
    credentials: /password|credential|login|auth|user/i,
    number: /\bdst\b|destination|recipient|msisdn|phone|number|numer/i,
    sender: /\bsrc\b|sender|source|nadawc/i,
    funds: /balance|funds|credit|saldo|środk/i,
    busy: /busy|overload|try (again )?later|temporar|unavailable|too many|throttl/i,
  },
  // Unknown: no part limit is known; 6 parts assumed.
  maxParts: 6,
} as const;

/** The provider's name in reasons. */
export const NAME = '3S';

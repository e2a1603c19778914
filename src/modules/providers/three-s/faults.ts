import { ProviderFailure } from '../adapter-outbound';
import { providerSaid } from '../outbound-http';
import type { SoapFault } from './soap';
import { NAME, SPEC } from './spec';

// How the 3S adapter reads a SOAP fault. 3S documents none, so the reading goes by the SOAP 1.2 fault code
// (who is to blame) and the patterns of SPEC.faults over its subcode and reason (UNVERIFIED).

/** The fault's subcode and reason as a reason may quote them. */
export const said = (f: SoapFault) => providerSaid([f.subcode, f.reason].filter(Boolean).join(': ') || f.code, 120);
export const faultCode = (f: SoapFault) => `SOAP ${f.code || 'Fault'}${f.subcode ? `/${f.subcode}` : ''}`;
/** SOAP 1.2 `Receiver` (1.1 `Server`): the platform failed, not the request (W3C SOAP 1.2 Part 1 §5.4.6). */
export const isReceiver = (f: SoapFault) => /^(Receiver|Server)$/i.test(f.code);
export const matches = (f: SoapFault, re: RegExp) => re.test(`${f.subcode ?? ''} ${f.reason}`);

/** Why a login failed. Nothing was sent, so a platform-side failure is always safe to retry. */
export function loginFailure(f: SoapFault): ProviderFailure {
  if (matches(f, SPEC.faults.credentials) && !matches(f, SPEC.faults.busy))
    return new ProviderFailure(
      'permanent',
      'auth',
      faultCode(f),
      `${NAME} refused the login: wrong login or password ("${said(f)}")`,
    );
  if (isReceiver(f))
    return new ProviderFailure('retryable', 'server', faultCode(f), `${NAME} could not log in now: "${said(f)}"`);
  return new ProviderFailure('permanent', 'other', faultCode(f), `${NAME} refused the login call: "${said(f)}"`);
}

/** Why smsSend failed; a fault that is not understood leaves the outcome unknown. */
export function sendFailure(f: SoapFault): ProviderFailure {
  const code = faultCode(f);
  const q = `"${said(f)}"`;
  const { faults } = SPEC;
  if (matches(f, faults.busy))
    return new ProviderFailure('retryable', 'server', code, `${NAME} is busy and did not take the message (${q})`);
  if (!isReceiver(f)) {
    if (matches(f, faults.funds))
      return new ProviderFailure('permanent', 'funds', code, `${NAME} refused the message: no funds left (${q})`);
    if (matches(f, faults.sender))
      return new ProviderFailure('permanent', 'sender', code, `${NAME} refused the sender (src) (${q})`);
    if (matches(f, faults.number))
      return new ProviderFailure('permanent', 'number', code, `${NAME} refused the recipient number (${q})`);
  }
  return new ProviderFailure(
    'unknown',
    'server',
    code,
    `${NAME} answered the send with a fault smsdesk does not know (${q}); the message may or may not have gone out`,
  );
}

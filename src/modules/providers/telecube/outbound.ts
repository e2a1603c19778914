import { ProviderFailure, type OutboundAdapter, type VerifyResult } from '../adapter-outbound';
import {
  digitsOnly,
  gsmSenderProblem,
  httpCall,
  providerSaid,
  statusFailure,
  unexpectedAnswer,
} from '../outbound-http';

/**
 * Outbound half of the TeleCube adapter (spec: shared/providers/telecube.md). Only "SMS can be sent
 * through the API" is DOCUMENTED; the URL pattern, `api_key` and the {"error":"OK"} answer are INFERRED
 * from a click-to-call client, and the SMS method and field names are PLACEHOLDERS invented by the
 * spec. They all sit in SPEC below so that the real names, once known, are a one-line fix each.
 */
export const SPEC = {
  // INFERRED pattern: POST https://panel.telecube.pl/api/<LOGIN>/<method>/ (form), api_key field.
  path: (login: string) => `/${encodeURIComponent(login)}/send_sms/`, // PLACEHOLDER method name
  keyField: 'api_key', // INFERRED
  toField: 'number', // PLACEHOLDER
  textField: 'text', // PLACEHOLDER
  senderField: 'sender', // PLACEHOLDER
  // INFERRED: JSON {"error": "OK"} on success, another value is the error text.
  okValue: 'OK',
  // Unknown: no message id, cost or part limit is known; 6 parts assumed.
  maxParts: 6,
} as const;

const NAME = 'TeleCube';

export const outbound: OutboundAdapter = {
  sending: { supported: true },
  idempotency: 'none',
  maxParts: SPEC.maxParts,
  maxPartsSource: 'TeleCube publishes no part limit; smsdesk assumes 6 parts (unknown)',
  // Own name or the dedicated number for Premium, empty for Standard (DOCUMENTED); 11 characters INFERRED.
  senderProblem: (s) => gsmSenderProblem(NAME, s),

  async send(mb, sms, http) {
    if (!mb.baseUrl || !mb.login)
      throw new ProviderFailure(
        'permanent',
        'config',
        'NO_URL',
        'the TeleCube mailbox needs the panel login and an API base URL',
      );
    const res = await httpCall(
      {
        provider: NAME,
        method: 'POST',
        url: mb.baseUrl + SPEC.path(mb.login),
        form: {
          [SPEC.keyField]: mb.password,
          [SPEC.toField]: digitsOnly(sms.to),
          [SPEC.textField]: sms.text,
          [SPEC.senderField]: mb.senderName,
        },
      },
      http,
    );
    const f = statusFailure(NAME, res.status);
    if (f) throw f;
    const err = res.json<{ error?: unknown }>()?.error;
    if (err === undefined)
      throw new ProviderFailure(
        'unknown',
        'server',
        'BAD_ANSWER',
        `TeleCube answered something that is not {"error": …} (${unexpectedAnswer(res)})`,
      );
    if (err !== SPEC.okValue) {
      const text = String(err);
      throw new ProviderFailure(
        'permanent',
        /key|auth|login/i.test(text) ? 'auth' : 'other',
        text.slice(0, 50),
        `TeleCube refused the message: "${providerSaid(text)}"`,
      );
    }
    // No message id is known to come back (telecube.md).
    return {};
  },

  async verify(): Promise<VerifyResult> {
    // No verify call was found (telecube.md, Test/verify call): say so instead of pretending.
    return {
      checks: [
        {
          name: 'Credentials',
          ok: false,
          detail:
            'not checked: TeleCube publishes no call that checks the API key without sending (unknown); give a number to send a test SMS',
        },
      ],
    };
  },

  // Not found, neither push nor pull (telecube.md).
  deliveryReports: 'none',
};

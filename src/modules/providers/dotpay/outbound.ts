import { ProviderFailure, type OutboundAdapter, type VerifyResult } from '../adapter-outbound';
import { httpCall, statusFailure } from '../outbound-http';

/**
 * Outbound half of the Dotpay adapter (spec: shared/providers/dotpay.md). Dotpay offers Premium SMS
 * only: subscribers pay by sending an SMS, and no API sends an SMS to a customer. So this adapter
 * refuses to send, and its "test" can only prove that the check_code.php host answers (that call
 * checks codes, not a secret).
 */
export const SPEC = {
  // INFERRED (consistent third-party code): GET|POST <base>/check_code.php, plain-text lines, line 1 "0"/"1".
  checkCode: '/check_code.php',
} as const;

const REASON =
  'Dotpay offers Premium SMS only (subscribers send paid SMS to a short number): it has no API to send an SMS to a customer, so this mailbox can only receive; choose another mailbox to send';

export const outbound: OutboundAdapter = {
  sending: { supported: false, reason: REASON },
  idempotency: 'none',
  maxParts: 0,
  maxPartsSource: 'Dotpay cannot send',
  senderProblem: () => null,

  async send() {
    throw new ProviderFailure('permanent', 'unsupported', 'NO_SEND_API', REASON);
  },

  async verify(mb, http): Promise<VerifyResult> {
    const checks = [{ name: 'Sending', ok: false, detail: REASON }];
    if (!mb.baseUrl) return { checks };
    try {
      // A code that cannot exist: "0" proves only that the host answers, nothing about the account.
      const res = await httpCall(
        {
          provider: 'Dotpay',
          method: 'GET',
          url: mb.baseUrl + SPEC.checkCode,
          query: { id: mb.login, code: 'SMSDESK', check: 'SMSDESK0', type: 'sms', del: 0 },
        },
        http,
      );
      const f = statusFailure('Dotpay', res.status);
      checks.push(
        f
          ? { name: 'Connection', ok: false, detail: f.reason }
          : {
              name: 'Connection',
              ok: true,
              detail: `check_code.php answered; Dotpay has no call that checks the account ID or PIN`,
            },
      );
    } catch (e) {
      if (!(e instanceof ProviderFailure)) throw e;
      checks.push({ name: 'Connection', ok: false, detail: e.reason });
    }
    return { checks };
  },

  deliveryReports: 'none',
};

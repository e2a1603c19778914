import crypto from 'node:crypto';
import { PasswordForm } from '../../gateways/gateway.entity';
import { defineProvider } from '../provider';
import { catalog } from './catalog';
import { inbound } from './inbound';
import { outbound } from './outbound';

export const smsapi = defineProvider({
  catalog,
  inbound,
  outbound,
  /**
   * SMSAPI authenticates with the login and the MD5 of the API password, or with an OAuth token and no
   * login: an empty login marks the secret as a token, a 32-hex value is taken as the MD5 already.
   */
  normalisePassword(login, password) {
    if (!login) return { value: password, form: PasswordForm.OAUTH_TOKEN };
    if (/^[0-9a-f]{32}$/i.test(password)) return { value: password.toLowerCase(), form: PasswordForm.MD5_GIVEN };
    return { value: crypto.createHash('md5').update(password, 'utf8').digest('hex'), form: PasswordForm.MD5_COMPUTED };
  },
  validate(g) {
    if (g.passwordForm && g.passwordForm !== PasswordForm.OAUTH_TOKEN && !g.login) {
      return [
        {
          field: 'login',
          rule: 'required',
          message:
            'SMSAPI needs the API login with an MD5 password; to use an OAuth token instead, give the token as password again with an empty login',
        },
      ];
    }
    return [];
  },
  /** MMS arrive at their own callback URL, set apart from the SMS one in the SMSAPI panel. */
  extraRoutes: [{ path: `${catalog.webhookPath}/mms`, variant: 'mms' }],
});

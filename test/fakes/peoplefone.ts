import { ProviderId } from '../../src/modules/providers/catalog.types';
import { callback, FakeServer, nextId, type Answer, type Recorded } from './base';
import { mailbox, type FakeEntry } from './entry';

/**
 * Fake Peoplefone SMS API (shared/providers/peoplefone.md): Bearer API key (401 without a valid one),
 * optional IP whitelist (403 — the exact status is unknown), POST /sms/messages answering 202 with a
 * JSON body whose id field is a placeholder (`messageId`, UNVERIFIED), GET /sms/messages for the
 * verify call, and status callbacks POSTed as JSON to the per-message callbackUrl (payload UNVERIFIED).
 */
export interface PeoplefoneSent {
  messageId: string;
  to: string[];
  text: string;
  callbackUrl?: string;
}

export class FakePeoplefone extends FakeServer {
  apiKey = 'pf-key-123';
  /** When false, requests are refused as coming from an IP not on the key's whitelist. */
  ipWhitelisted = true;
  readonly sent: PeoplefoneSent[] = [];

  protected handle(r: Recorded): Answer {
    const base = '/customer/sms/v1';
    const p = r.path.startsWith(base) ? r.path.slice(base.length) : r.path;
    if (r.headers.authorization !== `Bearer ${this.apiKey}`)
      return { status: 401, body: JSON.stringify({ message: 'Unauthorized' }), contentType: 'application/json' };
    if (!this.ipWhitelisted)
      return { status: 403, body: JSON.stringify({ message: 'Forbidden' }), contentType: 'application/json' };
    if (p === '/sms/messages' && r.method === 'GET')
      return {
        status: 200,
        body: JSON.stringify(this.sent.map((s) => ({ messageId: s.messageId }))),
        contentType: 'application/json',
      };
    if (p === '/sms/messages' && r.method === 'POST') {
      const b = (r.json ?? {}) as { to?: string[]; text?: string; callbackUrl?: string };
      if (!Array.isArray(b.to) || !b.to.length || !b.text)
        return {
          status: 400,
          body: JSON.stringify({ message: 'to and text are required' }),
          contentType: 'application/json',
        };
      const messageId = `pf-${nextId()}`;
      this.sent.push({ messageId, to: b.to, text: b.text, callbackUrl: b.callbackUrl });
      return { status: 202, body: JSON.stringify({ messageId }), contentType: 'application/json' };
    }
    return { status: 404, body: 'Not Found' };
  }

  async pushStatus(messageId: string, status: string) {
    const m = this.sent.find((s) => s.messageId === messageId);
    if (!m?.callbackUrl) throw new Error(`no Peoplefone callback for ${messageId}`);
    return callback(m.callbackUrl, { json: { messageId, status } });
  }
}

export const peoplefoneFake: FakeEntry<FakePeoplefone> = {
  provider: ProviderId.PEOPLEFONE,
  create: () => new FakePeoplefone(),
  mailbox: (f) => mailbox(ProviderId.PEOPLEFONE, { baseUrl: `${f.url}/customer/sms/v1`, password: f.apiKey }),
  badAuth: (f) => mailbox(ProviderId.PEOPLEFONE, { baseUrl: `${f.url}/customer/sms/v1`, password: 'wrong' }),
  gatewayInput: (f) => ({
    name: 'Peoplefone',
    provider: 'PEOPLEFONE',
    password: f.apiKey,
    apiBaseUrl: `${f.url}/customer/sms/v1`,
  }),
  checkRequest: (f, s, expect) => {
    const r = f.calls('/sms/messages').at(-1)!;
    expect(r.headers.authorization).toBe(`Bearer ${f.apiKey}`);
    expect(r.json).toEqual({ to: ['+48500600700'], text: s.text });
  },
  sentCount: (f) => f.sent.length,
  returnsMessageId: true,
  verifies: true,
};

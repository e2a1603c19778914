import { ProviderId } from '../../src/modules/providers/catalog.types';
import { FakeServer, nextId, type Answer, type Recorded } from './base';
import { mailbox, type FakeEntry } from './entry';

/**
 * Fake SerwerSMS HTTPS API v2 (shared/providers/serwersms.md): POST <action>[.json], login + password
 * fields or a Bearer API token, JSON or form bodies, errors as {"error":{code,type,message}} with HTTP
 * 200, unique_id validated (3–50 [a-zA-Z0-9]) but NOT deduplicated — the spec never says SerwerSMS
 * refuses a reused unique_id, so a client that sends twice gets two SMS here too.
 */
export interface SerwerSent {
  id: string;
  phone: string;
  text: string;
  sender?: string;
  uniqueId?: string;
  utf: boolean;
  status: string;
  reason?: string;
}

export class FakeSerwersms extends FakeServer {
  username = 'api-user';
  password = 'api-pass';
  token = 'serwer-token-abc';
  senders = new Set(['HELPDESK']);
  fullLimit = 40;
  ecoLimit: number | 'no_limit' = 'no_limit';
  ipAllowed = true;
  /**
   * What `messages/view` answers for a unique_id it does not know. No source gives this answer (UNVERIFIED;
   * 1004 InvalidID is only our reading of the error table), so a test can make it anything else.
   */
  viewNotFound: Answer = this.error(1004, 'InvalidID', 'Invalid ID parameter');
  readonly sent: SerwerSent[] = [];

  private json(body: unknown): Answer {
    return { status: 200, body: JSON.stringify(body), contentType: 'application/json' };
  }

  private error(code: number, type: string, message: string): Answer {
    return this.json({ error: { code, type, message } });
  }

  private params(r: Recorded): Record<string, unknown> {
    if (r.json && typeof r.json === 'object') return r.json as Record<string, unknown>;
    const out: Record<string, unknown> = { ...r.query };
    for (const [k, v] of Object.entries(r.form)) out[k.replace(/\[\]$/, '')] = v;
    return out;
  }

  protected handle(r: Recorded): Answer {
    if (r.method !== 'POST') return { status: 405, body: 'Method Not Allowed' };
    const action = r.path.replace(/^\//, '').replace(/\.(json|xml)$/, '');
    const p = this.params(r);
    const bearer = /^Bearer (.+)$/.exec(String(r.headers.authorization ?? ''))?.[1];
    if (bearer !== undefined ? bearer !== this.token : p.username !== this.username || p.password !== this.password) {
      return this.error(1001, 'InvalidUser', 'Incorrect login or password');
    }
    if (!this.ipAllowed) return this.error(1003, 'InvalidIP', 'IP address is not authorised');
    const list = (v: unknown) => (v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)]);
    const bool = (v: unknown) => v === true || v === 'true' || v === '1' || v === 1;

    if (action === 'account/limits') {
      return this.json({
        ...(bool(p.show_type) ? { account: { type: 'prepaid' } } : {}),
        items: [
          { type: 'eco', chars_limit: '918/6', value: String(this.ecoLimit) },
          { type: 'full', chars_limit: '918/6', value: String(this.fullLimit) },
          { type: 'mms', chars_limit: '40/1', value: '0' },
        ],
      });
    }
    if (action === 'messages/send_sms') {
      const phones = list(p.phone);
      const ids = list(p.unique_id);
      if (!phones.length || !p.text)
        return this.error(2000, 'ValidationRequiredError', 'Required parameters are missing');
      if (ids.length && (ids.length !== phones.length || ids.some((u) => !/^[a-zA-Z0-9]{3,50}$/.test(u)))) {
        // "count mismatch or bad characters → general error and nothing is sent" (the code is not given; 1006 used).
        return this.error(1006, 'InvalidData', 'Invalid unique_id');
      }
      const sender = p.sender ? String(p.sender) : undefined;
      const full = !!sender;
      const items = phones.map((phone, i) => {
        const id = `a${nextId().toString(16)}`;
        if (!/^\+?[0-9]{9,15}$/.test(phone))
          return { id, phone, status: 'unsent', error_code: 2001, error_message: 'Invalid phone number' };
        if (sender && !this.senders.has(sender))
          return { id, phone, status: 'unsent', error_code: 2202, error_message: 'wrong_sender_name' };
        if (!full && bool(p.utf))
          return { id, phone, status: 'unsent', error_code: 3001, error_message: 'ECO+ cannot be sent as unicode' };
        if (full && this.fullLimit <= 0) return 'limit' as const;
        if (!bool(p.test)) {
          if (full) this.fullLimit--;
          this.sent.push({
            id,
            phone,
            text: String(p.text),
            sender,
            uniqueId: ids[i],
            utf: bool(p.utf),
            status: 'sent',
          });
        }
        return {
          id,
          phone,
          status: 'queued',
          queued: '2026-11-24 12:00:01',
          parts: Math.max(1, Math.ceil(String(p.text).length / (bool(p.utf) ? 67 : 153))),
          text: p.text,
        };
      });
      if (items.includes('limit')) return this.error(3002, 'SendError', 'Exhausted the limit of available SMS FULL');
      const its = items as Exclude<(typeof items)[number], 'limit'>[];
      const queued = its.filter((i) => i.status === 'queued').length;
      return this.json({
        success: true,
        queued,
        unsent: its.length - queued,
        ...(bool(p.details) ? { items: its } : {}),
      });
    }
    if (action === 'messages/view') {
      const m = this.sent.find((s) => (p.id && s.id === p.id) || (p.unique_id && s.uniqueId === p.unique_id));
      if (!m) return this.viewNotFound;
      return this.json({
        id: m.id,
        phone: m.phone,
        status: m.status,
        text: m.text,
        sender: m.sender,
        unique_id: m.uniqueId,
      });
    }
    if (action === 'messages/reports') {
      const ids = list(p.id);
      const items = this.sent.filter((s) => ids.includes(s.id) || (p.unique_id && s.uniqueId === p.unique_id));
      return this.json({
        paging: { page: 1, count: items.length },
        items: items.map((s) => ({
          id: s.id,
          phone: s.phone,
          status: s.status,
          reason: s.reason,
          queued: '2026-11-24 12:00:01',
          sender: s.sender,
          type: s.sender ? 'full' : 'eco',
          text: s.text,
        })),
      });
    }
    return this.error(1000, 'InvalidAction', 'No such action');
  }

  /** The provider-side state a report poll will see. */
  setStatus(id: string, status: 'delivered' | 'undelivered' | 'sent' | 'unsent', reason?: string): void {
    const m = this.sent.find((s) => s.id === id);
    if (!m) throw new Error(`no SerwerSMS message ${id}`);
    m.status = status;
    m.reason = reason;
  }
}

export const serwersmsFake: FakeEntry<FakeSerwersms> = {
  provider: ProviderId.SERWERSMS,
  create: () => new FakeSerwersms(),
  mailbox: (f) =>
    mailbox(ProviderId.SERWERSMS, { baseUrl: f.url, login: f.username, password: f.password, senderName: 'HELPDESK' }),
  badAuth: (f) =>
    mailbox(ProviderId.SERWERSMS, { baseUrl: f.url, login: f.username, password: 'nope', senderName: 'HELPDESK' }),
  gatewayInput: (f) => ({
    name: 'SerwerSMS',
    provider: 'SERWERSMS',
    login: f.username,
    password: f.password,
    senderName: 'HELPDESK',
    apiBaseUrl: f.url,
  }),
  checkRequest: (f, s, expect) => {
    const r = f.calls('/messages/send_sms').at(-1)!;
    expect(r.json).toMatchObject({
      username: f.username,
      password: f.password,
      phone: ['+48500600700'],
      text: s.text,
      sender: 'HELPDESK',
      utf: true,
      unique_id: [s.idempotencyKey],
    });
  },
  sentCount: (f) => f.sent.length,
  balance: (f) => f.fullLimit,
  returnsMessageId: true,
  verifies: true,
};

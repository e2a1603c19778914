import { ProviderId } from '../../src/modules/providers/catalog.types';
import { FakeServer, nextId, type Answer, type Recorded } from './base';
import { mailbox, type FakeEntry } from './entry';

/**
 * Fake JustSend REST v2 (shared/providers/justsend.md): App-Key header, JSON, the envelope
 * {responseCode, errorId, message, data} with HTTP 200 also for errors. Points are charged per part
 * (3 ECO / 7 PRO, INFERRED). No idempotency exists: every accepted call is one more SMS.
 */
export interface JustsendSent {
  id: number;
  to: string;
  from: string;
  message: string;
  variant: string;
  state: 'sent' | 'delivered' | 'notDelivered' | 'notSent';
}

const COST: Record<string, number> = { ECO: 3, ECO_RESP: 3, FULL: 6, PRO: 7, PRO_RESP: 7, DV: 7, TEST: 0 };

export class FakeJustsend extends FakeServer {
  appKey = 'JDJhJDEyJEjustsendkey';
  points = 1500;
  readonly sent: JustsendSent[] = [];

  private env(errorId: number, responseCode: string, message: string, data: unknown = null): Answer {
    return {
      status: 200,
      body: JSON.stringify({ responseCode, errorId, message, data }),
      contentType: 'application/json',
    };
  }

  protected handle(r: Recorded): Answer {
    const base = '/api/rest';
    const p = r.path.startsWith(base) ? r.path.slice(base.length) : r.path;
    if (r.headers['app-key'] !== this.appKey) return this.env(101, 'NO_AUTHENTICATION', 'No user authentication');
    if (p === '/v2/payment/points' && r.method === 'GET') return this.env(0, 'OK', 'Successful', this.points);
    if (p === '/v2/message/send' && r.method === 'POST') {
      const b = (r.json ?? {}) as Record<string, string>;
      const to = String(b.to ?? '');
      if (!/^(48)?[0-9]{9}$/.test(to)) return this.env(108, 'INVALID_VALUE', 'Invalid value of to parameter');
      const variant = String(b.bulkVariant ?? '');
      if (!(variant in COST)) return this.env(108, 'INVALID_VALUE', 'Invalid value of bulkVariant parameter');
      if (['PRO', 'PRO_RESP', 'FULL'].includes(variant) && (!b.from || b.from.length < 2 || /^[0-9]+$/.test(b.from))) {
        return this.env(108, 'INVALID_VALUE', 'Invalid value of from parameter');
      }
      const parts = Math.max(1, Math.ceil(String(b.message ?? '').length / 153));
      const cost = COST[variant] * parts;
      if (this.points < cost) return this.env(106, 'NO_SUFFICIENT_POINTS', 'Not enough points');
      this.points -= cost;
      const id = 123_000_000 + nextId();
      this.sent.push({ id, to, from: b.from, message: String(b.message), variant, state: 'sent' });
      return this.env(0, 'OK', 'Successful', id);
    }
    const rep = /^\/v2\/report\/message\/([0-9]+)$/.exec(p);
    if (rep && r.method === 'GET') {
      const m = this.sent.find((s) => s.id === Number(rep[1]));
      if (!m) return this.env(103, 'NOT_FOUND', 'Message not found');
      return this.env(0, 'OK', 'Successful', {
        sendDate: '2026-11-24 12:00:01',
        from: m.from,
        delivered: m.state === 'delivered' ? 1 : 0,
        notDelivered: m.state === 'notDelivered' ? 1 : 0,
        sent: 1,
        notSent: m.state === 'notSent' ? 1 : 0,
        bulkCostInPoints: COST[m.variant],
      });
    }
    return { status: 404, body: 'Not Found' };
  }

  setState(id: string, state: JustsendSent['state']): void {
    const m = this.sent.find((s) => String(s.id) === id);
    if (!m) throw new Error(`no JustSend message ${id}`);
    m.state = state;
  }
}

export const justsendFake: FakeEntry<FakeJustsend> = {
  provider: ProviderId.JUSTSEND,
  create: () => new FakeJustsend(),
  mailbox: (f) =>
    mailbox(ProviderId.JUSTSEND, { baseUrl: `${f.url}/api/rest`, password: f.appKey, senderName: 'HELPDESK' }),
  badAuth: (f) =>
    mailbox(ProviderId.JUSTSEND, { baseUrl: `${f.url}/api/rest`, password: 'wrong-key', senderName: 'HELPDESK' }),
  gatewayInput: (f) => ({
    name: 'JustSend',
    provider: 'JUSTSEND',
    password: f.appKey,
    senderName: 'HELPDESK',
    apiBaseUrl: `${f.url}/api/rest`,
  }),
  checkRequest: (f, s, expect) => {
    const r = f.calls('/v2/message/send').at(-1)!;
    expect(r.headers['app-key']).toBe(f.appKey);
    expect(r.json).toEqual({ to: '48500600700', from: 'HELPDESK', message: s.text, bulkVariant: 'PRO' });
  },
  sentCount: (f) => f.sent.length,
  balance: (f) => f.points,
  returnsMessageId: true,
  verifies: true,
};

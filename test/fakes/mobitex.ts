import crypto from 'node:crypto';
import { ProviderId } from '../../src/modules/providers/catalog.types';
import { FakeServer, type Answer, type Recorded } from './base';
import { mailbox, type FakeEntry } from './entry';

/**
 * Fake Mobitex (shared/providers/mobitex.md): sms.php by GET or POST with user + MD5 pass, type,
 * number (digits, no "+"), text, from; one answer line "Status: NNN, Id: <32 hex>, Number: …"
 * (INFERRED, also on errors with a zeroed id); per-type length limits (DOCUMENTED); balance.php
 * answering "OK <amount>" or "ERROR <code>".
 */
export interface MobitexSent {
  id: string;
  number: string;
  text: string;
  type: string;
  from: string;
}

const LIMIT: Record<string, number> = { sms: 160, sms_flash: 160, concat: 459, unicode: 70, unicode_concat: 201 };
const PRICE: Record<string, number> = { sms: 0.1, sms_flash: 0.1, concat: 0.3, unicode: 0.1, unicode_concat: 0.3 };

export class FakeMobitex extends FakeServer {
  user = 'acme';
  passMd5 = crypto.createHash('md5').update('mobitex-pass').digest('hex');
  senders = new Set(['ACME']);
  balance = 15.12;
  readonly sent: MobitexSent[] = [];

  private line(status: string, number: string, id = '0'.repeat(32)): Answer {
    return { status: 200, body: `Status: ${status}, Id: ${id}, Number: ${number}`, contentType: 'text/html' };
  }

  protected handle(r: Recorded): Answer {
    const f = r.fields;
    if (r.path === '/balance.php') {
      if (f.user !== this.user || f.pass !== this.passMd5) return { status: 200, body: 'ERROR 001' };
      return { status: 200, body: `OK ${this.balance.toFixed(2)}` };
    }
    if (r.path !== '/sms.php') return { status: 404, body: 'Not Found' };
    const number = f.number ?? '';
    if (f.user !== this.user || f.pass !== this.passMd5) return this.line('001', number);
    if (!(f.type in LIMIT)) return this.line('107', number);
    if (!f.from) return this.line('104', number);
    if (!this.senders.has(f.from)) return this.line('114', number);
    if (!f.text) return this.line('103', number);
    if (f.text.length > LIMIT[f.type]) return this.line('105', number);
    if (!/^[0-9]{11}$/.test(number)) return this.line('106', number);
    if (this.balance < PRICE[f.type]) return this.line('202', number);
    this.balance = Math.round((this.balance - PRICE[f.type]) * 100) / 100;
    const id = crypto.randomBytes(16).toString('hex');
    this.sent.push({ id, number, text: f.text, type: f.type, from: f.from });
    return this.line('002', number, id);
  }
}

export const mobitexFake: FakeEntry<FakeMobitex> = {
  provider: ProviderId.MOBITEX,
  create: () => new FakeMobitex(),
  mailbox: (f) =>
    mailbox(ProviderId.MOBITEX, { baseUrl: f.url, login: f.user, password: 'mobitex-pass', senderName: 'ACME' }),
  badAuth: (f) => mailbox(ProviderId.MOBITEX, { baseUrl: f.url, login: f.user, password: 'wrong', senderName: 'ACME' }),
  gatewayInput: (f) => ({
    name: 'Mobitex',
    provider: 'MOBITEX',
    login: f.user,
    password: 'mobitex-pass',
    senderName: 'ACME',
    apiBaseUrl: f.url,
  }),
  checkRequest: (f, s, expect) => {
    const r = f.calls('/sms.php').at(-1)!;
    expect(r.fields).toMatchObject({
      user: f.user,
      pass: f.passMd5,
      type: 'unicode',
      number: '48500600700',
      text: s.text,
      from: 'ACME',
    });
  },
  sentCount: (f) => f.sent.length,
  balance: (f) => f.balance,
  returnsMessageId: true,
  verifies: true,
};

import type { Mailbox } from '../../src/modules/providers/adapter';
import { ProviderId } from '../../src/modules/providers/catalog.types';
import { FakeServer, nextId, type Answer, type Recorded } from './base';
import { mailbox, type FakeEntry } from './entry';

/**
 * A provider behind the generic HTTP settings (Tide or any other): the test configures the
 * mailbox's template to match it. POST /api/send with JSON and an X-Api-Key header; 200
 * {"result":"queued","data":{"id":…}}; 401 for a wrong key; 400 {"result":"error"} for a bad number.
 */
export class FakeGenericProvider extends FakeServer {
  apiKey = 'generic-key';
  /** Put before each message id it hands out (a provider's ids can be long). */
  idPrefix = 'g-';
  /** When set, the id of every message (a provider that answers with one id for all). */
  sameId?: string;
  readonly sent: { id: string; to: string; text: string; from: string; ref: string }[] = [];

  protected handle(r: Recorded): Answer {
    const json = (status: number, b: unknown): Answer => ({
      status,
      body: JSON.stringify(b),
      contentType: 'application/json',
    });
    if (r.path !== '/api/send' || r.method !== 'POST') return json(404, { result: 'error', message: 'not found' });
    if (r.headers['x-api-key'] !== this.apiKey) return json(401, { result: 'error', message: 'bad key' });
    const b = (r.json ?? {}) as Record<string, string>;
    if (!/^\+[0-9]{8,15}$/.test(b.to ?? '')) return json(400, { result: 'error', message: 'bad number' });
    const id = this.sameId ?? `${this.idPrefix}${nextId()}`;
    this.sent.push({ id, to: b.to, text: b.text, from: b.from, ref: b.ref });
    return json(200, { result: 'queued', data: { id } });
  }
}

/** The generic HTTP settings that match this fake, as the mailbox of the adapter. */
export function genericMailbox(f: FakeGenericProvider, key: string): Mailbox {
  return mailbox(ProviderId.GENERIC_HTTP, { senderName: 'Desk', genericHttp: genericSettings(f, key) });
}

function genericSettings(f: FakeGenericProvider, key: string) {
  return {
    method: 'POST' as const,
    urlTemplate: `${f.url}/api/send`,
    headers: [{ name: 'X-Api-Key', value: key }],
    bodyTemplate: '{"to":"{to}","text":"{text}","from":"{from}","ref":"{id}"}',
    contentType: 'application/json',
    successBodyPattern: '"queued"',
    messageIdPath: 'data.id',
  };
}

export const genericFake: FakeEntry<FakeGenericProvider> = {
  provider: ProviderId.GENERIC_HTTP,
  alsoServes: [ProviderId.TIDE],
  create: () => new FakeGenericProvider(),
  mailbox: (f) => genericMailbox(f, f.apiKey),
  badAuth: (f) => genericMailbox(f, 'wrong'),
  gatewayInput: (f) => ({
    name: 'Generic',
    provider: 'GENERIC_HTTP',
    senderName: 'Desk',
    genericHttp: genericSettings(f, f.apiKey),
  }),
  checkRequest: (f, s, expect) => {
    const r = f.requests.at(-1)!;
    expect(r.headers['x-api-key']).toBe(f.apiKey);
    expect(r.json).toEqual({ to: '+48500600700', text: s.text, from: 'Desk', ref: s.idempotencyKey });
  },
  sentCount: (f) => f.sent.length,
  returnsMessageId: true,
  // The settings hold no call that checks credentials.
  verifies: false,
};

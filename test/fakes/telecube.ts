import { ProviderId } from '../../src/modules/providers/catalog.types';
import { FakeServer, type Answer, type Recorded } from './base';
import { mailbox, type FakeEntry } from './entry';

/**
 * Fake TeleCube panel API (shared/providers/telecube.md). Only the pattern is INFERRED (POST
 * /<login>/<method>/ with api_key, JSON {"error":"OK"}); the SMS method and field names are the
 * spec's PLACEHOLDERS, so this fake is exactly as uncertain as the adapter.
 */
export class FakeTelecube extends FakeServer {
  login = 'firma123';
  apiKey = 'tc-secret';
  readonly sent: { number: string; text: string; sender?: string }[] = [];

  protected handle(r: Recorded): Answer {
    const json = (b: unknown): Answer => ({ status: 200, body: JSON.stringify(b), contentType: 'application/json' });
    if (r.method !== 'POST' || r.path !== `/${this.login}/send_sms/`) return json({ error: 'Unknown method' });
    if (r.fields.api_key !== this.apiKey) return json({ error: 'Invalid api_key' });
    if (!/^[0-9]{11}$/.test(r.fields.number ?? '')) return json({ error: 'Invalid number' });
    this.sent.push({ number: r.fields.number, text: r.fields.text, sender: r.fields.sender });
    return json({ error: 'OK' });
  }
}

export const telecubeFake: FakeEntry<FakeTelecube> = {
  provider: ProviderId.TELECUBE,
  create: () => new FakeTelecube(),
  mailbox: (f) => mailbox(ProviderId.TELECUBE, { baseUrl: f.url, login: f.login, password: f.apiKey }),
  badAuth: (f) => mailbox(ProviderId.TELECUBE, { baseUrl: f.url, login: f.login, password: 'wrong' }),
  gatewayInput: (f) => ({
    name: 'TeleCube',
    provider: 'TELECUBE',
    login: f.login,
    password: f.apiKey,
    destinationNumber: '+48732123456',
    apiBaseUrl: f.url,
  }),
  checkRequest: (f, s, expect) => {
    const r = f.requests.at(-1)!;
    expect(r.path).toBe(`/${f.login}/send_sms/`);
    expect(r.fields).toMatchObject({ api_key: f.apiKey, number: '48500600700', text: s.text });
  },
  sentCount: (f) => f.sent.length,
  // The answer's id field is unknown (a spec placeholder), and no call is known that checks the credentials.
  returnsMessageId: false,
  verifies: false,
};

/**
 * Inbound (polling) halves of the fake providers, as subclasses of the outbound engineer's fakes in
 * test/fakes/: the same server, credentials and failure modes, plus the provider's inbox API. Nothing in
 * those files is changed; requests these subclasses do not know go to the original handler.
 */
import type { Answer, Recorded } from '../base';
import { FakeJustsend } from '../justsend';
import { FakeMultiInfo } from '../multiinfo';
import { FakeSerwersms } from '../serwersms';

let inboxSeq = 0;

const lines = (...l: (string | number)[]): Answer => ({
  status: 200,
  body: l.join('\r\n') + '\r\n',
  contentType: 'text/plain; charset=utf-8',
});

/** `yyyyMMddHHmmss` / `ddMMyyHHmmss` in Warsaw time. */
function stamp(at: Date, legacy: boolean): string {
  const p = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Europe/Warsaw',
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
      .formatToParts(at)
      .map((x) => [x.type, x.value]),
  );
  return legacy
    ? `${p.day}${p.month}${p.year.slice(2)}${p.hour}${p.minute}${p.second}`
    : `${p.year}${p.month}${p.day}${p.hour}${p.minute}${p.second}`;
}

interface MiInbound {
  id: number;
  from: string;
  to: string;
  text: string;
  at: Date;
  /** Handed out with manualconfirm and not confirmed: offered again after the lease. */
  leasedUntil?: number;
}

/**
 * MultiInfo getsms / confirmsms (multiinfo.md, Inbound SMS): one message per call, the oldest first;
 * `timeout` (ms) holds the call until a message arrives; with manualconfirm an unconfirmed message is
 * offered again after `leaseMs` (about 9 minutes at MultiInfo; short in tests).
 */
export class FakeMultiInfoInbox extends FakeMultiInfo {
  readonly inbox: MiInbound[] = [];
  readonly confirmed: number[] = [];
  leaseMs = 9 * 60_000;
  /** The next confirmsms calls answer HTTP 503 (the confirm is lost; MultiInfo re-offers later). */
  failConfirms = 0;
  private waiters: (() => void)[] = [];

  /** A customer sends an SMS to the service number. */
  deliver(m: { from: string; to?: string; text: string; at?: Date }): number {
    const id = 64_000_000 + ++inboxSeq;
    this.inbox.push({ id, from: m.from, to: m.to ?? '7968', text: m.text, at: m.at ?? new Date() });
    this.waiters.splice(0).forEach((w) => w());
    return id;
  }

  private next(): MiInbound | undefined {
    const now = Date.now();
    return this.inbox.find((m) => !m.leasedUntil || m.leasedUntil <= now);
  }

  protected async handle(r: Recorded): Promise<Answer> {
    const api61 = /^\/api61\//i.test(r.path);
    const script = r.path.replace(/^\/api61/i, '').toLowerCase();
    if (script !== '/getsms.aspx' && script !== '/confirmsms.aspx') return super.handle(r);
    const f: Record<string, string> = {};
    for (const [k, v] of Object.entries(r.fields)) f[k.toLowerCase()] = v;
    if (!r.clientCn) return lines(-80, 'Brak certyfikatu klienta');
    if (f.login !== this.login || f.password !== this.password) return lines(-1, 'Błąd logowania');
    if (r.clientCn !== f.login) return lines(-85, 'Certyfikat nie odpowiada użytkownikowi');

    if (script === '/confirmsms.aspx') {
      if (this.failConfirms > 0) {
        this.failConfirms--;
        return { status: 503, body: 'Service Unavailable' };
      }
      const i = this.inbox.findIndex((m) => m.id === Number(f.smsid));
      if (i < 0) return lines(-31, 'Nieprawidłowa wartość identyfikatora wiadomości');
      this.confirmed.push(this.inbox[i].id);
      this.inbox.splice(i, 1);
      return lines(0, 'OK');
    }
    if (Number(f.serviceid) !== this.serviceId) return lines(-24, 'Usługa o podanym identyfikatorze nie jest aktywna');
    const deadline = Date.now() + Math.min(Number(f.timeout) || 0, 30_000);
    let m = this.next();
    while (!m && Date.now() < deadline) {
      await new Promise<void>((res) => {
        const timer = setTimeout(res, Math.min(100, Math.max(1, deadline - Date.now())));
        this.waiters.push(() => {
          clearTimeout(timer);
          res();
        });
      });
      m = this.next();
    }
    if (!m) return lines(0, -1);
    if (f.manualconfirm === 'true') m.leasedUntil = Date.now() + this.leaseMs;
    else this.inbox.splice(this.inbox.indexOf(m), 1);
    const content = new URLSearchParams({ x: m.text }).toString().slice(2);
    return lines(0, m.id, m.from, m.to, 1, content, 0, 8, this.serviceId, 60199, stamp(m.at, !api61));
  }
}

interface SerwerInbound {
  id: number;
  type: string;
  phone: string;
  recived: string;
  text: string;
  /** The NDI number it hit; none for ECO+ replies and ND messages. */
  ndi?: string;
  /** ECO+ replies: the id of the outgoing message answered. */
  message_id?: string;
}

/**
 * SerwerSMS `messages/recived` (serwersms.md, DOCUMENTED on the incoming-messages page): holds every kind
 * (`eco`, `nd`, `ndi`, `pre`, `mms`) and filters only when asked: `type` (empty = all), `ndi` (only
 * messages that hit that NDI number, so never an ECO+ reply or an ND message), `date_from`/`date_to`,
 * `read` (marks what it returns), paging `page`/`limit`; answers `{paging, items}`, with `message_id` on
 * ECO+ replies.
 */
export class FakeSerwersmsInbox extends FakeSerwersms {
  readonly inbox: SerwerInbound[] = [];

  /**
   * A customer's message; `recived` in Warsaw time `YYYY-MM-DD HH:MM:SS`. An NDI message (the default type)
   * names the NDI number it hit (+48…); an ECO+ reply names the outgoing message it answers (`message_id`).
   */
  deliver(m: {
    phone: string;
    text: string;
    recived: string;
    ndi?: string;
    type?: string;
    message_id?: string;
  }): number {
    const id = 2_200_000 + ++inboxSeq;
    this.inbox.push({ ...m, id, type: m.type ?? 'ndi' });
    return id;
  }

  protected handle(r: Recorded): Answer {
    const action = r.path.replace(/^\//, '').replace(/\.(json|xml)$/, '');
    if (action !== 'messages/recived') return super.handle(r);
    const p = (r.json && typeof r.json === 'object' ? r.json : { ...r.query, ...r.form }) as Record<string, unknown>;
    const bearer = /^Bearer (.+)$/.exec(String(r.headers.authorization ?? ''))?.[1];
    const json = (b: unknown): Answer => ({ status: 200, body: JSON.stringify(b), contentType: 'application/json' });
    if (bearer !== undefined ? bearer !== this.token : p.username !== this.username || p.password !== this.password) {
      return json({ error: { code: 1001, type: 'InvalidUser', message: 'Incorrect login or password' } });
    }
    let items = this.inbox.filter(
      (m) =>
        (!p.type || m.type === p.type) &&
        (!p.ndi || m.ndi === p.ndi) &&
        (!p.date_from || m.recived >= String(p.date_from)) &&
        (!p.date_to || m.recived <= String(p.date_to)),
    );
    items = [...items].sort((a, b) => (p.order === 'desc' ? b.id - a.id : a.id - b.id));
    const limit = Number(p.limit) || 50;
    const page = Number(p.page) || 1;
    const slice = items.slice((page - 1) * limit, page * limit);
    return json({
      paging: { page, count: Math.ceil(items.length / limit) },
      items: slice.map(({ ndi: _n, ...rest }) => ({ ...rest, blacklist: false })),
    });
  }
}

interface JustsendReply {
  prefix: string;
  msisdn: string;
  message: string;
  createDate: string;
}

/** JustSend `GET /v2/report/response/messages/{prefix}/{from}/{to}` (justsend.md, DOCUMENTED): replies to a prefix by day. */
export class FakeJustsendInbox extends FakeJustsend {
  readonly replies: JustsendReply[] = [];

  deliver(m: JustsendReply): void {
    this.replies.push(m);
  }

  protected handle(r: Recorded): Answer {
    const p = r.path.startsWith('/api/rest') ? r.path.slice('/api/rest'.length) : r.path;
    const m = /^\/v2\/report\/response\/messages\/([^/]+)\/(\d{4}-\d{2}-\d{2})\/(\d{4}-\d{2}-\d{2})$/.exec(p);
    if (!m || r.method !== 'GET') return super.handle(r);
    const env = (errorId: number, responseCode: string, message: string, data: unknown = null): Answer => ({
      status: 200,
      body: JSON.stringify({ responseCode, errorId, message, data }),
      contentType: 'application/json',
    });
    if (r.headers['app-key'] !== this.appKey) return env(101, 'NO_AUTHENTICATION', 'No user authentication');
    const prefix = decodeURIComponent(m[1]);
    const data = this.replies.filter(
      (x) => x.prefix === prefix && x.createDate.slice(0, 10) >= m[2] && x.createDate.slice(0, 10) <= m[3],
    );
    return env(0, 'OK', 'Successful', data);
  }
}

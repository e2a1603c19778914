import { withoutPhoneNumbers } from '../../common/text';
import type { EntityManager } from '@mikro-orm/postgresql';
import { NotFoundError, ValidationError } from '../../common/errors';
import { toE164 } from '../../common/phone';
import { catalogEntry } from '../providers/catalog';
import { type ProviderCatalogEntry, Support } from '../providers/catalog.types';
import { adapterFor } from '../providers/registry';
import { toMailbox } from '../providers/runtime';
import { ProviderFailure, type VerifyCheck } from '../providers/adapter-outbound';
import { providerSaid } from '../providers/outbound-http';
import { WrongKeyError } from '../../common/secret-box';
import { segments } from '../outbound/segments';
import { httpOptions } from '../outbound/send';
import type { OutboundSettings } from '../outbound/outbound.settings';
import { Gateway } from './gateway.entity';
import type { GatewayService } from './gateway.service';
import type { GatewayTestResult } from './gateway-test.types';
import type { OptOutService } from '../optouts/optout.service';
import type { Metrics } from '../metrics/metrics';

/** The longest detail a check keeps: a sentence, never a provider's whole answer (agents read `lastTest`). */
const DETAIL_CHARS = 300;

/**
 * The calls a test makes (verify, and send for a test SMS) whose wire format no source confirms, as
 * words for a sentence; empty when both are confirmed or absent. A mailbox on the generic HTTP settings
 * is exempt: its format is the admin's copy of the provider's own documentation, not our guess.
 */
function unconfirmedCalls(entry: ProviderCatalogEntry): string[] {
  if (entry.fields.some((f) => f.name === 'genericHttp' && f.required)) return [];
  const calls: string[] = [];
  if (entry.capabilities.send === Support.UNKNOWN) calls.push('send');
  if (entry.capabilities.test === Support.UNKNOWN) calls.push('verify');
  return calls;
}

/**
 * "Test this mailbox": the provider's own check of credentials (and balance) that spends nothing where
 * the API has one, optionally one real test SMS. Provider-side failures become failed checks with the
 * provider's code and a plain sentence; only our own input errors (no such mailbox, a bad test number)
 * are thrown. Where the catalog says no source confirms the format of the verify or send call, a failed
 * "Wire format" check says so and a test SMS the host accepts is not counted as a success. The result is
 * kept on the mailbox (`lastTest`).
 */
export class GatewayTestService {
  constructor(
    private readonly settings: OutboundSettings,
    private readonly gateways: GatewayService,
    private readonly optOuts: OptOutService,
    private readonly metrics: Metrics,
  ) {}

  async test(em: EntityManager, id: number, sendTestSmsTo: string | undefined): Promise<GatewayTestResult> {
    const g = await em.findOne(Gateway, { id });
    if (!g) throw new NotFoundError('Gateway', id);
    let to: string | undefined;
    if (sendTestSmsTo != null && sendTestSmsTo.trim() !== '') {
      const r = toE164(sendTestSmsTo);
      if (!r.ok) throw ValidationError.single('sendTestSmsTo', 'phoneNumber', `"${sendTestSmsTo}" ${r.reason}`);
      to = r.e164;
      // A test SMS is an SMS: a number that opted out gets none (OPTED_OUT, before anything is called).
      await this.optOuts.check(em, to);
    }
    const started = Date.now();
    const adapter = adapterFor(g.provider);
    const entry = catalogEntry(g.provider);
    const provider = entry.displayName;
    const unconfirmed = unconfirmedCalls(entry);
    const http = httpOptions(this.settings);
    // An answer to a guessed call proves nothing about the real provider, so such a mailbox never passes.
    const checks: VerifyCheck[] =
      unconfirmed.length > 0
        ? [
            {
              name: 'Wire format',
              ok: false,
              detail: `${provider}'s ${unconfirmed.join(' and ')} call format is unconfirmed (no public source gives it; see the provider notes), so this mailbox is not tested`,
            },
          ]
        : [];
    let balance: number | undefined;
    let mb: ReturnType<typeof toMailbox> | undefined;
    try {
      mb = toMailbox(this.gateways, g);
    } catch (e) {
      if (!(e instanceof WrongKeyError)) throw e;
      // Sealed with another key, or copied from another mailbox or field: nothing is sent anywhere.
      checks.push({
        name: 'Secrets',
        ok: false,
        detail:
          'a stored secret of this mailbox cannot be opened here (another SECRET_KEY, or copied from elsewhere); enter it again',
      });
    }
    if (mb) {
      try {
        const opened = mb;
        const v = await this.metrics.providerCall(g.provider, 'verify', () => adapter.verify(opened, http));
        checks.push(...v.checks);
        balance = v.balance;
      } catch (e) {
        // Adapters report provider failures as checks themselves; anything else is our bug and is thrown
        // (the one error mapping logs it).
        if (!(e instanceof ProviderFailure)) throw e;
        checks.push({ name: 'Connection', ok: false, detail: e.reason });
      }
      if (to) checks.push(await this.testSms(mb, g, to, provider, unconfirmed.includes('send'), http));
    }
    const result: GatewayTestResult = {
      ok: checks.length > 0 && checks.every((c) => c.ok),
      checks: checks.map((c) => ({ ...c, detail: providerSaid(c.detail, DETAIL_CHARS) })),
      balance,
      latencyMs: Date.now() - started,
      testedAt: new Date(),
    };
    // Kept without the test number: the number may be a customer's, whose erasure does not look here.
    const kept = {
      ...result,
      checks: result.checks.map((c) => ({ ...c, detail: c.detail && withoutPhoneNumbers(c.detail) })),
    };
    await em.nativeUpdate(Gateway, { id }, { lastTest: kept });
    return result;
  }

  private async testSms(
    mb: ReturnType<typeof toMailbox>,
    g: Gateway,
    to: string,
    provider: string,
    sendUnconfirmed: boolean,
    http: ReturnType<typeof httpOptions>,
  ): Promise<VerifyCheck> {
    const adapter = adapterFor(g.provider);
    if (!adapter.sending.supported) return { name: 'Test SMS', ok: false, detail: adapter.sending.reason };
    const senderProblem = adapter.senderProblem(g.senderName);
    if (senderProblem) return { name: 'Test SMS', ok: false, detail: `not sent: ${senderProblem}` };
    const text = `smsdesk: test message from mailbox "${g.name}"`.replace(/[^\x20-\x7e]/g, '?');
    const seg = segments(text);
    try {
      const r = await this.metrics.providerCall(g.provider, 'send', () =>
        adapter.send(
          mb,
          // A key of its own (not a message id): a repeated test is a new SMS on purpose.
          {
            messageId: 0,
            idempotencyKey: `sdtest${g.id}x${Date.now().toString(36)}`,
            to,
            text,
            encoding: seg.encoding,
            parts: seg.parts,
            resumed: false,
          },
          http,
        ),
      );
      const accepted = `${provider} accepted a test SMS to ${to}${r.providerMessageId ? ` (id ${r.providerMessageId})` : ''}`;
      if (sendUnconfirmed)
        return {
          name: 'Test SMS',
          ok: false,
          detail: `the host answered as if ${accepted}, but the send call format is unconfirmed: only the SMS arriving proves it works`,
        };
      return { name: 'Test SMS', ok: true, detail: accepted };
    } catch (e) {
      if (!(e instanceof ProviderFailure)) throw e;
      return { name: 'Test SMS', ok: false, detail: e.reason };
    }
  }
}

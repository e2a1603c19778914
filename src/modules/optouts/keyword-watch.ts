import type { BackgroundLoop } from '../../common/background-loop';
import type { EventBus } from '../../graphql/pubsub';
import type { OptOutService } from './optout.service';

/**
 * Keeps every instance's copy of the keyword lists current: `updateSettings` announces a change of the
 * lists after its commit, and each instance (this one at once, the others through LISTEN/NOTIFY) drops
 * its copy, so its next inbound message reads them again. A change missed while LISTEN was down is seen
 * once the copy is KEYWORDS_MAX_AGE_MS old.
 */
export class KeywordWatch implements BackgroundLoop {
  readonly name = 'opt-out keyword lists';
  private subscription?: AsyncIterator<unknown>;

  constructor(
    private readonly events: EventBus,
    private readonly optOuts: OptOutService,
    private readonly log: { error(o: object, msg: string): void },
  ) {}

  start(): void {
    const it = this.events.subscribe('OPT_OUT_KEYWORDS_CHANGED')[Symbol.asyncIterator]();
    this.subscription = it;
    void (async () => {
      for (let e = await it.next(); !e.done; e = await it.next()) this.optOuts.keywordsChanged();
    })().catch((err) => this.log.error({ err }, 'opt-outs: keyword subscription ended'));
  }

  async stop(): Promise<void> {
    await this.subscription?.return?.();
  }
}

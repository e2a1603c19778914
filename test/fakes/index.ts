import type { FakeServer } from './base';
import type { FakeEntry } from './entry';
import { genericFake } from './generic';
import { justsendFake } from './justsend';
import { mobitexFake } from './mobitex';
import { multiinfoFake } from './multiinfo';
import { peoplefoneFake } from './peoplefone';
import { serwersmsFake } from './serwersms';
import { smsapiFake } from './smsapi';
import { telecubeFake } from './telecube';
import { threeSFake } from './threes';

/**
 * Every fake of a provider that sends, in the order the suites run them: the adapter suite
 * (providers.test.ts) and sending through the API (outbound.test.ts) loop over this list. Dotpay has a
 * fake but no entry, as it cannot send.
 */
export const FAKES: FakeEntry[] = [
  smsapiFake,
  serwersmsFake,
  justsendFake,
  multiinfoFake,
  mobitexFake,
  peoplefoneFake,
  telecubeFake,
  threeSFake,
  genericFake,
];

/** One fake per entry, created at once and started by the test, each found by its entry with its own type. */
export class FakeSet {
  private readonly fakes = new Map<FakeEntry<any>, FakeServer>();

  constructor(entries: FakeEntry<any>[]) {
    for (const e of entries) this.fakes.set(e, e.create());
  }

  get<F extends FakeServer>(entry: FakeEntry<F>): F {
    const f = this.fakes.get(entry);
    if (!f) throw new Error(`no fake for ${entry.provider} in this set`);
    return f as F;
  }

  async start(): Promise<void> {
    await Promise.all([...this.fakes.values()].map((f) => f.start()));
  }

  async stop(): Promise<void> {
    await Promise.all([...this.fakes.values()].map((f) => f.stop()));
  }
}

import type { ExpectStatic } from 'vitest';
import type { Mailbox } from '../../src/modules/providers/adapter';
import type { OutboundSms } from '../../src/modules/providers/adapter-outbound';
import type { ProviderId } from '../../src/modules/providers/catalog.types';
import type { FakeServer } from './base';

/**
 * What one fake provider contributes to the suites that run every provider the same way: how to make the
 * fake, how to point a mailbox at it (for the adapter directly, and through the API), and what it saw.
 * Each fake module exports its entry; test/fakes/index.ts lists them.
 */
export interface FakeEntry<F extends FakeServer = FakeServer> {
  provider: ProviderId;
  /** Providers served by the same fake and mailbox settings under their own name (GraphQL input only). */
  alsoServes?: ProviderId[];
  /** A new fake, not started. */
  create(): F;
  /** A working mailbox pointed at the fake, for calling the adapter directly. */
  mailbox(f: F): Mailbox;
  /** The same with wrong credentials. */
  badAuth(f: F): Mailbox;
  /** A working `createGateway` input pointed at the fake (tests through the API start its apiBaseUrl trusted). */
  gatewayInput(f: F): Record<string, unknown>;
  /**
   * Asserts what one accepted request for `s` looked like on the wire, with the test's `expect` (the fakes
   * are also loaded outside vitest, by the benchmarks).
   */
  checkRequest(f: F, s: OutboundSms, expect: ExpectStatic): void;
  /** Messages the fake accepted (as sent SMS). */
  sentCount(f: F): number;
  /** The balance the verify call must report: the fake's current one. */
  balance?(f: F): number;
  /** Whether the provider's answer to a send names the message (TeleCube's is not known to). */
  returnsMessageId: boolean;
  /** Whether the provider has a call that checks credentials (otherwise the adapter says "not checked"). */
  verifies: boolean;
}

/** An adapter mailbox of `provider` with the defaults of a new mailbox. */
export function mailbox(provider: ProviderId, extra: Partial<Mailbox>): Mailbox {
  return { id: 1, name: `${provider} box`, provider, prefixesToRemove: [], replacePolishDiacritics: false, ...extra };
}

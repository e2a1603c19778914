import { errorCode, errorExtensions } from '../errors';
import type { OptOutSource } from '../gql/graphql';
import { formatDateTime } from './format';

/** How a number came to be opted out, in the desk's words (OptOutSource). */
const HOW: Record<OptOutSource, string> = {
  KEYWORD: 'the customer texted STOP or another opt-out keyword',
  PROVIDER_REPORT: "the provider's delivery report said the recipient opted out",
  MANUAL: 'set by hand',
};

/** How a number came to be opted out; a source this build does not know is shown as the API names it. */
export function optOutHow(source: unknown): string {
  return HOW[source as OptOutSource] ?? String(source ?? 'unknown');
}

/** Who opted out, when and how, as one sentence: "+48… opted out on 5 Dec 2026, 10:00: set by hand (reason)." */
export function optOutSentence(o: { phoneNumber?: unknown; changedAt?: unknown; source?: unknown; reason?: unknown }) {
  const reason = typeof o.reason === 'string' && o.reason ? ` (${o.reason})` : '';
  return `${String(o.phoneNumber)} opted out on ${formatDateTime(o.changedAt as string)}: ${optOutHow(o.source)}${reason}.`;
}

/** An OPTED_OUT refusal of an SMS in words, from its extensions (phoneNumber, optedOutAt, optOutSource); else none. */
export function optedOutRefusal(error: unknown): string | undefined {
  if (errorCode(error) !== 'OPTED_OUT') return undefined;
  const ext = errorExtensions(error);
  const sentence = optOutSentence({
    phoneNumber: ext.phoneNumber,
    changedAt: ext.optedOutAt,
    source: ext.optOutSource,
  });
  return `Not sent: ${sentence} It gets no SMS until it opts back in: by texting START, or by hand on its customer card.`;
}

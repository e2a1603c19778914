import type { OptOutSource } from '../../gql/graphql';
import { formatDateTime } from '../../ui/format';

/** How a number came to be opted out, in the desk's words (OptOutSource). */
export const OPT_OUT_HOW: Record<OptOutSource, string> = {
  KEYWORD: 'texted STOP or another opt-out keyword',
  PROVIDER_REPORT: 'the provider reported that the recipient opted out',
  MANUAL: 'opted out by hand',
};

/** The OPTED_OUT refusal in words, from its extensions (phoneNumber, optedOutAt, optOutSource). */
export function optedOutRefusal(ext: Record<string, unknown>): string {
  const how = OPT_OUT_HOW[ext.optOutSource as OptOutSource] ?? String(ext.optOutSource ?? 'unknown');
  return (
    `This number (${String(ext.phoneNumber)}) opted out on ${formatDateTime(ext.optedOutAt as string)} (${how}). ` +
    'It gets no SMS until it opts back in: by texting START, or by hand on this card.'
  );
}

import { countryOf, DEFAULT_REGION } from '../../common/phone';

/**
 * The countries a mailbox sends to: its own list, else the country of its own number, else Poland. SMS
 * pumping sends to premium ranges abroad through an account that only ever needed its home country.
 */
export function sendableCountries(g: { allowedCountries?: string[]; destinationNumber?: string | null }): string[] {
  if (g.allowedCountries?.length) return g.allowedCountries;
  const own = g.destinationNumber?.startsWith('+') ? countryOf(g.destinationNumber) : undefined;
  return [own ?? DEFAULT_REGION];
}

/** Why a mailbox may not send to a number (in E.164), or null when it may. */
export function countryProblem(
  g: { name: string; allowedCountries?: string[]; destinationNumber?: string | null },
  to: string,
): string | null {
  const allowed = sendableCountries(g);
  const country = countryOf(to);
  if (country && allowed.includes(country)) return null;
  return `mailbox "${g.name}" sends only to ${allowed.join(', ')}; ${to} is ${country ? `in ${country}` : 'not in any of them'} (an admin can add countries to the mailbox's allowedCountries)`;
}

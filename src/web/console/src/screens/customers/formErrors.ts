import { fieldErrors } from '../../errors';

/**
 * The error to show as a banner above a form with `fields`: any error that is not only violations of those
 * fields (a refusal without violations, or a violation of a field the form does not have), so that nothing the
 * API says is swallowed.
 */
export function bannerError(error: unknown, fields: readonly string[]): unknown {
  if (!error) return undefined;
  const keys = Object.keys(fieldErrors(error));
  return keys.length > 0 && keys.every((k) => fields.includes(k)) ? undefined : error;
}

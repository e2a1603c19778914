import { fieldErrors } from '../../errors';

/**
 * The API's refusal of a form, split the way the form shows it: the violations of the fields it has go next to
 * them; an error that names no field, or a field the form does not show, goes in a banner (never swallowed).
 */
export function formErrors(
  error: unknown,
  fields: readonly string[],
): { byField: Record<string, string>; banner: unknown } {
  if (!error) return { byField: {}, banner: undefined };
  const byField = fieldErrors(error);
  const named = Object.keys(byField);
  const allShown = named.length > 0 && named.every((f) => fields.includes(f));
  return { byField, banner: allShown ? undefined : error };
}

import { CombinedGraphQLErrors, ServerError } from '@apollo/client/errors';
import type { ErrorCode } from './gql/schema-types';

/** One rule an input broke, as the API names it (ErrorExtensions.violations). */
export interface Violation {
  field: string;
  rule: string;
  message: string;
}

/** The GraphQL errors of an Apollo error (none for a network failure). */
function graphqlErrors(error: unknown) {
  return CombinedGraphQLErrors.is(error) ? error.errors : [];
}

/** The ErrorCode of the first GraphQL error, or undefined. */
export function errorCode(error: unknown): ErrorCode | undefined {
  return graphqlErrors(error)[0]?.extensions?.code as ErrorCode | undefined;
}

/** The extensions of the first GraphQL error, to read what belongs to its code (OPTED_OUT's number…). */
export function errorExtensions(error: unknown): Record<string, unknown> {
  return (graphqlErrors(error)[0]?.extensions ?? {}) as Record<string, unknown>;
}

/** Whether the answer says that the session is over: a 401, or UNAUTHENTICATED on a request that had a token. */
export function isSessionExpired(error: unknown): boolean {
  if (ServerError.is(error) && error.statusCode === 401) return true;
  return graphqlErrors(error).some((e) => e.extensions?.code === 'UNAUTHENTICATED');
}

/** Every broken rule of a BAD_USER_INPUT answer. */
export function violationsOf(error: unknown): Violation[] {
  return graphqlErrors(error).flatMap((e) => (e.extensions?.violations as Violation[] | undefined) ?? []);
}

/**
 * The violations by the form field they belong to: `input.allowedIps[1]` and `allowedIps` belong to
 * `allowedIps`, `input.genericHttp.urlTemplate` to `genericHttp.urlTemplate`. Several rules of one field are
 * joined in one sentence list.
 */
export function fieldErrors(error: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of violationsOf(error)) {
    const key = v.field.replace(/^input\./, '').replace(/\[\d+\]/g, '');
    out[key] = out[key] ? `${out[key]} ${v.message}` : v.message;
  }
  return out;
}

/** A sentence for people: the API's message (or messages), with the request id to quote to an operator. */
export function describeError(error: unknown): string {
  const errors = graphqlErrors(error);
  if (errors.length) {
    const id = errors[0].extensions?.requestId;
    return errors.map((e) => e.message).join(' ') + (typeof id === 'string' ? ` (request ${id})` : '');
  }
  if (ServerError.is(error)) return `The service answered ${error.statusCode}. Try again.`;
  return 'The service cannot be reached. Check the connection and try again.';
}

/**
 * The API's refusal of a form, split the way the form shows it: the violations of the fields it has (`fields`)
 * go next to them; a refusal that names no field, or names a field the form does not show, goes in a banner
 * whole, so that nothing the API says is swallowed. `unshown` holds the violations of fields the form lacks.
 */
export function formErrors(
  error: unknown,
  fields: readonly string[],
): { byField: Record<string, string>; banner: unknown; unshown: Record<string, string> } {
  if (!error) return { byField: {}, banner: undefined, unshown: {} };
  const byField = fieldErrors(error);
  const unshown = Object.fromEntries(Object.entries(byField).filter(([field]) => !fields.includes(field)));
  const named = Object.keys(byField).length > 0;
  return { byField, banner: named && !Object.keys(unshown).length ? undefined : error, unshown };
}

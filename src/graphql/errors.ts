import type { GraphQLError, GraphQLFormattedError } from 'graphql';
import type { ValidationError as ClassValidatorError } from 'class-validator';
import { DomainError, ErrorCode, isErrorCode, ValidationError, type FieldViolation } from '../common/errors';
import type { Config } from '../config';
import { LIMIT_CODES } from './limits';

function flatten(errors: ClassValidatorError[], prefix: string, out: FieldViolation[]): FieldViolation[] {
  for (const e of errors) {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    for (const [rule, message] of Object.entries(e.constraints ?? {})) out.push({ field, rule, message });
    if (e.children?.length) flatten(e.children, field, out);
  }
  return out;
}

/** How errors are shown to clients. */
export interface ErrorOptions {
  /**
   * Drop graphql-js's suggestions ("Did you mean …?") from messages: they name fields, arguments and enum values
   * of the schema, which a deployment without introspection (production) does not show. On with NODE_ENV=production.
   */
  hideSchemaHints?: boolean;
  /** The request's id (X-Request-Id, or a graphql-ws socket's), shown as `extensions.requestId`. */
  requestId?: string;
}

/** The options a configuration asks for. */
export function errorOptions(config: Pick<Config, 'env'>): ErrorOptions {
  return { hideSchemaHints: config.env === 'production' };
}

/** An error as clients get it: its code is always an ErrorCode (the schema's enum documents each). */
export type AnsweredError = GraphQLFormattedError & {
  readonly extensions: { readonly code: ErrorCode; readonly [key: string]: unknown };
};

/** graphql-js's suggestion sentences, e.g. ` Did you mean "name" or "email"?`, ` Did you mean the enum value "OPEN"?`. */
const SCHEMA_HINT = / ?Did you mean [^?]*\?/g;

/**
 * The one place that turns errors into GraphQL answers. Domain errors keep their code, message and
 * field violations; class-validator failures become BAD_USER_INPUT with the field and rule; anything
 * else is an internal error whose details stay in the log, never in the response.
 */
export function formatError(
  formatted: GraphQLFormattedError,
  error: unknown,
  log: (e: unknown) => void,
  options: ErrorOptions = {},
): AnsweredError {
  return shown(mapError(formatted, error, log), options);
}

function shown(e: AnsweredError, options: ErrorOptions): AnsweredError {
  const out = options.hideSchemaHints ? { ...e, message: e.message.replace(SCHEMA_HINT, '') } : e;
  return options.requestId ? withRequestId(out, options.requestId) : out;
}

/** An error with the id of the request it answers, which the client can quote and the logs carry (`reqId`). */
function withRequestId<E extends GraphQLFormattedError>(e: E, requestId: string): E {
  return { ...e, extensions: { ...e.extensions, requestId } };
}

/**
 * A GraphQL answer over HTTP with the request's id on each of its errors; any other body is returned as it is.
 * Over HTTP the id is added to the encoded answer, because Apollo formats some errors before any request
 * context exists (a refused token, CSRF prevention, a request without a query): Apollo always writes `errors`
 * first, so only an answer with errors is decoded.
 */
export function answerWithRequestId(body: string, requestId: string): string {
  if (!body.startsWith('{"errors":')) return body;
  const answer = JSON.parse(body) as { errors?: GraphQLFormattedError[] };
  if (!Array.isArray(answer.errors)) return body;
  return JSON.stringify({ ...answer, errors: answer.errors.map((e) => withRequestId(e, requestId)) }) + '\n';
}

function mapError(formatted: GraphQLFormattedError, error: unknown, log: (e: unknown) => void): AnsweredError {
  // Walk wrappers by shape, not instanceof: graphql's ESM and CJS builds can both be loaded (vitest),
  // and each has its own GraphQLError class.
  let original = error as { originalError?: unknown } | undefined;
  while (original && typeof original === 'object' && original.originalError)
    original = original.originalError as typeof original;
  const validationErrors = (original as { extensions?: { validationErrors?: unknown } } | undefined)?.extensions
    ?.validationErrors;
  if (Array.isArray(validationErrors)) {
    // type-graphql's ArgumentValidationError: class-validator results for an input argument.
    const violations = flatten(validationErrors as ClassValidatorError[], '', []);
    return {
      message: violations.map((v) => `${v.field}: ${v.message}`).join('; ') || 'Invalid input',
      locations: formatted.locations,
      path: formatted.path,
      extensions: { code: ErrorCode.BAD_USER_INPUT, violations },
    };
  }
  if (original instanceof DomainError) {
    return {
      message: original.message,
      locations: formatted.locations,
      path: formatted.path,
      extensions: {
        ...original.details,
        code: original.code,
        ...(original instanceof ValidationError ? { violations: original.violations } : {}),
      },
    };
  }
  // A query over a limit (limits.ts): Apollo files it under GRAPHQL_VALIDATION_FAILED; the client gets our code.
  const limitCode = (original as { extensions?: { code?: unknown } } | undefined)?.extensions?.code;
  if (isErrorCode(limitCode) && LIMIT_CODES.has(limitCode)) {
    const {
      stacktrace: _s,
      http: _h,
      ...ext
    } = { ...(formatted.extensions ?? {}), ...(original as { extensions: Record<string, unknown> }).extensions };
    return { message: formatted.message, locations: formatted.locations, extensions: { ...ext, code: limitCode } };
  }
  const code = formatted.extensions?.code;
  // Parse/validation/variable errors from graphql-js and Apollo are about the request itself: keep them. A code
  // outside ErrorCode (a library's we never documented) is masked like any internal error.
  if (isErrorCode(code) && code !== ErrorCode.INTERNAL_SERVER_ERROR) {
    const { stacktrace: _s, ...ext } = (formatted.extensions ?? {}) as Record<string, unknown>;
    return { ...formatted, extensions: { ...ext, code } };
  }
  log(original ?? formatted);
  return {
    message: 'Internal server error',
    locations: formatted.locations,
    path: formatted.path,
    extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
  };
}

/**
 * The same mapping for graphql-ws, which has no formatError of its own: without it a socket's client got
 * errors without `extensions.code`, and an internal error's own message (SQL included). Where the error
 * came from decides what one without a code and without a resolver path is (a resolver's error always has
 * a path):
 * - `result` (an execution result, onNext): graphql-js's request errors, i.e. variables that do not coerce:
 *   BAD_USER_INPUT, as Apollo files them over HTTP;
 * - `stream` (onError): graphql-ws's own request checks have no cause (BAD_USER_INPUT); one with a cause is
 *   a failure of the subscription's event stream, mapped like any error of ours (masked and logged, or a
 *   domain error's code).
 */
export function formatSocketError(
  error: GraphQLError,
  where: 'result' | 'stream',
  log: (e: unknown) => void,
  options: ErrorOptions = {},
): AnsweredError {
  const formatted = error.toJSON();
  if (!formatted.extensions?.code && !error.path && (where === 'result' || !error.originalError)) {
    const { stacktrace: _s, http: _h, ...ext } = (formatted.extensions ?? {}) as Record<string, unknown>;
    return shown({ ...formatted, extensions: { ...ext, code: ErrorCode.BAD_USER_INPUT } }, options);
  }
  return formatError(formatted, error, log, options);
}

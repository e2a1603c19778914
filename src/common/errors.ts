/**
 * Typed domain errors. Domain code throws these and never builds HTTP or GraphQL responses;
 * `src/graphql/errors.ts` maps them to GraphQL error codes in one place.
 */

/**
 * Every `extensions.code` a GraphQL error of ours can carry: our domain errors', the query limits', and the
 * request errors of Apollo and graphql-js the mapping keeps. The schema shows it as the enum `ErrorCode`, with
 * what each means (`src/graphql/error-codes.ts`); the mapping answers nothing outside it.
 */
export const ErrorCode = {
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  RATE_LIMITED: 'RATE_LIMITED',
  OPTED_OUT: 'OPTED_OUT',
  BUSY: 'BUSY',
  QUERY_TOO_DEEP: 'QUERY_TOO_DEEP',
  QUERY_TOO_COMPLEX: 'QUERY_TOO_COMPLEX',
  GRAPHQL_PARSE_FAILED: 'GRAPHQL_PARSE_FAILED',
  GRAPHQL_VALIDATION_FAILED: 'GRAPHQL_VALIDATION_FAILED',
  OPERATION_RESOLUTION_FAILURE: 'OPERATION_RESOLUTION_FAILURE',
  BAD_REQUEST: 'BAD_REQUEST',
  PERSISTED_QUERY_NOT_FOUND: 'PERSISTED_QUERY_NOT_FOUND',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const CODES: ReadonlySet<string> = new Set(Object.values(ErrorCode));

/** Whether `code` is one of ours (codes from graphql-js or Apollo arrive as plain strings). */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && CODES.has(code);
}

export abstract class DomainError extends Error {
  abstract readonly code: ErrorCode;
  /** Facts the client may act on, answered as extensions next to the code (e.g. `retryAfterSeconds`). */
  readonly details?: Record<string, string | number>;
}

/** One rule one field broke; `field` is the input path as the client sent it (e.g. `input.allowedIps[1]`). */
export interface FieldViolation {
  field: string;
  rule: string;
  message: string;
}

export class ValidationError extends DomainError {
  readonly code = 'BAD_USER_INPUT' as const;
  constructor(readonly violations: FieldViolation[]) {
    super(violations.map((v) => `${v.field}: ${v.message}`).join('; '));
  }

  static single(field: string, rule: string, message: string): ValidationError {
    return new ValidationError([{ field, rule, message }]);
  }
}

export class NotFoundError extends DomainError {
  readonly code = 'NOT_FOUND' as const;
  constructor(
    readonly entity: string,
    readonly id: string | number,
  ) {
    super(`${entity} ${id} does not exist`);
  }
}

/** What was asked waits on work in progress that cannot be called back; nothing was changed, try again. */
export class BusyError extends DomainError {
  readonly code = 'BUSY' as const;
}

export class ForbiddenError extends DomainError {
  readonly code = 'FORBIDDEN' as const;
  constructor(message = 'You are not allowed to do this') {
    super(message);
  }
}

export class UnauthenticatedError extends DomainError {
  readonly code = 'UNAUTHENTICATED' as const;
  constructor(message = 'Log in first: send "Authorization: Bearer <token>"') {
    super(message);
  }
}

/**
 * A send to a number that opted out of our SMS (src/modules/optouts). The message says when and how; the
 * extensions carry `phoneNumber`, `optedOutAt` (ISO 8601) and `optOutSource` for clients that show it.
 */
export class OptedOutError extends DomainError {
  readonly code = 'OPTED_OUT' as const;
  override readonly details: Record<string, string>;
  constructor(message: string, details: { phoneNumber: string; optedOutAt: string; optOutSource: string }) {
    super(message);
    this.details = details;
  }
}

/** Collects violations so one mutation reports every broken rule at once, then throws if any. */
export class Violations {
  private readonly list: FieldViolation[] = [];
  add(field: string, rule: string, message: string): void {
    this.list.push({ field, rule, message });
  }
  get any(): boolean {
    return this.list.length > 0;
  }
  throwIfAny(): void {
    if (this.list.length) throw new ValidationError(this.list);
  }
}

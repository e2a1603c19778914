import 'reflect-metadata';
import { GraphQLError, isEnumType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { DomainError, ErrorCode, NotFoundError, ValidationError } from '../../src/common/errors';
import { formatError, formatSocketError, type AnsweredError } from '../../src/graphql/errors';
import { createSchema } from '../../src/graphql/schema';
import { LoginRateLimitedError } from '../../src/modules/auth/login-limiter';
import { SendRateLimitedError } from '../../src/modules/outbound/send-rate';

/*
 * The one error mapping answers only ErrorCode values. Codes a client can provoke are checked through the API
 * (test/e2e/error-codes.test.ts); here, what the API cannot show: internal failures and codes of libraries.
 */
const log = () => {};
const VALUES: readonly string[] = Object.values(ErrorCode);

describe('ErrorCode', () => {
  it('is the schema enum, one described value per code', async () => {
    const type = (await createSchema()).getType('ErrorCode');
    if (!isEnumType(type)) throw new Error('no enum ErrorCode in the schema');
    expect(type.getValues().map((v) => v.name)).toEqual(VALUES);
    for (const v of type.getValues()) expect(v.description, v.name).toMatch(/\w{3,}.*\w{3,}/);
  });

  it('is what every domain error carries, and what the mapping answers for them', () => {
    for (const e of [
      new NotFoundError('Ticket', 1),
      ValidationError.single('text', 'required', 'must not be empty'),
      new LoginRateLimitedError(3),
      new SendRateLimitedError(1, 60, 3),
    ]) {
      const answer = formatError({ message: e.message }, new GraphQLError(e.message, { originalError: e }), log);
      expect(VALUES).toContain(answer.extensions.code);
      expect(answer.extensions.code).toBe(e.code);
    }
  });

  it('masks internal failures and codes outside it as INTERNAL_SERVER_ERROR', () => {
    const logged: unknown[] = [];
    const internal = formatError({ message: 'boom' }, new Error('select * from secret'), (e) => logged.push(e));
    expect(internal).toEqual({ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
    // A library's code we never documented (Apollo's PERSISTED_QUERY_NOT_SUPPORTED is off here, for one).
    const foreign = new GraphQLError('teapot', { extensions: { code: 'I_AM_A_TEAPOT' } });
    expect(formatError(foreign.toJSON(), foreign, (e) => logged.push(e)).extensions.code).toBe('INTERNAL_SERVER_ERROR');
    expect(formatSocketError(foreign, 'stream', (e) => logged.push(e)).extensions.code).toBe('INTERNAL_SERVER_ERROR');
    expect(logged).toHaveLength(3);
  });

  it('keeps the documented codes of graphql-js and Apollo', () => {
    for (const code of [
      'GRAPHQL_PARSE_FAILED',
      'GRAPHQL_VALIDATION_FAILED',
      'BAD_REQUEST',
      'PERSISTED_QUERY_NOT_FOUND',
    ]) {
      const e = new GraphQLError('x', { extensions: { code } });
      expect(formatError(e.toJSON(), e, log).extensions.code).toBe(code);
    }
  });

  it('is enforced by the compiler', () => {
    class Teapot extends DomainError {
      // @ts-expect-error: a domain error's code must be an ErrorCode
      readonly code = 'I_AM_A_TEAPOT' as const;
    }
    // @ts-expect-error: an answered error's code must be an ErrorCode
    const answer: AnsweredError = { message: 'x', extensions: { code: 'I_AM_A_TEAPOT' } };
    expect([new Teapot().code, answer.extensions.code]).toEqual(['I_AM_A_TEAPOT', 'I_AM_A_TEAPOT']);
  });
});

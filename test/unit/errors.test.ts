import 'reflect-metadata';
import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { formatSocketError } from '../../src/graphql/errors';
import { NotFoundError } from '../../src/common/errors';

/*
 * The mapping of errors sent over graphql-ws (the e2e tests in hostile-graphql cover what a real socket
 * can produce; a failing event stream cannot be produced there, so its mapping is checked here).
 */
describe('formatSocketError', () => {
  const logged: unknown[] = [];
  const log = (e: unknown) => logged.push(e);

  it('masks and logs a failure of a subscription stream, whatever its message', () => {
    // What graphql-ws makes of a rejected event stream: the cause's message, no code, no path.
    const cause = new Error('relation "secret_table" does not exist: select * from secret_table');
    const f = formatSocketError(new GraphQLError(cause.message, { originalError: cause }), 'stream', log);
    expect(f).toMatchObject({ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
    expect(JSON.stringify(f)).not.toContain('secret_table');
    expect(logged).toContain(cause);
  });

  it("keeps a domain error's code from a stream", () => {
    const cause = new NotFoundError('Ticket', 7);
    expect(formatSocketError(new GraphQLError(cause.message, { originalError: cause }), 'stream', log)).toMatchObject({
      message: 'Ticket 7 does not exist',
      extensions: { code: 'NOT_FOUND' },
    });
  });

  it('files request errors without a cause or a path as BAD_USER_INPUT, and keeps given codes', () => {
    expect(
      formatSocketError(
        new GraphQLError('Variable "$n" got invalid value', {
          originalError: new GraphQLError('Int cannot represent'),
        }),
        'result',
        log,
      ).extensions,
    ).toEqual({ code: 'BAD_USER_INPUT' });
    expect(formatSocketError(new GraphQLError('Unable to identify operation'), 'stream', log).extensions).toEqual({
      code: 'BAD_USER_INPUT',
    });
    expect(
      formatSocketError(new GraphQLError('too deep', { extensions: { code: 'QUERY_TOO_DEEP' } }), 'stream', log)
        .extensions,
    ).toMatchObject({ code: 'QUERY_TOO_DEEP' });
  });
});

import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ErrorCode } from '../common/errors';
import { QUERY_LIMITS, SEND_COST } from './limits';

/** What each code means to a client, shown on the schema's `ErrorCode` values: one entry per code, or tsc fails. */
const MEANING: Record<ErrorCode, string> = {
  BAD_USER_INPUT:
    'The input breaks a rule; nothing was written. `extensions.violations` lists every broken rule as { field, rule, ' +
    'message }, `field` being the input path as sent (e.g. `input.allowedIps[1]`). Also: variables that do not ' +
    'match their types, and text with a NUL character or an unpaired UTF-16 surrogate.',
  UNAUTHENTICATED:
    'Who you are is not known: no `Authorization: Bearer <token>` header where one is needed, a token that is ' +
    'invalid, expired or revoked (HTTP 401; log in again), or a wrong e-mail or password on login.',
  FORBIDDEN:
    'You are logged in but may not do this: a mutation or query for admins only, a field only admins may read ' +
    "(a mailbox's configuration, other staff's e-mail addresses), or a queue whose tickets you may not see.",
  NOT_FOUND:
    'The id names nothing you may see: it does not exist (any more), or it is in a queue that is not yours, or ' +
    "it is another user's notification.",
  RATE_LIMITED:
    'Too many attempts: failed logins from your address or for the account, or more SMS than the send rate ' +
    'allows one user (SEND_MAX_PER_USER per SEND_WINDOW_SECONDS, 30 a minute by default). `extensions.retryAfterSeconds` says when to try again.',
  OPTED_OUT:
    "The recipient's number is in the opt-out registry (texted STOP, provider report or manual); the error " +
    'names when and how (`extensions.phoneNumber`, `optedOutAt`, `optOutSource`). sendSms, replyToTicket and ' +
    "testGateway's test SMS to it are refused until the number opts in again (START or setOptOut).",
  BUSY:
    'The operation waits on work in progress that cannot be called back (eraseCustomer while an SMS to the ' +
    'customer is being handed to its provider); nothing was changed. Try again in a minute.',
  QUERY_TOO_DEEP: `The query nests fields more than ${QUERY_LIMITS.maxDepth} levels deep (\`extensions.maxDepth\`); nothing ran.`,
  QUERY_TOO_COMPLEX:
    `The estimated cost of the query is over ${QUERY_LIMITS.maxComplexity} (\`extensions.cost\`, ` +
    '`extensions.maxComplexity`): each field counts 1, times the page size of the lists it is in; a field that ' +
    `sends an SMS counts ${SEND_COST}. Ask for smaller pages or fewer nested lists; nothing ran.`,
  GRAPHQL_PARSE_FAILED: `The query text is not GraphQL, or longer than ${QUERY_LIMITS.maxTokens} tokens.`,
  GRAPHQL_VALIDATION_FAILED:
    'The query does not match the schema (an unknown field or argument, a wrong type), or asks for the schema ' +
    'where introspection is off (production).',
  OPERATION_RESOLUTION_FAILURE:
    'The document holds several operations and `operationName` is missing, or names none of them.',
  BAD_REQUEST:
    'The HTTP request is not a GraphQL request: no query, a body that is not JSON, a mutation over GET, or a ' +
    'GET without a JSON content type or an `Apollo-Require-Preflight` header (cross-site request protection).',
  PERSISTED_QUERY_NOT_FOUND:
    'An automatic persisted query sent only its hash and this server does not know it yet: send it again with ' +
    'the query text.',
  INTERNAL_SERVER_ERROR:
    'Something failed on our side (the database away, a bug). The message says no more; the details are in the ' +
    'service log. Safe to retry a query; check before retrying a mutation.',
};

registerEnumType(ErrorCode, {
  name: 'ErrorCode',
  description:
    'The code in `errors[].extensions.code` of every error the API answers, over HTTP and graphql-ws alike. ' +
    'The message is for people; clients decide on the code.',
  valuesConfig: Object.fromEntries(Object.entries(MEANING).map(([code, description]) => [code, { description }])),
});

@ObjectType({ description: 'One rule one input field broke (BAD_USER_INPUT).' })
export class FieldViolation {
  @Field({ description: 'The input path as the client sent it, e.g. `input.allowedIps[1]` or `text`.' })
  field!: string;

  @Field({ description: 'The rule, e.g. `required`, `maxLength`, `phoneNumber`, `unique`, `exists`.' })
  rule!: string;

  @Field({ description: 'What is wrong, in words a person understands.' })
  message!: string;
}

/**
 * The shape of `extensions` on every error, in the schema for client developers and typed clients; no field
 * returns it.
 */
@ObjectType({
  description:
    'What `errors[].extensions` holds (no field returns this type; it documents the errors). Besides `code`, ' +
    'only the facts that belong to that code are present.',
})
export class ErrorExtensions {
  @Field(() => ErrorCode, { description: 'What went wrong; see ErrorCode for each value.' })
  code!: ErrorCode;

  @Field(() => [FieldViolation], { nullable: true, description: 'BAD_USER_INPUT: every rule the input broke.' })
  violations?: FieldViolation[];

  @Field(() => Int, { nullable: true, description: 'RATE_LIMITED: seconds until a new attempt may succeed.' })
  retryAfterSeconds?: number;

  @Field(() => Int, { nullable: true, description: 'QUERY_TOO_DEEP: the deepest nesting allowed.' })
  maxDepth?: number;

  @Field(() => Int, { nullable: true, description: 'QUERY_TOO_COMPLEX: the estimated cost of the query.' })
  cost?: number;

  @Field(() => Int, { nullable: true, description: 'QUERY_TOO_COMPLEX: the highest cost allowed.' })
  maxComplexity?: number;

  @Field(() => String, { nullable: true, description: 'OPTED_OUT: the number refused, in E.164.' })
  phoneNumber?: string;

  @Field(() => String, { nullable: true, description: 'OPTED_OUT: when the number opted out (ISO 8601).' })
  optedOutAt?: string;

  @Field(() => String, {
    nullable: true,
    description: 'OPTED_OUT: how it opted out: KEYWORD (texted STOP), PROVIDER_REPORT or MANUAL.',
  })
  optOutSource?: string;

  @Field(() => String, {
    nullable: true,
    description: 'Every error: the id of the request it answers (X-Request-Id), to quote to an operator.',
  })
  requestId?: string;
}

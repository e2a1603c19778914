import {
  GraphQLError,
  getNamedType,
  getNullableType,
  isListType,
  getArgumentValues,
  getVariableValues,
  isInterfaceType,
  isObjectType,
  BREAK,
  Kind,
  getOperationAST,
  parse,
  visit,
  specifiedRules,
  validate,
  type ASTVisitor,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLNamedType,
  type OperationDefinitionNode,
  type GraphQLSchema,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import type { ApolloServerPlugin } from '@apollo/server';
import { ErrorCode, ValidationError } from '../common/errors';
import { MAX_PAGE } from './connection';
import { isUnstorable } from '../common/text';
import { MAX_ATTACHMENTS } from '../modules/inbound/attachment.entity';

/**
 * What one GraphQL request may ask for. Checked before anything runs (HTTP and graphql-ws alike), so an
 * over-limit query costs a parse and a walk of its AST, never a database round trip.
 */
export const QUERY_LIMITS = {
  /** Nesting of fields below the operation (`notifications.edges.node.ticket.messages.text` is 6). */
  maxDepth: 12,
  /** Estimated fields resolved: each field 1, times the page size of list fields (see `estimator`). */
  maxComplexity: 10_000,
  /** Lexical tokens of the query text: bounds parse time and AST size before any rule runs. */
  maxTokens: 5_000,
};

/**
 * The cost of a field that sends an SMS (`sendSms`, `replyToTicket`; set on the field as its `cost`
 * extension): a tenth of the limit, so one request cannot alias hundreds of paid sends.
 */
export const SEND_COST = QUERY_LIMITS.maxComplexity / 10;

/** Error codes of refused queries (kept by formatError even though Apollo calls them validation failures). */
export const LIMIT_CODES: ReadonlySet<ErrorCode> = new Set([ErrorCode.QUERY_TOO_DEEP, ErrorCode.QUERY_TOO_COMPLEX]);

/** Page size assumed for a field whose `first`/`last` has no value (none given, no default: `notifications` reads 20 too) or cannot be read. */
const DEFAULT_PAGE = 20;
/**
 * Size assumed for a plain list field without paging arguments (`gateways`, `queues`): lists an admin keeps
 * short. Lists that can grow with traffic or staff (a ticket's messages, a customer's tickets, a queue's
 * members) take `first` instead, so they count at their page size.
 */
const PLAIN_LIST = 10;
/** Plain lists whose size another rule bounds above PLAIN_LIST: counted at that bound. */
const LIST_SIZES: Record<string, number> = { 'Message.attachments': MAX_ATTACHMENTS };

/**
 * Depth limit as a validation rule. Hand-written rather than graphql-depth-limit (unmaintained since 2017)
 * or graphql-armor (its one rule depends on its own graphql copy; two copies break "another realm" checks):
 * follows fragments, and skips introspection (`__schema`/`__type`, whose `ofType` chains are deep by design).
 */
export function depthLimitRule(maxDepth = QUERY_LIMITS.maxDepth): ValidationRule {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const d of context.getDocument().definitions)
      if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
    const depthOf = (set: SelectionSetNode | undefined, depth: number, seen: Set<string>): number => {
      if (!set || depth > maxDepth) return depth;
      let max = depth;
      for (const s of set.selections) {
        if (s.kind === Kind.FIELD) {
          if (s.name.value.startsWith('__')) continue;
          max = Math.max(max, s.selectionSet ? depthOf(s.selectionSet, depth + 1, seen) : depth + 1);
        } else if (s.kind === Kind.INLINE_FRAGMENT) {
          max = Math.max(max, depthOf(s.selectionSet, depth, seen));
        } else {
          const f = fragments.get(s.name.value);
          if (!f || seen.has(f.name.value)) continue; // unknown or cyclic: other rules report those
          max = Math.max(max, depthOf(f.selectionSet, depth, new Set(seen).add(f.name.value)));
        }
      }
      return max;
    };
    return {
      OperationDefinition(op) {
        const depth = depthOf(op.selectionSet, 0, new Set());
        if (depth > maxDepth) {
          context.reportError(
            new GraphQLError(
              `The query is nested ${depth > maxDepth + 1 ? 'more than ' + maxDepth : depth} levels deep; at most ${maxDepth} are allowed`,
              {
                nodes: [op],
                extensions: { code: ErrorCode.QUERY_TOO_DEEP, maxDepth },
              },
            ),
          );
        }
      },
    };
  };
}

/**
 * The estimated cost of an operation: each field 1, plus its children times how many of them there may be.
 * Fields with `first`/`last` count that page (capped at MAX_PAGE; the argument's default when absent, DEFAULT_PAGE
 * when it cannot be read), `edges` then counts 1 as its parent already counted the page; other lists count
 * LIST_SIZES or PLAIN_LIST. Fragments are expanded; @skip/@include are
 * ignored (the cost is an upper bound). Written on graphql's own utilities rather than graphql-query-complexity:
 * that package's ESM build loads graphql's ESM copy under vitest ("another module or realm"), and a cost check
 * that fails open on such an error is no check at all.
 */
export function queryComplexity(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables?: Record<string, unknown> | null,
  operationName?: string | null,
): number {
  const ops = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const op = operationName ? ops.find((o) => o.name?.value === operationName) : ops.length === 1 ? ops[0] : undefined;
  if (!op) return 0; // execution reports the missing operation; nothing runs
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const coerced = getVariableValues(schema, op.variableDefinitions ?? [], variables ?? {});
  const vars = coerced.coerced ?? {};
  const root = schema.getRootType(op.operation);
  if (!root) return 0;

  const costOf = (type: GraphQLNamedType, set: SelectionSetNode | undefined, seen: Set<string>): number => {
    if (!set) return 0;
    let total = 0;
    for (const s of set.selections) {
      if (s.kind === Kind.FIELD) {
        if (s.name.value.startsWith('__')) continue;
        const field = isObjectType(type) || isInterfaceType(type) ? type.getFields()[s.name.value] : undefined;
        if (!field) continue; // unknown field: validation refuses it
        // A field's own cost: 1, or what it declares (fields that spend money, SEND_COST).
        const own = typeof field.extensions?.cost === 'number' ? field.extensions.cost : 1;
        let n = 1;
        if (field.args.some((a) => a.name === 'first' || a.name === 'last')) {
          let args: Record<string, unknown> = {};
          try {
            args = getArgumentValues(field, s, vars);
          } catch {
            /* bad argument: validation or execution reports it */
          }
          const page = (args.first ?? args.last) as unknown;
          n = typeof page === 'number' && Number.isFinite(page) ? Math.min(Math.max(page, 1), MAX_PAGE) : DEFAULT_PAGE;
        } else if (isListType(getNullableType(field.type)) && field.name !== 'edges')
          n = LIST_SIZES[`${type.name}.${field.name}`] ?? PLAIN_LIST;
        total += own + n * costOf(getNamedType(field.type), s.selectionSet, seen);
      } else if (s.kind === Kind.INLINE_FRAGMENT) {
        const cond = s.typeCondition ? schema.getType(s.typeCondition.name.value) : type;
        total += costOf(cond ?? type, s.selectionSet, seen);
      } else {
        const f = fragments.get(s.name.value);
        if (!f || seen.has(f.name.value)) continue;
        total += costOf(
          schema.getType(f.typeCondition.name.value) ?? type,
          f.selectionSet,
          new Set(seen).add(f.name.value),
        );
      }
      if (total > 1e12) return total;
    }
    return total;
  };
  return costOf(root, op.selectionSet, new Set());
}

/** Refuses an operation over the cost limit; undefined when it may run. */
export function complexityError(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables?: Record<string, unknown> | null,
  operationName?: string | null,
): GraphQLError | undefined {
  const cost = queryComplexity(schema, document, variables, operationName);
  if (cost <= QUERY_LIMITS.maxComplexity) return undefined;
  return new GraphQLError(
    `The query is too complex: its estimated cost is ${cost}, at most ${QUERY_LIMITS.maxComplexity} is allowed; ask for smaller pages or fewer nested lists`,
    {
      extensions: {
        code: ErrorCode.QUERY_TOO_COMPLEX,
        cost,
        maxComplexity: QUERY_LIMITS.maxComplexity,
        http: { status: 400 },
      },
    },
  );
}

function hasUnstorable(v: unknown, depth = 0): boolean {
  if (typeof v === 'string') return isUnstorable(v);
  if (!v || typeof v !== 'object' || depth > 32) return false;
  return Object.entries(v as Record<string, unknown>).some(([k, x]) => isUnstorable(k) || hasUnstorable(x, depth + 1));
}

/**
 * Refuses text no column can store (a NUL character or an unpaired surrogate, in a variable or a string
 * literal) with BAD_USER_INPUT, instead of the database error a resolver would meet halfway through.
 */
export function unstorableTextError(
  document: DocumentNode,
  variables?: Record<string, unknown> | null,
): GraphQLError | undefined {
  let bad = hasUnstorable(variables);
  if (!bad) {
    visit(document, {
      StringValue(node) {
        if (isUnstorable(node.value)) {
          bad = true;
          return BREAK;
        }
        return undefined;
      },
    });
  }
  if (!bad) return undefined;
  return new GraphQLError('Text must not contain NUL characters or unpaired UTF-16 surrogates', {
    extensions: { code: ErrorCode.BAD_USER_INPUT, http: { status: 400 } },
  });
}

/** Apollo: the cost check needs the variables (page sizes), so it runs once the operation is resolved, before execution. */
export function complexityPlugin<C extends object>(): ApolloServerPlugin<C> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, request }) {
          const err =
            unstorableTextError(document, request.variables) ??
            complexityError(schema, document, request.variables, request.operationName);
          if (err) throw err;
        },
      };
    },
  };
}

/** `@Arg(name, lengthLimit(name, max))`: refuses a longer string with BAD_USER_INPUT before the resolver runs. */
export function lengthLimit(field: string, max: number): { validateFn: (value: unknown) => void } {
  return {
    validateFn: (value) => {
      if (typeof value === 'string' && value.length > max)
        throw ValidationError.single(field, 'maxLength', `must be at most ${max} characters`);
    },
  };
}

/**
 * graphql-ws: parse (token limit), validate (graphql's rules and the depth limit) and price an operation the
 * way Apollo does for HTTP; the execution args, or the errors that refuse it before it runs.
 */
export function wsExecutionArgs(
  schema: GraphQLSchema,
  payload: { query: string; operationName?: string | null; variables?: Record<string, unknown> | null },
):
  | {
      schema: GraphQLSchema;
      document: DocumentNode;
      operationName?: string | null;
      variableValues?: Record<string, unknown> | null;
    }
  | GraphQLError[] {
  let document: DocumentNode;
  try {
    document = parse(payload.query, { maxTokens: QUERY_LIMITS.maxTokens });
  } catch (e) {
    // The codes Apollo gives the same failures over HTTP.
    const at = e instanceof GraphQLError ? { source: e.source, positions: e.positions } : {};
    return [
      new GraphQLError(e instanceof GraphQLError ? e.message : 'The query could not be parsed', {
        ...at,
        extensions: { code: ErrorCode.GRAPHQL_PARSE_FAILED },
      }),
    ];
  }
  const errors = validate(schema, document, [...specifiedRules, depthLimitRule()]);
  if (errors.length)
    return errors.map((e) =>
      e.extensions.code
        ? e
        : new GraphQLError(e.message, { nodes: e.nodes, extensions: { code: ErrorCode.GRAPHQL_VALIDATION_FAILED } }),
    );
  if (!getOperationAST(document, payload.operationName ?? undefined)) {
    // What Apollo answers over HTTP (graphql-ws would say "Unable to identify operation", without a code).
    const message = payload.operationName
      ? `Unknown operation named "${payload.operationName}".`
      : 'Must provide operation name if query contains multiple operations.';
    return [new GraphQLError(message, { extensions: { code: ErrorCode.OPERATION_RESOLUTION_FAILURE } })];
  }
  const tooComplex =
    unstorableTextError(document, payload.variables) ??
    complexityError(schema, document, payload.variables, payload.operationName);
  if (tooComplex) {
    const { http: _http, ...extensions } = tooComplex.extensions;
    return [new GraphQLError(tooComplex.message, { extensions })]; // no HTTP status on a socket
  }
  return { schema, document, operationName: payload.operationName, variableValues: payload.variables };
}

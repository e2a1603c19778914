import { ClassType, Field, ObjectType } from 'type-graphql';
import { ValidationError } from '../common/errors';

@ObjectType({ description: 'Relay-style page information.' })
export class PageInfo {
  @Field({ description: 'More items follow this page: ask again with `after: endCursor`.' }) hasNextPage!: boolean;
  @Field({ description: 'Items come before this page (it was asked for after a cursor, or more remain backward).' })
  hasPreviousPage!: boolean;
  @Field({ nullable: true, description: 'The cursor of the first item of the page; null when the page is empty.' })
  startCursor?: string;
  @Field({ nullable: true, description: 'The cursor of the last item of the page; null when the page is empty.' })
  endCursor?: string;
}

export interface Edge<T> {
  node: T;
  cursor: string;
}

export interface Connection<T> {
  edges: Edge<T>[];
  pageInfo: PageInfo;
  totalCount?: number;
}

/** Builds `<Name>Connection` and `<Name>Edge` object types for a node type. */
export function ConnectionType<T extends object>(node: ClassType<T>, name: string) {
  @ObjectType(`${name}Edge`, { description: `One ${name} of a page, with its cursor.` })
  class EdgeType {
    @Field(() => node, { description: `The ${name}.` }) node!: T;
    @Field({ description: 'An opaque position: pass it as `after` to read on from here.' }) cursor!: string;
  }
  @ObjectType(`${name}Connection`, { description: `A page of ${name} items (Relay-style).` })
  class ConnectionClass {
    @Field(() => [EdgeType], { description: "The items of this page, in the list's order." }) edges!: EdgeType[];
    @Field(() => PageInfo, { description: 'Whether more pages exist, and the cursors to reach them.' })
    pageInfo!: PageInfo;
  }
  return ConnectionClass as ClassType<Connection<T>>;
}

/** Opaque cursors: base64url of the keyset values, so clients cannot depend on their shape. */
export function encodeCursor(values: unknown[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

export function decodeCursor(cursor: string, field = 'after'): unknown[] {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(v)) return v;
  } catch {
    /* fall through */
  }
  throw ValidationError.single(field, 'cursor', 'is not a cursor this API gave out');
}

/** Cuts a page fetched with `limit: first + 1` into a connection. */
export function toConnection<T>(
  rows: T[],
  first: number,
  cursorOf: (row: T) => unknown[],
  hasPrevious: boolean,
): Connection<T> {
  const page = rows.slice(0, first);
  const edges = page.map((node) => ({ node, cursor: encodeCursor(cursorOf(node)) }));
  return {
    edges,
    pageInfo: {
      hasNextPage: rows.length > first,
      hasPreviousPage: hasPrevious,
      startCursor: edges[0]?.cursor,
      endCursor: edges.at(-1)?.cursor,
    },
  };
}

export const MAX_PAGE = 100;

/** Validates a `first` argument. */
export function pageSize(first: number): number {
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE) {
    throw ValidationError.single('first', 'range', `must be a whole number from 1 to ${MAX_PAGE}`);
  }
  return first;
}

/** The `after` argument of a plain list (a ticket's messages, a queue's members): the id of the last row the client has. */
export function afterId(after: string | undefined | null): number | undefined {
  if (after == null) return undefined;
  if (!/^[0-9]{1,10}$/.test(after) || Number(after) <= 0 || Number(after) > 2_147_483_647)
    throw ValidationError.single('after', 'cursor', `"${after}" is not an id this API gave out`);
  return Number(after);
}

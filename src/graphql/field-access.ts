import { defaultFieldResolver, isObjectType, type GraphQLSchema } from 'graphql';
import { ForbiddenError } from '../common/errors';
import { Role } from '../modules/auth/user.entity';
import type { Context } from './context';

/** Who may read a field: `parent` is the object the field belongs to; `caller` is null without one. */
type Rule = (caller: Caller | null, parent: unknown) => boolean;

/** Who asks: the user of the request's token, or the one `login` authenticated in this very request. */
interface Caller {
  id: number;
  role?: Role;
}

const anyone: Rule = () => true;
const admins: Rule = (caller) => caller?.role === Role.ADMIN;

/**
 * Fields some users may not read, by type; `*` is the rule of every field of the type not named. Checked where
 * the field resolves, so every way to the type is covered (a ticket's mailbox, a message's author, a queue's
 * members, a subscription's push). A field the caller may not read answers FORBIDDEN.
 */
export const FIELD_ACCESS: Record<string, Record<string, Rule>> = {
  // A mailbox's configuration (login, URLs, IP list, generic HTTP template, tests, webhook URLs, and any field
  // added later) is for admins; agents see what they need to choose a mailbox to send from
  // (and whether it replaces Polish letters, which changes what a text costs).
  Gateway: {
    '*': admins,
    id: anyone,
    name: anyone,
    provider: anyone,
    canSend: anyone,
    replacePolishDiacritics: anyone,
    hasPassword: anyone,
    hasCertificate: anyone,
    hasWebhookToken: anyone,
  },
  // Staff e-mail addresses are for admins; agents see each other's names, and their own address.
  User: {
    email: (caller, parent) =>
      caller?.role === Role.ADMIN || (caller !== null && (parent as { id?: number }).id === caller.id),
  },
};

/** The user a `login` answers with, by request: that request's caller, though it came without a token. */
const loggedIn = new WeakMap<object, Caller>();

function callerOf(ctx: Context): Caller | null {
  return ctx.user ?? loggedIn.get(ctx) ?? null;
}

/** Records who `LoginResult.user` is, for the rules of its fields. */
function recordLogin(schema: GraphQLSchema): void {
  const type = schema.getType('LoginResult');
  const field = isObjectType(type) ? type.getFields().user : undefined;
  if (!field) throw new Error('field access: LoginResult.user is not in the schema');
  const resolve = field.resolve ?? defaultFieldResolver;
  field.resolve = async (parent, args, ctx: Context, info) => {
    const user = (await resolve(parent, args, ctx, info)) as { id: number; role?: Role } | null;
    if (user) loggedIn.set(ctx, { id: user.id, role: user.role });
    return user;
  };
}

/** Puts FIELD_ACCESS in front of the resolvers of `schema` (in place); returns it. */
export function withFieldAccess(schema: GraphQLSchema, rules = FIELD_ACCESS): GraphQLSchema {
  recordLogin(schema);
  for (const [typeName, byField] of Object.entries(rules)) {
    const type = schema.getType(typeName);
    if (!isObjectType(type)) throw new Error(`field access: ${typeName} is not an object type of the schema`);
    for (const field of Object.values(type.getFields())) {
      const rule = byField[field.name] ?? byField['*'];
      if (!rule || rule === anyone) continue;
      const resolve = field.resolve ?? defaultFieldResolver;
      field.resolve = (parent, args, ctx: Context, info) => {
        if (!rule(callerOf(ctx), parent)) throw new ForbiddenError(`You may not read ${typeName}.${field.name}`);
        return resolve(parent, args, ctx, info);
      };
    }
  }
  return schema;
}

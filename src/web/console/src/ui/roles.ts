import type { Role } from '../gql/graphql';

/** How the console names a role to people. */
export const ROLE_LABELS: Record<Role, string> = { ADMIN: 'Administrator', AGENT: 'Agent' };

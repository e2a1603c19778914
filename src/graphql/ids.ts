import { NotFoundError } from '../common/errors';

/** GraphQL IDs are strings; ours are positive integers. Anything else cannot exist. */
export function idOf(id: string, entity: string): number {
  const n = Number(id);
  if (!/^[0-9]{1,10}$/.test(id) || !Number.isSafeInteger(n) || n <= 0 || n > 2_147_483_647)
    throw new NotFoundError(entity, id);
  return n;
}

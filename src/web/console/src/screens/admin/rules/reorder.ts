/**
 * The position changes that move the rule at `from` to `to` and make the list's order the walk order. Positions
 * may repeat (the walk then goes by id) or have gaps, so swapping two positions is not enough: every rule whose
 * position is not its new index gets that index.
 */
export function positionChanges<R extends { id: string; position: number }>(
  rules: readonly R[],
  from: number,
  to: number,
): { id: string; position: number }[] {
  const order = [...rules];
  const [moved] = order.splice(from, 1);
  order.splice(to, 0, moved);
  return order.flatMap((r, index) => (r.position === index ? [] : [{ id: r.id, position: index }]));
}

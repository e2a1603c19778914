import { describe, expect, it } from 'vitest';
import { route, type RuleLike } from '../../src/modules/rules/rule-engine';

const rule = (
  id: number,
  position: number,
  gatewayId: number | null,
  queueId: number,
  stop = true,
  active = true,
): RuleLike => ({
  id,
  name: `r${id}`,
  position,
  active,
  gatewayId,
  queueId,
  stop,
});
const msg = (gatewayId: number) => ({ gatewayId, from: '+48500100200', text: 'hi' });

describe('rule engine', () => {
  it('no rules: default queue (null)', () => {
    expect(route([], msg(1))).toEqual({ queueId: null, applied: [] });
  });
  it('first matching rule by position wins when it stops, whatever the array order', () => {
    const rules = [rule(1, 5, 1, 50), rule(2, 1, 1, 10), rule(3, 3, null, 30)];
    const d = route(rules, msg(1));
    expect(d.queueId).toBe(10);
    expect(d.applied.map((s) => s.ruleId)).toEqual([2]);
  });
  it('skips rules for other mailboxes and inactive rules', () => {
    const rules = [rule(1, 0, 2, 20), rule(2, 1, 1, 11, true, false), rule(3, 2, 1, 12)];
    expect(route(rules, msg(1)).queueId).toBe(12);
  });
  it('without stop the walk goes on and a later match re-routes; stop ends it', () => {
    const rules = [rule(1, 0, null, 1, false), rule(2, 1, 7, 2, true), rule(3, 2, null, 3, true)];
    const d = route(rules, msg(7));
    expect(d.queueId).toBe(2);
    expect(d.applied.map((s) => [s.ruleId, s.stopped])).toEqual([
      [1, false],
      [2, true],
    ]);
    expect(route(rules, msg(8)).queueId).toBe(3);
  });
  it('orders equal positions by id', () => {
    expect(route([rule(9, 0, null, 9), rule(4, 0, null, 4)], msg(1)).queueId).toBe(4);
  });
  it('a gateway-less rule catches every mailbox', () => {
    expect(route([rule(1, 0, null, 42)], msg(123)).queueId).toBe(42);
  });
});

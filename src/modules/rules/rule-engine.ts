/**
 * The rule engine: a pure function over the rules and one message, so it is unit-tested without a
 * database and previewable (`previewMessageRules`). Rules are walked by position (then id); inactive
 * ones are skipped; the first match decides the queue; "stop" ends the walk. A later matching rule
 * without an earlier stop may still re-route (the last applied "move to queue" wins), which is what
 * "move to queue Y, then continue" means in the product's rule editor.
 */
export interface RuleLike {
  id: number;
  name: string;
  position: number;
  active: boolean;
  /** Condition "retrieved from mailbox": null matches any mailbox. */
  gatewayId: number | null;
  /** Action "move to queue". */
  queueId: number;
  stop: boolean;
}

/** A rule as the database function `active_rules()` gives it (src/db/functions/active_rules.sql). */
export type RuleRow = [
  id: number,
  position: number,
  gatewayId: number | null,
  queueId: number,
  stop: boolean,
  name: string,
];

/** The rules of `active_rules()` for the engine. */
export function rulesOfRows(rows: RuleRow[]): RuleLike[] {
  return rows.map(([id, position, gatewayId, queueId, stop, name]) => ({
    id,
    position,
    gatewayId,
    queueId,
    stop,
    name,
    active: true,
  }));
}

export interface MessageFacts {
  gatewayId: number;
  from: string;
  text: string;
}

export interface RuleStep {
  ruleId: number;
  ruleName: string;
  queueId: number;
  stopped: boolean;
}

export interface RoutingDecision {
  /** The queue the message goes to; null: no rule matched, use the default queue. */
  queueId: number | null;
  /** The rules that applied, in order; the last one decided the queue. */
  applied: RuleStep[];
}

export function matches(rule: RuleLike, msg: MessageFacts): boolean {
  return rule.gatewayId === null || rule.gatewayId === msg.gatewayId;
}

export function route(rules: readonly RuleLike[], msg: MessageFacts): RoutingDecision {
  const ordered = [...rules].sort((a, b) => a.position - b.position || a.id - b.id);
  const applied: RuleStep[] = [];
  for (const rule of ordered) {
    if (!rule.active || !matches(rule, msg)) continue;
    applied.push({ ruleId: rule.id, ruleName: rule.name, queueId: rule.queueId, stopped: rule.stop });
    if (rule.stop) break;
  }
  return { queueId: applied.at(-1)?.queueId ?? null, applied };
}

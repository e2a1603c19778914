import type { RulesRuleFragment } from '../../../gql/graphql';

/** A rule as the product writes it: "Retrieved from mailbox SMSAPI → Move to the queue Sales and stop". */
export function ruleWording(rule: Pick<RulesRuleFragment, 'gateway' | 'queue' | 'stop'>): string {
  const from = rule.gateway ? `Retrieved from mailbox ${rule.gateway.name}` : 'Retrieved from any mailbox';
  return `${from} → Move to the queue ${rule.queue.name}${rule.stop ? ' and stop' : ''}`;
}

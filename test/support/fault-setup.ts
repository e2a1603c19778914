import { must } from './process';

/**
 * The helpdesk the fault tests run against, created through the API: two agents in one queue, an SMSAPI
 * mailbox routed to it by a rule. Optional extra mailbox inputs (e.g. an outbound one at a fake).
 */
export interface Helpdesk {
  agents: { id: string; token: string }[];
  queueId: string;
  gatewayId: string;
  /** Our number as SMSAPI writes it (no "+"). */
  our: string;
}

export async function createHelpdesk(url: string, admin: string, gateway: Record<string, unknown> = {}): Promise<Helpdesk> {
  const agents: { id: string; token: string }[] = [];
  for (const n of [1, 2]) {
    const email = `agent${n}.${Date.now()}@fault.test`;
    const u = await must(url, `mutation($i: CreateUserInput!) { createUser(input: $i) { id } }`, { i: { email, name: `Agent ${n}`, password: 'agent-pass-1', role: 'AGENT' } }, admin);
    const t = await must(url, `mutation($e:String!,$p:String!){ login(email:$e,password:$p){ token } }`, { e: email, p: 'agent-pass-1' });
    agents.push({ id: u.createUser.id, token: t.login.token });
  }
  const queueId = (await must(url, `mutation($i: QueueInput!) { createQueue(input: $i) { id } }`, { i: { name: 'Support', memberIds: agents.map((a) => a.id) } }, admin)).createQueue.id;
  const our = '48732123456';
  const gatewayId = (
    await must(url, `mutation($i: GatewayInput!) { createGateway(input: $i) { id } }`, { i: { name: 'SMSAPI main', provider: 'SMSAPI', password: 'oauth-token-123', destinationNumber: our, incomingActive: true, ...gateway } }, admin)
  ).createGateway.id;
  await must(url, `mutation($i: MessageRuleInput!) { createMessageRule(input: $i) { id } }`, { i: { name: 'SMSAPI → Support', position: 0, gatewayId, queueId, stop: true } }, admin);
  return { agents, queueId, gatewayId, our };
}

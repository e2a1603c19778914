import path from 'node:path';
import { CERTS } from '../fakes/base';
import { ok } from './api';
import type { TestApp } from './app';
import { waitFor } from './wait';

/** Sending through the API: fast outbound timings (instead of sleeping), the operations, and a message's state. */

/** Outbound knobs for tests (pass them to startTestApp): short timeouts and backoffs; the fakes' CA trusted. */
export const FAST_OUTBOUND_ENV: Record<string, string> = {
  OUTBOUND_HTTP_TIMEOUT_MS: '800',
  OUTBOUND_RETRY_BASE_MS: '20',
  OUTBOUND_RETRY_MAX_MS: '50',
  OUTBOUND_MAX_ATTEMPTS: '3',
  OUTBOUND_DLR_POLL_BASE_MS: '20',
  OUTBOUND_DLR_POLL_MAX_MS: '50',
  PROVIDER_EXTRA_CA_FILE: path.join(CERTS, 'ca.pem'),
};

export const MESSAGE_FIELDS = `id direction status from to text parts encoding providerMessageId errorCode errorMessage cost sentAt deliveredAt gateway { id name } ticket { id status queue { name } customer { id name } }`;

export const SEND = `mutation($i: SendSmsInput!) { sendSms(input: $i) { ${MESSAGE_FIELDS} } }`;
export const REPLY = `mutation($t: ID!, $x: String!) { replyToTicket(ticketId: $t, text: $x) { ${MESSAGE_FIELDS} } }`;

/** A message as the GraphQL API shows it (through its ticket). */
export async function messageOf(t: TestApp, token: string, ticketId: string, id: string) {
  const r = ok(
    await t.gql(`query($id: ID!) { ticket(id: $id) { messages { ${MESSAGE_FIELDS} } } }`, { id: ticketId }, token),
  );
  return (r.ticket.messages as { id: string; status: string; [k: string]: unknown }[]).find((m) => m.id === id)!;
}

/** Waits until the message leaves QUEUED (or reaches `status`) and returns it as the API shows it. */
export async function settled(
  t: TestApp,
  token: string,
  m: { id: string; ticket: { id: string } },
  status?: string,
  timeoutMs = 10_000,
) {
  return waitFor(
    async () => {
      const x = await messageOf(t, token, m.ticket.id, m.id);
      return (status ? x.status === status : x.status !== 'QUEUED') ? x : undefined;
    },
    `message ${m.id} to be ${status ?? 'settled'}`,
    timeoutMs,
  );
}

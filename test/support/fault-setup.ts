import pg from 'pg';
import { apiAt, createAgent, createGateway, createQueue, createRule, login } from './api';
import { createTestDatabase } from './app';
import { newSecretKey, startService, type ServiceOptions, type ServiceProcess } from './process';

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

export async function createHelpdesk(
  url: string,
  admin: string,
  gateway: Record<string, unknown> = {},
): Promise<Helpdesk> {
  const api = apiAt(url);
  const agents = [await createAgent(api, admin, 'Agent 1'), await createAgent(api, admin, 'Agent 2')];
  const queueId = await createQueue(
    api,
    admin,
    'Support',
    agents.map((a) => a.id),
  );
  const our = '48732123456';
  const { id: gatewayId } = await createGateway(api, admin, {
    name: 'SMSAPI main',
    provider: 'SMSAPI',
    password: 'oauth-token-123',
    destinationNumber: our,
    incomingActive: true,
    ...gateway,
  });
  await createRule(api, admin, { name: 'SMSAPI → Support', position: 0, gatewayId, queueId, stop: true });
  return { agents, queueId, gatewayId, our };
}

/** What a fault test runs against: the compiled service on a fresh database, with the helpdesk set up. */
export interface FaultRig {
  dbUrl: string;
  /** The key the service seals secrets with: a restart on the same database needs it. */
  secretKey: string;
  svc: ServiceProcess;
  /** A pool on the service's database, for asserting what is stored. */
  db: pg.Pool;
  admin: string;
  desk: Helpdesk;
}

/** Starts the service on a fresh database and creates the helpdesk; `gateway` adds to its mailbox input. */
export async function startFaultRig(
  o: Pick<ServiceOptions, 'env' | 'nodeArgs'> & { gateway?: Record<string, unknown> } = {},
): Promise<FaultRig> {
  const dbUrl = await createTestDatabase();
  const secretKey = newSecretKey();
  const svc = await startService({ databaseUrl: dbUrl, secretKey, env: o.env, nodeArgs: o.nodeArgs });
  const db = new pg.Pool({ connectionString: dbUrl, max: 2 });
  const admin = await login(svc.url);
  const desk = await createHelpdesk(svc.url, admin, o.gateway);
  return { dbUrl, secretKey, svc, db, admin, desk };
}

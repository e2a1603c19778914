import { createClient, type Client, type ClientOptions } from 'graphql-ws';
import WebSocket from 'ws';
import type { TestApp } from './app';
import { fanoutFor } from '../../src/modules/notifications/fanout';

/** graphql-ws clients of a test: plain ones, and a subscriber that collects its events. */

/**
 * A graphql-ws client of the service at `url` (its HTTP address), authenticated with `token` when given,
 * that does not reconnect unless `options` say so.
 */
export function wsClient(url: string, token?: string, options: Partial<ClientOptions> = {}): Client {
  return createClient({
    url: url.replace('http', 'ws') + '/graphql',
    webSocketImpl: WebSocket,
    ...(token ? { connectionParams: { authorization: `Bearer ${token}` } } : {}),
    retryAttempts: 0,
    ...options,
  });
}

/** graphql-ws hands over GraphQL errors, an Error, or the socket's CloseEvent / ErrorEvent (which JSON shows as {}). */
function describeFailure(f: unknown): string {
  const e = f as { code?: number; reason?: string; message?: string; type?: string; error?: unknown };
  if (typeof e?.code === 'number') return `socket closed with ${e.code} ${e.reason ?? ''}`;
  if (e?.type === 'error') return `socket error: ${(e.error as Error)?.message ?? e.message ?? 'unknown'}`;
  return e?.message ?? JSON.stringify(f);
}

export interface Subscriber {
  events: any[];
  /** Resolves with the first `n` events (or fails after `ms`). */
  take(n: number, ms?: number): Promise<any[]>;
  close(): Promise<void>;
}

/**
 * Close codes a socket may get before its connection is acknowledged for reasons that are not what a
 * test asks about (the server's own clients reconnect on them too): abnormal closure, server error,
 * service restart (live events interrupted), try again later (database away).
 */
const RECONNECT_BEFORE_ACK = [1006, 1011, 1012, 1013];

/** A graphql-ws client subscribed to one operation; waits until the server has registered it. */
export async function subscribe(
  t: Pick<TestApp, 'url'>,
  token: string,
  query: string,
  variables: Record<string, unknown> = {},
  url = t.url,
): Promise<Subscriber> {
  const events: any[] = [];
  const waiters: (() => void)[] = [];
  let failure: unknown;
  let client!: Client;
  let unsubscribe!: () => void;
  for (let attempt = 1; ; attempt++) {
    let settle!: (closeCode?: number) => void;
    const connected = new Promise<number | undefined>((r) => (settle = r));
    failure = undefined;
    client = wsClient(url, token, {
      on: { connected: () => settle(), closed: (e) => settle((e as { code?: number }).code ?? 1006) },
    });
    unsubscribe = client.subscribe(
      { query, variables },
      {
        next: (v) => {
          if (v.errors) failure = v.errors;
          events.push(v.data);
          waiters.splice(0).forEach((w) => w());
        },
        error: (e) => {
          failure = e;
          waiters.splice(0).forEach((w) => w());
        },
        complete: () => {},
      },
    );
    const closedWith = await Promise.race([
      connected,
      new Promise<undefined>((r) => setTimeout(() => r(undefined), 5_000)),
    ]);
    if (closedWith === undefined || !RECONNECT_BEFORE_ACK.includes(closedWith) || attempt === 3) break;
    // Said aloud, so that a run shows how often this happens and with which code.
    console.warn(
      `subscribe: the socket closed with ${closedWith} before the server acknowledged it; connecting again (attempt ${attempt + 1})`,
    );
    await client.dispose();
  }
  // graphql-ws gives no "subscribed" ack: give the server a moment to run the subscribe resolver.
  await new Promise((r) => setTimeout(r, 150));
  return {
    events,
    async take(n, ms = 10_000) {
      const deadline = Date.now() + ms;
      while (events.length < n) {
        if (failure) throw new Error(`subscription failed: ${describeFailure(failure)}`);
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`expected ${n} events, got ${events.length}: ${JSON.stringify(events)}`);
        await new Promise<void>((r) => {
          const timer = setTimeout(r, Math.min(left, 200));
          waiters.push(() => {
            clearTimeout(timer);
            r();
          });
        });
      }
      return events.slice(0, n);
    },
    async close() {
      unsubscribe();
      await client.dispose();
    },
  };
}

/** Local subscriber counts of an app instance's fan-out. */
export function fanoutSize(t: TestApp) {
  return fanoutFor(t.app.ctx.events).size;
}

export const NOTIFICATION_ADDED = `subscription { notificationAdded { id kind title read cursor ticket { id queue { id name } customer { id name } } message { id text from to kind } } }`;

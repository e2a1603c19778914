import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from '@apollo/client';
import { ErrorLink } from '@apollo/client/link/error';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { getMainDefinition } from '@apollo/client/utilities';
import { createClient, type Client } from 'graphql-ws';
import { isSessionExpired } from './errors';

/** The service's API: the console is served by the service, so it is this page's own origin. */
const HTTP_URL = `${location.origin}/graphql`;
const WS_URL = HTTP_URL.replace(/^http/, 'ws');

/**
 * graphql-ws close codes of the service (src/graphql/close-codes.ts WsClose) about the token: none was sent
 * (Unauthorized), or it is no good any more or its user's role changed (Forbidden).
 */
const WS_UNAUTHORIZED = 4401;
const WS_FORBIDDEN = 4403;
const CLOSED_FOR_TOKEN = new Set([WS_UNAUTHORIZED, WS_FORBIDDEN]);

export interface SessionEvents {
  /** The service says the token is no longer valid (expired, revoked, user deactivated). */
  expired(): void;
  /** The service closed the socket for the token: expired, or the user's role changed; ask which. */
  refused(): void;
}

export interface Api {
  client: ApolloClient;
  ws: Client;
  /**
   * Calls `listener` each time the socket is connected: again after it was lost (live events of the gap are not
   * replayed), and the first time (the socket opens with the first subscription, after that view's first query).
   * A view that must miss nothing reads on from what it has (notifications(after:)). Returns the unsubscribe
   * function.
   */
  onConnected(listener: () => void): () => void;
  dispose(): void;
}

/**
 * One Apollo Client for one login session: queries and mutations over HTTP with the session's bearer token,
 * subscriptions over graphql-ws on the same URL with the token in connectionParams.
 */
export function createApi(token: string, events: SessionEvents): Api {
  // A disposed client's late answers and closes speak for a session that is over: they are not passed on.
  let disposed = false;
  const session: SessionEvents = {
    expired: () => !disposed && events.expired(),
    refused: () => !disposed && events.refused(),
  };
  const connectListeners = new Set<() => void>();
  const ws = createClient({
    url: WS_URL,
    connectionParams: { authorization: `Bearer ${token}` },
    // Reconnect for as long as the page is open (a service restart, a network change); the server's close
    // codes for a bad token stop it.
    retryAttempts: Infinity,
    shouldRetry: (event) => !(event instanceof CloseEvent && CLOSED_FOR_TOKEN.has(event.code)),
    on: {
      connected: () => {
        for (const l of connectListeners) l();
      },
      closed: (event) => {
        if (event instanceof CloseEvent && CLOSED_FOR_TOKEN.has(event.code)) session.refused();
      },
    },
  });
  const expiry = new ErrorLink(({ error }) => {
    if (isSessionExpired(error)) session.expired();
  });
  const http = ApolloLink.from([
    expiry,
    new HttpLink({ uri: HTTP_URL, headers: { authorization: `Bearer ${token}` } }),
  ]);
  const link = ApolloLink.split(
    ({ query }) => {
      const def = getMainDefinition(query);
      return def.kind === 'OperationDefinition' && def.operation === 'subscription';
    },
    new GraphQLWsLink(ws),
    http,
  );
  const client = new ApolloClient({
    link,
    cache: new InMemoryCache({
      typePolicies: {
        // Settings is one object without an id.
        Settings: { keyFields: [] },
      },
    }),
    defaultOptions: { watchQuery: { fetchPolicy: 'cache-and-network' } },
  });
  return {
    client,
    ws,
    onConnected(listener) {
      connectListeners.add(listener);
      return () => connectListeners.delete(listener);
    },
    dispose() {
      disposed = true;
      connectListeners.clear();
      void ws.dispose();
      client.stop();
    },
  };
}

/** An Apollo Client without a token, for the login screen. */
export function createAnonymousClient(): ApolloClient {
  return new ApolloClient({ link: new HttpLink({ uri: HTTP_URL }), cache: new InMemoryCache() });
}

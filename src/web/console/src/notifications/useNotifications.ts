import { useApolloClient, useMutation, useSubscription } from '@apollo/client/react';
import { useCallback, useEffect, useReducer, useRef, useState } from 'react';
import { graphql } from '../gql';
import type { NotificationsEntryFragment } from '../gql/graphql';
import { useApi } from '../session';

graphql(`
  fragment NotificationsEntry on Notification {
    id
    kind
    title
    body
    read
    createdAt
    ticket {
      id
    }
  }
`);

/** How many of the latest notifications the list starts with. */
const LATEST_COUNT = 20;
/** The largest page the API gives when reading on after a cursor. */
const CATCH_UP_PAGE = 100;

const LATEST = graphql(`
  query NotificationsLatest($last: Int!) {
    notifications(last: $last) {
      edges {
        node {
          ...NotificationsEntry
        }
      }
      pageInfo {
        endCursor
      }
    }
    unreadNotificationCount
  }
`);

const AFTER = graphql(`
  query NotificationsAfter($after: String, $first: Int!) {
    notifications(after: $after, first: $first) {
      edges {
        node {
          ...NotificationsEntry
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
    unreadNotificationCount
  }
`);

const ADDED = graphql(`
  subscription NotificationsAdded {
    notificationAdded {
      ...NotificationsEntry
    }
  }
`);

const MARK_READ = graphql(`
  mutation NotificationsMarkRead($id: ID!) {
    markNotificationRead(id: $id) {
      ...NotificationsEntry
    }
  }
`);

const MARK_ALL_READ = graphql(`
  mutation NotificationsMarkAllRead {
    markAllNotificationsRead
  }
`);

export type Entry = NotificationsEntryFragment;

/** Newest first; the id breaks a tie of two made in the same millisecond. */
function newestFirst(a: Entry, b: Entry): number {
  return b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id, 'en', { numeric: true });
}

export interface Notifications {
  entries: Entry[];
  unread: number;
  /** The title of the latest notification pushed, for the page to announce. */
  arrived: string | null;
  error: unknown;
  /** Whether it worked (the error is in `error` otherwise). */
  markRead(id: string): Promise<boolean>;
  markAllRead(): Promise<void>;
  /** Reads whatever was made since the last notifications query (on each connect, or when the list opens). */
  catchUp(): Promise<void>;
}

/**
 * The user's notifications, live: the latest twenty, then each one pushed. Nothing is pushed while the socket is
 * down (or not yet open: it opens after the first query), so on each connect the list reads on from the last
 * cursor a query gave (not a pushed one's: pushes come in commit order, which is not cursor order). Entries are
 * kept by id, so a notification that came both ways is shown once.
 */
export function useNotifications(): Notifications {
  const client = useApolloClient();
  const api = useApi();
  // The entries by id live in a ref so that each arrival is checked against all before it, at once.
  const byId = useRef(new Map<string, Entry>());
  const [, rendered] = useReducer((n: number) => n + 1, 0);
  const [unread, setUnread] = useState(0);
  const [arrived, setArrived] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const cursor = useRef<string | null>(null);
  /** Whether the latest twenty were read: until then, reading on from no cursor would read the whole history. */
  const started = useRef(false);
  const running = useRef<Promise<void>>(Promise.resolve());
  const [markOne] = useMutation(MARK_READ);
  const [markAll] = useMutation(MARK_ALL_READ);

  const keep = useCallback((entries: Entry[]) => {
    for (const e of entries) byId.current.set(e.id, e);
    rendered();
  }, []);

  /** Runs readings one at a time, so that the cursor only moves forward; errors are shown, not thrown. */
  const inTurn = useCallback((read: () => Promise<void>) => {
    const mine = running.current.then(read).catch((e: unknown) => setError(e));
    running.current = mine;
    return mine;
  }, []);

  const readLatest = useCallback(async () => {
    const { data } = await client.query({
      query: LATEST,
      variables: { last: LATEST_COUNT },
      fetchPolicy: 'network-only',
    });
    if (!data) return;
    keep(data.notifications.edges.map((e) => e.node));
    cursor.current = data.notifications.pageInfo.endCursor ?? cursor.current;
    started.current = true;
    setUnread(data.unreadNotificationCount);
  }, [client, keep]);

  const readOn = useCallback(async () => {
    if (!started.current) return readLatest();
    for (;;) {
      const { data } = await client.query({
        query: AFTER,
        variables: { after: cursor.current, first: CATCH_UP_PAGE },
        fetchPolicy: 'network-only',
      });
      if (!data) return;
      const page = data.notifications;
      keep(page.edges.map((e) => e.node));
      cursor.current = page.pageInfo.endCursor ?? cursor.current;
      setUnread(data.unreadNotificationCount);
      if (!page.pageInfo.hasNextPage) return;
    }
  }, [client, keep, readLatest]);

  useEffect(() => {
    void inTurn(readLatest);
  }, [inTurn, readLatest]);

  const catchUp = useCallback(() => {
    setError(null);
    return inTurn(readOn);
  }, [inTurn, readOn]);

  useEffect(() => api.onConnected(() => void catchUp()), [api, catchUp]);

  useSubscription(ADDED, {
    onData: ({ data }) => {
      const n = data.data?.notificationAdded;
      if (!n || byId.current.has(n.id)) return;
      keep([n]);
      if (!n.read) setUnread((u) => u + 1);
      setArrived(n.title);
    },
    onError: setError,
  });

  const markRead = useCallback(
    async (id: string) => {
      setError(null);
      const { data } = await markOne({ variables: { id } }).catch((e: unknown) => {
        setError(e);
        return { data: undefined };
      });
      const n = data?.markNotificationRead;
      if (!n) return false;
      if (byId.current.get(id)?.read === false) setUnread((u) => Math.max(0, u - 1));
      keep([n]);
      return true;
    },
    [markOne, keep],
  );

  const markAllRead = useCallback(async () => {
    setError(null);
    const { data } = await markAll().catch((e: unknown) => {
      setError(e);
      return { data: undefined };
    });
    if (data?.markAllNotificationsRead == null) return;
    keep([...byId.current.values()].map((e) => ({ ...e, read: true })));
    setUnread(0);
    // Anything made since the mark is unread: the service's count says so.
    await catchUp();
  }, [markAll, keep, catchUp]);

  const entries = [...byId.current.values()].sort(newestFirst);
  return { entries, unread, arrived, error, markRead, markAllRead, catchUp };
}

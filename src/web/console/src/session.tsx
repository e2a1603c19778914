import { ApolloProvider } from '@apollo/client/react';
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { createAnonymousClient, createApi, type Api } from './apollo';
import { isSessionExpired } from './errors';
import { graphql } from './gql';
import type { Role } from './gql/graphql';

/** Who the token belongs to now (also: whether it still works). */
export const SESSION_ME = graphql(`
  query SessionMe {
    me {
      id
      name
      email
      role
    }
  }
`);

export interface SessionUser {
  id: string;
  name: string;
  email: string;
  role: Role;
}

export interface Session {
  token: string;
  user: SessionUser;
}

/** Kept in the tab's sessionStorage: a reload keeps the login, closing the tab forgets the token. */
const STORAGE_KEY = 'smsdesk.session';
/** Why the session ended, kept until the next login so that a reload does not swallow it. */
const NOTICE_KEY = 'smsdesk.notice';

function stored(): Session | null {
  try {
    const raw = sessionStorage.getItem(STORAGE_KEY);
    return raw ? (JSON.parse(raw) as Session) : null;
  } catch {
    return null;
  }
}

interface SessionState {
  session: Session | null;
  /** Why the login screen is shown again (an expired session), for the login screen to say. */
  notice: string | null;
  isAdmin: boolean;
  api: Api | null;
  signIn(session: Session): void;
  /** Ends the session here; `notice` is shown on the login screen. */
  signOut(notice?: string): void;
}

const SessionContext = createContext<SessionState | null>(null);

export function useSession(): SessionState {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside SessionProvider');
  return s;
}

/** The logged-in user; only inside the screens behind the login. */
export function useUser(): SessionUser {
  const { session } = useSession();
  if (!session) throw new Error('useUser without a session');
  return session.user;
}

/** The live API of the session (Apollo Client and its graphql-ws socket); only behind the login. */
export function useApi(): Api {
  const { api } = useSession();
  if (!api) throw new Error('useApi without a session');
  return api;
}

export const EXPIRED_NOTICE = 'Your session has expired. Log in again.';

/** The shortest time between two new sockets for one token. */
const REBUILD_MS = 10_000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

/**
 * The login session and the API client that goes with it: one Apollo Client and one socket per session, made
 * on login and disposed of on logout or expiry, so nothing of one user's cache reaches the next.
 */
export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<Session | null>(stored);
  const [notice, setNotice] = useState<string | null>(() => sessionStorage.getItem(NOTICE_KEY));

  const signOut = useCallback((why?: string) => {
    sessionStorage.removeItem(STORAGE_KEY);
    if (why) sessionStorage.setItem(NOTICE_KEY, why);
    else {
      sessionStorage.removeItem(NOTICE_KEY);
      // Logged out on purpose: the next user starts on the first screen, not on this one's (a card, a search).
      history.replaceState(null, '', '/');
    }
    setSession(null);
    setNotice(why ?? null);
  }, []);
  const signIn = useCallback((s: Session) => {
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify(s));
    sessionStorage.removeItem(NOTICE_KEY);
    setNotice(null);
    setSession(s);
  }, []);

  const token = session?.token;
  /** Bumped for a new socket on the same token (the service closes a user's sockets when their role changes). */
  const [generation, setGeneration] = useState(0);
  const current = useRef<Api | null>(null);
  /** When the last new socket for the same token was made (see recheck). */
  const rebuiltAt = useRef(0);
  /**
   * The service closed the socket for the token: it expired or was revoked, or the user's role changed (the
   * same close code). One HTTP request tells which: a 401 ends the session (the client's expiry check), an
   * answer is the user as they are now, with a new socket. The request is tried again while the service cannot
   * be reached; new sockets are made at most every REBUILD_MS (a role change closes a socket once).
   */
  const recheck = useCallback(async () => {
    const api = current.current;
    if (!api || !token) return;
    const stillThis = () => current.current === api;
    let me: SessionUser | undefined;
    for (let wait = 1_000; !me; wait = Math.min(wait * 2, 30_000)) {
      try {
        me = (await api.client.query({ query: SESSION_ME, fetchPolicy: 'network-only' })).data?.me;
      } catch (e) {
        if (isSessionExpired(e)) return;
      }
      if (!stillThis()) return;
      if (!me) await sleep(wait);
    }
    await sleep(rebuiltAt.current + REBUILD_MS - Date.now());
    if (!stillThis()) return;
    rebuiltAt.current = Date.now();
    signIn({ token, user: me });
    setGeneration((g) => g + 1);
  }, [token, signIn]);
  const api = useMemo(
    () => (token ? createApi(token, { expired: () => signOut(EXPIRED_NOTICE), refused: () => void recheck() }) : null),
    // A new generation is a new socket and client for the same token.
    [token, generation, signOut, recheck],
  );
  // The previous session's client and socket go when a new one is made (or the user logs out); compared by
  // identity, so that an effect run twice (React's development checks) disposes of nothing in use.
  useEffect(() => {
    const previous = current.current;
    current.current = api;
    if (previous && previous !== api) previous.dispose();
  }, [api]);
  const anonymous = useMemo(() => (token ? null : createAnonymousClient()), [token]);

  const state = useMemo<SessionState>(
    () => ({ session, notice, isAdmin: session?.user.role === 'ADMIN', api, signIn, signOut }),
    [session, notice, api, signIn, signOut],
  );
  const client = api?.client ?? anonymous;
  return (
    <SessionContext.Provider value={state}>
      {client && <ApolloProvider client={client}>{children}</ApolloProvider>}
    </SessionContext.Provider>
  );
}

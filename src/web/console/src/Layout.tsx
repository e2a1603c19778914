import { useMutation, useQuery } from '@apollo/client/react';
import { useEffect, type MouseEvent, type ReactNode } from 'react';
import { NavLink } from 'react-router';
import { graphql } from './gql';
import { NotificationBell } from './notifications';
import { SESSION_ME, useSession, useUser } from './session';
import { ROLE_LABELS } from './ui/roles';

const LOGOUT = graphql(`
  mutation ConsoleLogout {
    logout
  }
`);

/** Screens everyone has, then the administration screens (admins only). */
const AGENT_LINKS = [
  { to: '/tickets', label: 'Tickets' },
  { to: '/customers', label: 'Customers' },
];
const ADMIN_LINKS = [
  { to: '/admin/mailboxes', label: 'E-mail and SMS configuration' },
  { to: '/admin/rules', label: 'Message rules' },
  { to: '/admin/queues', label: 'Queues and users' },
  { to: '/admin/settings', label: 'System parameters' },
];

/** Where the service serves the GraphQL playground, when it does (a meta element of the page, src/web/routes.ts). */
const PLAYGROUND_URL = document.querySelector<HTMLMetaElement>('meta[name="smsdesk-playground"]')?.content;

function skipToContent(e: MouseEvent<HTMLAnchorElement>) {
  e.preventDefault();
  document.getElementById('main')?.focus();
}

/** The frame of every screen behind the login: the navigation, the bell, who is logged in, and "Log out". */
export function Layout({ children }: { children: ReactNode }) {
  const user = useUser();
  const { session, isAdmin, signIn, signOut } = useSession();
  const [logout] = useMutation(LOGOUT);
  // Who the token belongs to now: a reload after an admin changed this user's role or name shows the change
  // (and a token that expired meanwhile ends the session, through the client's expiry check).
  const { data } = useQuery(SESSION_ME, { fetchPolicy: 'network-only' });
  useEffect(() => {
    const me = data?.me;
    if (session && me && (me.role !== session.user.role || me.name !== session.user.name))
      signIn({ ...session, user: me });
  }, [data, session, signIn]);

  async function logOut() {
    // The token is revoked at the service; the session ends here even when the service cannot be reached.
    await logout().catch(() => undefined);
    signOut();
  }

  return (
    <div className="frame">
      {/* The hash is the router's: the link moves the focus itself instead of navigating to "#main". */}
      <a className="skip" href="#main" onClick={skipToContent}>
        Skip to content
      </a>
      <header className="top">
        <span className="brand">smsdesk</span>
        <nav aria-label="Main">
          <ul>
            {AGENT_LINKS.map((l) => (
              <li key={l.to}>
                <NavLink to={l.to}>{l.label}</NavLink>
              </li>
            ))}
          </ul>
          {isAdmin && (
            <ul aria-label="Administration">
              {ADMIN_LINKS.map((l) => (
                <li key={l.to}>
                  <NavLink to={l.to}>{l.label}</NavLink>
                </li>
              ))}
              {PLAYGROUND_URL && (
                <li>
                  <a href={PLAYGROUND_URL} target="_blank" rel="noopener">
                    GraphQL playground
                  </a>
                </li>
              )}
            </ul>
          )}
        </nav>
        <div className="who">
          <NotificationBell />
          <span>
            {user.name} <span className="role">({ROLE_LABELS[user.role]})</span>
          </span>
          <button type="button" onClick={logOut}>
            Log out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}

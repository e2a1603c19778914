import type { ReactNode } from 'react';
import { HashRouter, Navigate, Route, Routes } from 'react-router';
import { Layout } from './Layout';
import { Login } from './screens/Login';
import { RulesScreen, QueuesScreen, SettingsScreen } from './screens/admin';
import { CustomerRoutes } from './screens/customers';
import { MailboxRoutes } from './screens/mailboxes';
import { TicketRoutes } from './screens/tickets';
import { useSession } from './session';

/** Administration screens: an agent who opens one's address is told, and sees no admin data. */
function AdminOnly({ children }: { children: ReactNode }) {
  const { isAdmin } = useSession();
  if (isAdmin) return children;
  return (
    <section>
      <h1>For administrators</h1>
      <p>Only administrators can open this screen.</p>
    </section>
  );
}

/**
 * The console's screens. Addresses live after the `#` so that the service serves one page at `/` and every
 * other path stays the API's (webhooks, /graphql, /metrics…).
 */
export function App() {
  const { session } = useSession();
  if (!session) return <Login />;
  return (
    <HashRouter>
      <Layout>
        <Routes>
          <Route path="/" element={<Navigate to="/tickets" replace />} />
          <Route path="/tickets/*" element={<TicketRoutes />} />
          <Route path="/customers/*" element={<CustomerRoutes />} />
          <Route
            path="/admin/mailboxes/*"
            element={
              <AdminOnly>
                <MailboxRoutes />
              </AdminOnly>
            }
          />
          <Route
            path="/admin/rules"
            element={
              <AdminOnly>
                <RulesScreen />
              </AdminOnly>
            }
          />
          <Route
            path="/admin/queues"
            element={
              <AdminOnly>
                <QueuesScreen />
              </AdminOnly>
            }
          />
          <Route
            path="/admin/settings"
            element={
              <AdminOnly>
                <SettingsScreen />
              </AdminOnly>
            }
          />
          <Route path="*" element={<Navigate to="/tickets" replace />} />
        </Routes>
      </Layout>
    </HashRouter>
  );
}

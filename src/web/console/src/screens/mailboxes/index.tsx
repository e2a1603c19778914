import { useMutation, useQuery } from '@apollo/client/react';
import { useEffect, useState } from 'react';
import { Link, Route, Routes, useLocation, useNavigate, useParams } from 'react-router';
import { ErrorBanner, Loading, Notice } from '../../ui/feedback';
import { usePageTitle } from '../../ui/title';
import { GatewayTest } from './GatewayTest';
import { InboundLog } from './InboundLog';
import { MailboxEditor } from './MailboxEditor';
import { MailboxList } from './MailboxList';
import { WebhookUrls } from './WebhookUrls';
import type { Mailbox } from './form-state';
import { DELETE, MAILBOX, PROVIDERS } from './operations';

/** Administration → E-mail and SMS configuration: the mailboxes, a new SMS mailbox, one mailbox. */
export function MailboxRoutes() {
  return (
    <Routes>
      <Route index element={<MailboxList />} />
      <Route path="new" element={<NewMailbox />} />
      <Route path=":id" element={<MailboxPage />} />
    </Routes>
  );
}

const BackLink = () => (
  <p>
    <Link to="/admin/mailboxes">← E-mail and SMS configuration</Link>
  </p>
);

function NewMailbox() {
  usePageTitle('New SMS mailbox');
  const navigate = useNavigate();
  const { data, error } = useQuery(PROVIDERS);
  return (
    <section>
      <BackLink />
      <h1>New SMS mailbox</h1>
      <ErrorBanner error={error} />
      {data ? (
        <MailboxEditor
          providers={data.providers}
          onCreated={(id) => navigate(`/admin/mailboxes/${id}`, { state: { created: true } })}
        />
      ) : (
        !error && <Loading />
      )}
    </section>
  );
}

function MailboxPage() {
  const { id = '' } = useParams();
  const location = useLocation();
  const navigate = useNavigate();
  // Said once, on arrival from the new-mailbox form: the history entry forgets it, so a reload does not repeat it.
  const [created] = useState(() => !!(location.state as { created?: boolean } | null)?.created);
  useEffect(() => {
    if (created) navigate(location.pathname, { replace: true, state: null });
  }, [created, navigate, location.pathname]);
  const providers = useQuery(PROVIDERS);
  const { data, error } = useQuery(MAILBOX, { variables: { id } });
  const mailbox = data?.gateway;
  usePageTitle(mailbox ? `Mailbox ${mailbox.name}` : 'Mailbox');
  if (!mailbox || !providers.data) {
    return (
      <section>
        <BackLink />
        <ErrorBanner error={error ?? providers.error} />
        {!error && !providers.error && <Loading />}
      </section>
    );
  }
  const provider = providers.data.providers.find((p) => p.id === mailbox.provider);
  return (
    <section>
      <BackLink />
      <h1>Mailbox {mailbox.name}</h1>
      {created && (
        <Notice>The mailbox is saved. Paste the addresses below into the provider's panel, then test it.</Notice>
      )}
      {mailbox.warnings.length > 0 && (
        <div className="banner warning">
          <ul>
            {mailbox.warnings.map((w) => (
              <li key={w}>{w}</li>
            ))}
          </ul>
        </div>
      )}
      <WebhookUrls mailbox={mailbox} provider={provider} />
      <GatewayTest mailbox={mailbox} />
      <section aria-labelledby="mailbox-settings" className="panel">
        <h2 id="mailbox-settings">Settings</h2>
        <MailboxEditor key={mailbox.id} providers={providers.data.providers} mailbox={mailbox} />
      </section>
      <InboundLog key={mailbox.id} gatewayId={mailbox.id} />
      <DeleteMailbox mailbox={mailbox} />
    </section>
  );
}

/** Deleting asks once more; the API keeps the mailbox's messages and tickets. */
function DeleteMailbox({ mailbox }: { mailbox: Mailbox }) {
  const [asking, setAsking] = useState(false);
  const navigate = useNavigate();
  const [remove, { loading, error }] = useMutation(DELETE, { refetchQueries: ['MailboxList'] });
  async function confirm() {
    const { data } = await remove({ variables: { id: mailbox.id } }).catch(() => ({ data: undefined }));
    if (data) navigate('/admin/mailboxes');
  }
  return (
    <section aria-labelledby="mailbox-delete" className="panel">
      <h2 id="mailbox-delete">Delete mailbox</h2>
      <ErrorBanner error={error} />
      {asking ? (
        <div role="group" aria-label="Confirm deletion">
          <p>
            Delete the mailbox "{mailbox.name}"? Its messages and tickets stay; messages still waiting to be sent
            through it fail.
          </p>
          <div className="actions">
            <button type="button" className="danger" onClick={confirm} disabled={loading}>
              Yes, delete "{mailbox.name}"
            </button>
            <button type="button" onClick={() => setAsking(false)}>
              Cancel
            </button>
          </div>
        </div>
      ) : (
        <button type="button" className="danger" onClick={() => setAsking(true)}>
          Delete mailbox
        </button>
      )}
    </section>
  );
}

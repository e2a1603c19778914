import { useQuery } from '@apollo/client/react';
import { useRef, useState, type KeyboardEvent } from 'react';
import { Link } from 'react-router';
import type { MailboxListQuery } from '../../gql/graphql';
import { ErrorBanner, Loading } from '../../ui/feedback';
import { formatDateTime } from '../../ui/format';
import { usePageTitle } from '../../ui/title';
import { HEALTH_STATUS } from './labels';
import { LIST, PROVIDERS } from './operations';

type Health = MailboxListQuery['gateways'][number]['health'];

/** The latest of the last inbound message, send and delivery report: when the mailbox last did anything. */
function lastActivity(h: Health): string | null {
  const times = [h.lastInboundAt, h.lastSentAt, h.lastDeliveryReportAt].filter((t): t is string => !!t);
  return times.sort((a, b) => Date.parse(b) - Date.parse(a))[0] ?? null;
}

function HealthCell({ health }: { health: Health }) {
  const s = HEALTH_STATUS[health.status];
  return (
    <>
      <span className={s.className}>{s.text}</span>
      {health.problems.length > 0 && (
        <ul className="problems">
          {health.problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      )}
    </>
  );
}

/**
 * The product's add button offers "E-mail" and "SMS"; smsdesk is the SMS channel only, so it offers "SMS". A
 * disclosure (a button that shows a list of links) so that it works with the keyboard as it is.
 */
function AddMenu() {
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  function onKeyDown(e: KeyboardEvent) {
    if (e.key !== 'Escape' || !open) return;
    setOpen(false);
    button.current?.focus();
  }
  return (
    <div className="add-menu" onKeyDown={onKeyDown}>
      <button
        ref={button}
        type="button"
        className="primary"
        aria-expanded={open}
        aria-controls="add-mailbox-menu"
        onClick={() => setOpen(!open)}
      >
        Add
      </button>
      {open && (
        <ul id="add-mailbox-menu" aria-label="Add a mailbox">
          <li>
            <Link to="new">SMS</Link>
          </li>
        </ul>
      )}
    </div>
  );
}

export function MailboxList() {
  usePageTitle('E-mail and SMS configuration');
  const { data, error, loading } = useQuery(LIST);
  const providers = useQuery(PROVIDERS);
  const displayName = (id: string) => providers.data?.providers.find((p) => p.id === id)?.displayName ?? id;
  return (
    <section>
      <h1>E-mail and SMS configuration</h1>
      <AddMenu />
      <ErrorBanner error={error ?? providers.error} />
      {loading && !data && <Loading />}
      {data && data.gateways.length === 0 && <p>No mailbox yet: add one with "Add", then "SMS".</p>}
      {data && data.gateways.length > 0 && (
        <table className="mailboxes">
          <caption className="visually-hidden">Mailboxes</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Service provider</th>
              <th scope="col">Destination phone number</th>
              <th scope="col">Incoming</th>
              <th scope="col">Health</th>
              <th scope="col">Last activity</th>
            </tr>
          </thead>
          <tbody>
            {data.gateways.map((g) => (
              <tr key={g.id}>
                <td>
                  <Link to={g.id}>{g.name}</Link>
                </td>
                <td>{displayName(g.provider)}</td>
                <td>{g.destinationNumber ?? '—'}</td>
                <td>{g.incomingActive ? 'On' : 'Off'}</td>
                <td>
                  <HealthCell health={g.health} />
                </td>
                <td>{formatDateTime(lastActivity(g.health))}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

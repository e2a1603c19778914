import { useQuery } from '@apollo/client/react';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { graphql } from '../../gql';
import type { CustomersCardQuery } from '../../gql/graphql';
import { ErrorBanner, Loading } from '../../ui/feedback';
import { formatDateTime } from '../../ui/format';
import { usePageTitle } from '../../ui/title';
import { PhoneNumbers } from './PhoneNumbers';
import { SendSms } from './SendSms';

/** How many of the customer's tickets the card lists (the API gives at most 100 a page). */
const TICKETS_SHOWN = 50;

const CARD = graphql(`
  query CustomersCard($id: ID!, $tickets: Int!) {
    customer(id: $id) {
      id
      name
      phoneNumbers
      email
      optOuts {
        phoneNumber
        optedOut
        source
        reason
        changedAt
        changedBy {
          id
          name
        }
        gateway {
          id
          name
        }
      }
      tickets(first: $tickets) {
        id
        status
        lastMessageAt
        queue {
          id
          name
        }
        gateway {
          id
          name
        }
      }
    }
  }
`);

export type CardCustomer = CustomersCardQuery['customer'];

/** A customer's card: who they are, which numbers may be texted, their tickets, and "Send SMS". */
export function CustomerCard() {
  const { id = '' } = useParams();
  // Opt-outs and tickets change behind the page's back (STOP texted, a ticket answered): each visit reads anew.
  const { data, error } = useQuery(CARD, {
    variables: { id, tickets: TICKETS_SHOWN },
    fetchPolicy: 'cache-and-network',
  });
  const customer = data?.customer;
  usePageTitle(customer ? customer.name : 'Customer');
  if (!customer)
    return error ? (
      <section>
        <h1>Customer</h1>
        <ErrorBanner error={error} />
        <Link to="/customers">Back to customers</Link>
      </section>
    ) : (
      <Loading />
    );
  return (
    <section>
      <p>
        <Link to="/customers">Back to customers</Link>
      </p>
      <h1>{customer.name}</h1>
      <ErrorBanner error={error} />
      <dl className="customer-facts">
        <dt>E-mail</dt>
        <dd>{customer.email ?? '—'}</dd>
      </dl>
      <PhoneNumbers customer={customer} />
      <SendSmsPanel customer={customer} />
      <Tickets tickets={customer.tickets} />
    </section>
  );
}

function SendSmsPanel({ customer }: { customer: CardCustomer }) {
  const [open, setOpen] = useState(false);
  if (!open)
    return (
      <div className="actions">
        <button type="button" className="primary" onClick={() => setOpen(true)}>
          Send SMS
        </button>
      </div>
    );
  return <SendSms customer={customer} onClose={() => setOpen(false)} />;
}

function Tickets({ tickets }: { tickets: CardCustomer['tickets'] }) {
  return (
    <section aria-labelledby="customer-tickets">
      <h2 id="customer-tickets">Tickets</h2>
      {tickets.length === 0 ? (
        <p>No tickets in the queues you see.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Ticket</th>
              <th scope="col">Status</th>
              <th scope="col">Queue</th>
              <th scope="col">Mailbox</th>
              <th scope="col">Last message</th>
            </tr>
          </thead>
          <tbody>
            {tickets.map((t) => (
              <tr key={t.id}>
                <td>
                  <Link to={`/tickets/${t.id}`}>Ticket #{t.id}</Link>
                </td>
                <td>{t.status === 'OPEN' ? 'Open' : 'Closed'}</td>
                <td>{t.queue.name}</td>
                <td>{t.gateway?.name ?? '—'}</td>
                <td>{formatDateTime(t.lastMessageAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

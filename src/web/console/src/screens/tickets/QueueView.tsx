import { useQuery } from '@apollo/client/react';
import { useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { graphql } from '../../gql';
import type { TicketStatus, TicketsRowFragment } from '../../gql/graphql';
import { useApi, useUser } from '../../session';
import { ErrorBanner, Loading, Notice } from '../../ui/feedback';
import { SelectField } from '../../ui/fields';
import { formatDateTime } from '../../ui/format';
import { joinPages, LoadMore } from '../../ui/LoadMore';
import { usePageTitle } from '../../ui/title';
import { TICKET_STATUS } from './words';

const QUEUES = graphql(`
  query TicketsQueues {
    queues {
      id
      name
      members {
        id
      }
    }
  }
`);

graphql(`
  fragment TicketsRow on Ticket {
    id
    status
    lastMessageAt
    customer {
      id
      name
      phoneNumbers
    }
  }
`);

const TICKETS = graphql(`
  query TicketsQueue($queueId: ID!, $status: TicketStatus, $after: String) {
    tickets(queueId: $queueId, status: $status, after: $after, first: 20) {
      edges {
        node {
          ...TicketsRow
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

const UPDATED = graphql(`
  subscription TicketsQueueUpdated($queueId: ID!) {
    ticketUpdated(queueId: $queueId) {
      ...TicketsRow
    }
  }
`);

const REMOVED = graphql(`
  subscription TicketsQueueRemoved($queueId: ID!) {
    ticketRemoved(queueId: $queueId)
  }
`);

type Edges = { __typename?: 'TicketEdge'; node: TicketsRowFragment }[];

/** The list after `ticket` changed: it leaves its place and, if it still passes the filter, comes first. */
function moveToTop(edges: Edges, ticket: TicketsRowFragment, status: TicketStatus | null | undefined): Edges {
  const others = edges.filter((e) => e.node.id !== ticket.id);
  return !status || ticket.status === status ? [{ __typename: 'TicketEdge', node: ticket }, ...others] : others;
}

const STATUS_CHOICES = [
  { value: 'OPEN', label: TICKET_STATUS.OPEN },
  { value: 'CLOSED', label: TICKET_STATUS.CLOSED },
  { value: 'ALL', label: 'All' },
];

/** The queue the desk opens on: the first one the user is a member of, else one without members, else the first. */
function defaultQueue(queues: { id: string; members: { id: string }[] }[], userId: string): string | undefined {
  return (
    queues.find((q) => q.members.some((m) => m.id === userId)) ??
    queues.find((q) => !q.members.length) ??
    queues[0]
  )?.id;
}

/** The tickets of one queue, most recent activity first, kept live. The queue and filter live in the address. */
export function QueueView() {
  usePageTitle('Tickets');
  const user = useUser();
  const [params, setParams] = useSearchParams();
  const queues = useQuery(QUEUES);
  const list = queues.data?.queues ?? [];
  const queueId = params.get('queue') ?? defaultQueue(list, user.id);
  const statusChoice = params.get('status') ?? 'OPEN';

  function choose(key: 'queue' | 'status', value: string) {
    const next = new URLSearchParams(params);
    next.set(key, value);
    setParams(next, { replace: true });
  }

  return (
    <section>
      <h1>Tickets</h1>
      <ErrorBanner error={queues.error} />
      {queues.loading && !queues.data && <Loading />}
      {queues.data && !list.length && <Notice>There are no queues yet: an administrator creates them.</Notice>}
      {queueId && (
        <>
          <div className="ticket-filters">
            <SelectField label="Queue" value={queueId} onChange={(e) => choose('queue', e.target.value)}>
              {list.map((q) => (
                <option key={q.id} value={q.id}>
                  {q.name}
                </option>
              ))}
            </SelectField>
            <SelectField label="Status" value={statusChoice} onChange={(e) => choose('status', e.target.value)}>
              {STATUS_CHOICES.map((s) => (
                <option key={s.value} value={s.value}>
                  {s.label}
                </option>
              ))}
            </SelectField>
          </div>
          <QueueTickets
            key={`${queueId}/${statusChoice}`}
            queueId={queueId}
            status={statusChoice === 'ALL' ? null : (statusChoice as TicketStatus)}
            queueName={list.find((q) => q.id === queueId)?.name ?? ''}
          />
        </>
      )}
    </section>
  );
}

function QueueTickets({
  queueId,
  status,
  queueName,
}: {
  queueId: string;
  status: TicketStatus | null;
  queueName: string;
}) {
  const api = useApi();
  const { data, loading, error, fetchMore, subscribeToMore, refetch } = useQuery(TICKETS, {
    variables: { queueId, status },
  });
  const [liveError, setLiveError] = useState<unknown>(null);

  useEffect(() => {
    const stopUpdates = subscribeToMore({
      document: UPDATED,
      variables: { queueId },
      onError: setLiveError,
      updateQuery: (_, { complete, previousData, subscriptionData }) => {
        if (!complete) return undefined;
        const t = previousData.tickets;
        return { tickets: { ...t, edges: moveToTop(t.edges, subscriptionData.data.ticketUpdated, status) } };
      },
    });
    const stopRemovals = subscribeToMore({
      document: REMOVED,
      variables: { queueId },
      onError: setLiveError,
      updateQuery: (_, { complete, previousData, subscriptionData }) => {
        if (!complete) return undefined;
        const t = previousData.tickets;
        const gone = subscriptionData.data.ticketRemoved;
        return { tickets: { ...t, edges: t.edges.filter((e) => e.node.id !== gone) } };
      },
    });
    return () => {
      stopUpdates();
      stopRemovals();
    };
  }, [subscribeToMore, queueId, status]);

  // Live events of the time the socket was down, or before it first opened, are not replayed: read it again.
  useEffect(() => api.onConnected(() => void refetch()), [api, refetch]);

  const loadMore = (after: string) =>
    fetchMore({
      variables: { after },
      updateQuery: (prev, { fetchMoreResult }) => ({
        tickets: { ...fetchMoreResult.tickets, edges: joinPages(prev.tickets.edges, fetchMoreResult.tickets.edges) },
      }),
    });

  const edges = data?.tickets.edges ?? [];
  return (
    <>
      <ErrorBanner error={error ?? liveError} />
      {loading && !data && <Loading />}
      {data && !edges.length && (
        <p>No tickets in this queue{status ? ` with the status ${TICKET_STATUS[status]}` : ''}.</p>
      )}
      {edges.length > 0 && (
        <table className="ticket-list">
          <caption>Tickets of the queue {queueName}, most recent message first</caption>
          <thead>
            <tr>
              <th scope="col">Customer</th>
              <th scope="col">Number</th>
              <th scope="col">Status</th>
              <th scope="col">Last message</th>
            </tr>
          </thead>
          <tbody>
            {edges.map(({ node: t }) => (
              <tr key={t.id}>
                <td>
                  <Link to={`/tickets/${t.id}`}>{t.customer.name}</Link>
                </td>
                <td>{t.customer.phoneNumbers.join(', ')}</td>
                <td>{TICKET_STATUS[t.status]}</td>
                <td>{formatDateTime(t.lastMessageAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <LoadMore pageInfo={data?.tickets.pageInfo} load={loadMore} />
    </>
  );
}

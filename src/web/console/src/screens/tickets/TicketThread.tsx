import { useApolloClient, useQuery, useSubscription } from '@apollo/client/react';
import { useCallback, useEffect, useRef, useState } from 'react';
import { Link, useParams } from 'react-router';
import { graphql } from '../../gql';
import type { TicketsMessageFragment } from '../../gql/graphql';
import { useApi } from '../../session';
import { ErrorBanner, Loading } from '../../ui/feedback';
import { optOutSentence } from '../../ui/optOut';
import { usePageTitle } from '../../ui/title';
import { MessageItem } from './MessageItem';
import { ReplyBox } from './ReplyBox';
import { TICKET_STATUS } from './words';

/**
 * Messages read at once; a longer conversation is read on in pages of this size. 100 (the API's most) would
 * cost more than the query cost limit allows with each message's author and attachments.
 */
const PAGE = 50;

graphql(`
  fragment TicketsThreadHead on Ticket {
    id
    status
    lastMessageAt
    queue {
      id
      name
    }
    customer {
      id
      name
    }
    gateway {
      id
      name
    }
    optOut {
      phoneNumber
      source
      reason
      changedAt
    }
  }
`);

const THREAD = graphql(`
  query TicketsThread($id: ID!, $first: Int!) {
    ticket(id: $id) {
      ...TicketsThreadHead
      messages(first: $first) {
        ...TicketsMessage
      }
    }
  }
`);

const NEWER = graphql(`
  query TicketsThreadNewer($id: ID!, $after: ID, $first: Int!) {
    ticket(id: $id) {
      id
      messages(after: $after, first: $first) {
        ...TicketsMessage
      }
    }
  }
`);

const STATUS_CHANGED = graphql(`
  subscription TicketsMessageStatus($ticketId: ID!) {
    messageStatusChanged(ticketId: $ticketId) {
      ...TicketsMessage
    }
  }
`);

const TICKET_UPDATED = graphql(`
  subscription TicketsThreadUpdated($queueId: ID!) {
    ticketUpdated(queueId: $queueId) {
      ...TicketsThreadHead
    }
  }
`);

/**
 * How far before the newest message shown a read on starts. The API orders a thread by creation time (the start
 * of the transaction that stored the message), then id, and reads after a message in that order: a message whose
 * transaction began before a newer one's and committed after it (an inbound SMS while the agent's reply goes out)
 * would be skipped by a read after the newer one. Reading on from a minute back takes it in; the messages read
 * again are dropped by id.
 */
const READ_BACK_MS = 60_000;

/** The API's order of a thread: creation time, then id. */
function inThreadOrder(a: TicketsMessageFragment, b: TicketsMessageFragment): number {
  return a.createdAt.localeCompare(b.createdAt) || Number(a.id) - Number(b.id);
}

/** The message to read on after: the newest one made READ_BACK_MS before the newest shown (none: from the start). */
function readFrom(messages: TicketsMessageFragment[]): string | undefined {
  const newest = messages.at(-1);
  if (!newest) return undefined;
  const before = Date.parse(newest.createdAt) - READ_BACK_MS;
  return messages.findLast((m) => Date.parse(m.createdAt) <= before)?.id;
}

export function TicketThread() {
  const { id = '' } = useParams();
  usePageTitle(`Ticket ${id}`);
  const api = useApi();
  const client = useApolloClient();
  const { data, loading, error, updateQuery, refetch } = useQuery(THREAD, { variables: { id, first: PAGE } });
  const [liveError, setLiveError] = useState<unknown>(null);
  const ticket = data?.ticket;
  const messages = ticket?.messages;
  const shown = useRef(messages);
  shown.current = messages;

  /** Adds messages the list does not hold yet (those it holds are kept current by the cache), in the API's order. */
  const addMessages = useCallback(
    (more: TicketsMessageFragment[]) =>
      updateQuery((_, { complete, previousData }) => {
        if (!complete) return undefined;
        const have = new Set(previousData.ticket.messages.map((m) => m.id));
        const added = more.filter((m) => !have.has(m.id));
        if (!added.length) return undefined;
        const all = [...previousData.ticket.messages, ...added].sort(inThreadOrder);
        return { ticket: { ...previousData.ticket, messages: all } };
      }),
    [updateQuery],
  );

  /** Reads on from a little before the newest message shown (see READ_BACK_MS), page by page. */
  const readNewer = useCallback(async () => {
    let after = readFrom(shown.current ?? []);
    for (;;) {
      const { data: newer, error: e } = await client.query({
        query: NEWER,
        variables: { id, after, first: PAGE },
        // Not written over the cache: a status pushed meanwhile is newer than what this read saw.
        fetchPolicy: 'no-cache',
      });
      if (e) return setLiveError(e);
      const page = newer?.ticket.messages ?? [];
      addMessages(page);
      if (page.length < PAGE) return;
      after = page.at(-1)!.id;
    }
  }, [client, id, addMessages]);

  const firstPageFull = messages?.length === PAGE;
  useEffect(() => {
    if (firstPageFull) void readNewer();
  }, [firstPageFull, readNewer]);

  useSubscription(STATUS_CHANGED, {
    variables: { ticketId: id },
    onData: ({ data: d }) => {
      if (d.data) addMessages([d.data.messageStatusChanged]);
    },
    onError: setLiveError,
  });
  useSubscription(TICKET_UPDATED, {
    variables: { queueId: ticket?.queue.id ?? '' },
    skip: !ticket,
    onData: ({ data: d }) => {
      if (d.data?.ticketUpdated.id === id) void readNewer();
    },
    onError: setLiveError,
  });
  // Live events of the time the socket was down, or before it first opened, are not replayed: read it again.
  useEffect(() => api.onConnected(() => void refetch()), [api, refetch]);

  if (loading && !data) return <Loading />;
  if (!ticket)
    return (
      <section>
        <h1>Ticket {id}</h1>
        <ErrorBanner error={error} />
        <p>
          <Link to="/tickets">Back to the tickets</Link>
        </p>
      </section>
    );
  return (
    <section>
      <h1>
        Ticket {ticket.id}: {ticket.customer.name}
      </h1>
      <ErrorBanner error={error ?? liveError} />
      <dl className="ticket-facts">
        <dt>Customer</dt>
        <dd>
          <Link to={`/customers/${ticket.customer.id}`}>{ticket.customer.name}</Link>
        </dd>
        <dt>Mailbox</dt>
        <dd>{ticket.gateway?.name ?? 'deleted'}</dd>
        <dt>Queue</dt>
        <dd>{ticket.queue.name}</dd>
        <dt>Status</dt>
        <dd>{TICKET_STATUS[ticket.status]}</dd>
      </dl>
      {ticket.optOut && (
        <p className="banner warn" role="note">
          Replies are refused: {optOutSentence(ticket.optOut)}
        </p>
      )}
      {ticket.status === 'CLOSED' && (
        <p className="banner warn" role="note">
          This ticket is closed and takes no replies; send from the customer card to start a new conversation.
        </p>
      )}
      <h2>Conversation</h2>
      <ol className="messages" aria-label="Messages, oldest first">
        {ticket.messages.map((m) => (
          <MessageItem key={m.id} message={m} />
        ))}
      </ol>
      <ReplyBox ticketId={ticket.id} onSent={(m) => addMessages([m])} />
    </section>
  );
}

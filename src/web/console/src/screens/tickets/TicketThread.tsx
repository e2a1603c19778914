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

export function TicketThread() {
  const { id = '' } = useParams();
  usePageTitle(`Ticket ${id}`);
  const api = useApi();
  const client = useApolloClient();
  const { data, loading, error, updateQuery, refetch } = useQuery(THREAD, { variables: { id, first: PAGE } });
  const [liveError, setLiveError] = useState<unknown>(null);
  const ticket = data?.ticket;
  const messages = ticket?.messages;
  /**
   * Messages this view got pushed (a status change, its own reply) rather than read. Reading on starts after the
   * last message a read returned, not after a pushed one: a reply can take a higher id than an inbound message
   * whose transaction began first and commits later, and reading after the reply would skip that message.
   */
  const pushed = useRef(new Set<string>());
  const shown = useRef(messages);
  shown.current = messages;

  /** Adds messages the list does not hold yet (those it holds are kept current by the cache), in id order. */
  const addMessages = useCallback(
    (more: TicketsMessageFragment[]) =>
      updateQuery((_, { complete, previousData }) => {
        if (!complete) return undefined;
        const have = new Set(previousData.ticket.messages.map((m) => m.id));
        const added = more.filter((m) => !have.has(m.id));
        if (!added.length) return undefined;
        const all = [...previousData.ticket.messages, ...added].sort((a, b) => Number(a.id) - Number(b.id));
        return { ticket: { ...previousData.ticket, messages: all } };
      }),
    [updateQuery],
  );
  const addPushed = useCallback(
    (m: TicketsMessageFragment) => {
      pushed.current.add(m.id);
      addMessages([m]);
    },
    [addMessages],
  );

  /** Reads the messages after the last one a read returned, page by page. */
  const readNewer = useCallback(async () => {
    let after = shown.current?.filter((m) => !pushed.current.has(m.id)).at(-1)?.id;
    for (;;) {
      const { data: newer, error: e } = await client.query({
        query: NEWER,
        variables: { id, after, first: PAGE },
        // Not written over the cache: a status pushed meanwhile is newer than what this read saw.
        fetchPolicy: 'no-cache',
      });
      if (e) return setLiveError(e);
      const page = newer?.ticket.messages ?? [];
      for (const m of page) pushed.current.delete(m.id);
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
      if (d.data) addPushed(d.data.messageStatusChanged);
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
      <ReplyBox ticketId={ticket.id} onSent={addPushed} />
    </section>
  );
}

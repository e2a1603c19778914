import { useApolloClient, useMutation, useQuery } from '@apollo/client/react';
import { useState } from 'react';
import type { InboundOutcome, MailboxReplayMutation } from '../../gql/graphql';
import { ErrorBanner, Loading, Notice } from '../../ui/feedback';
import { formatDateTime } from '../../ui/format';
import { OUTCOMES } from './labels';
import { EVENTS, REPLAY } from './operations';

/** The outcomes replayInboundEvent takes: refused or failed requests, once the configuration is fixed. */
const REPLAYABLE: InboundOutcome[] = ['REJECTED', 'MALFORMED', 'FAILED'];

type Replayed = MailboxReplayMutation['replayInboundEvent'];

interface PageProps {
  gatewayId: string;
  after: string | null;
  /** Called with the next page's cursor when this is the last page shown and more follow. */
  onMore?(cursor: string): void;
  onReplay(id: string): void;
  replaying: string | undefined;
  replayed: Record<string, Replayed>;
}

/** One page of the log, as one <tbody> of the log's table; "Load more" on the last page asks for the next. */
function LogPage({ gatewayId, after, onMore, onReplay, replaying, replayed }: PageProps) {
  const { data, error, loading } = useQuery(EVENTS, { variables: { gatewayId, after } });
  const page = data?.inboundEvents;
  return (
    <tbody>
      {error && (
        <tr>
          <td colSpan={4}>
            <ErrorBanner error={error} />
          </td>
        </tr>
      )}
      {loading && !page && (
        <tr>
          <td colSpan={4}>
            <Loading />
          </td>
        </tr>
      )}
      {after === null && page?.edges.length === 0 && (
        <tr>
          <td colSpan={4}>Nothing has arrived for this mailbox yet.</td>
        </tr>
      )}
      {page?.edges.map(({ node: e }) => (
        <tr key={e.id}>
          <td>{formatDateTime(e.receivedAt)}</td>
          <td>{OUTCOMES[e.outcome]}</td>
          <td>
            {e.reasonCode && <code>{e.reasonCode}</code>} {e.reason}
            {e.replayOfId && <span className="muted"> (replay of event {e.replayOfId})</span>}
          </td>
          <td>
            {replayed[e.id] ? (
              <span>Replayed: {OUTCOMES[replayed[e.id].outcome]}</span>
            ) : (
              REPLAYABLE.includes(e.outcome) && (
                <button type="button" disabled={replaying === e.id} onClick={() => onReplay(e.id)}>
                  Replay
                </button>
              )
            )}
          </td>
        </tr>
      ))}
      {onMore && page?.pageInfo.hasNextPage && page.pageInfo.endCursor && (
        <tr>
          <td colSpan={4}>
            <button type="button" onClick={() => onMore(page.pageInfo.endCursor!)}>
              Load more
            </button>
          </td>
        </tr>
      )}
    </tbody>
  );
}

/** The mailbox's inbound event log, newest first: what arrived, what was refused and why; refused ones replay. */
export function InboundLog({ gatewayId }: { gatewayId: string }) {
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [replayed, setReplayed] = useState<Record<string, Replayed>>({});
  const [latest, setLatest] = useState<Replayed>();
  const [replaying, setReplaying] = useState<string>();
  const client = useApolloClient();
  const [replay, { error }] = useMutation(REPLAY, {
    refetchQueries: ['MailboxInboundEvents', 'MailboxList'],
  });

  function refresh() {
    setCursors([null]);
    void client.refetchQueries({ include: ['MailboxInboundEvents'] });
  }

  async function onReplay(id: string) {
    setReplaying(id);
    const { data } = await replay({ variables: { id } }).catch(() => ({ data: undefined }));
    setReplaying(undefined);
    if (!data) return;
    setReplayed((r) => ({ ...r, [id]: data.replayInboundEvent }));
    setLatest(data.replayInboundEvent);
    // The new event is the newest: back to the first page, where it is.
    setCursors([null]);
  }

  return (
    <section aria-labelledby="mailbox-log" className="panel">
      <h2 id="mailbox-log">Inbound event log</h2>
      {/* The API pushes no inbound events, so the admin asks for the newest after changing the provider's panel. */}
      <div className="actions">
        <button type="button" onClick={refresh}>
          Refresh
        </button>
      </div>
      <ErrorBanner error={error} />
      {latest && (
        <Notice>
          Replayed as a new event: {OUTCOMES[latest.outcome]}
          {latest.reason ? ` — ${latest.reason}` : ''}.
        </Notice>
      )}
      <table className="inbound-log">
        <caption className="visually-hidden">Inbound requests of this mailbox, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Received</th>
            <th scope="col">Outcome</th>
            <th scope="col">Reason</th>
            <th scope="col">Action</th>
          </tr>
        </thead>
        {cursors.map((after, i) => (
          <LogPage
            key={after ?? 'first'}
            gatewayId={gatewayId}
            after={after}
            onMore={i === cursors.length - 1 ? (c) => setCursors([...cursors, c]) : undefined}
            onReplay={onReplay}
            replaying={replaying}
            replayed={replayed}
          />
        ))}
      </table>
    </section>
  );
}

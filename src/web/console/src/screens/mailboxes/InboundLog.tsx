import { useMutation, useQuery } from '@apollo/client/react';
import { useState } from 'react';
import type { InboundOutcome, MailboxReplayMutation } from '../../gql/graphql';
import { ErrorBanner, Loading, Notice } from '../../ui/feedback';
import { formatDateTime } from '../../ui/format';
import { joinPages, LoadMore } from '../../ui/LoadMore';
import { OUTCOMES } from './labels';
import { EVENTS, REPLAY } from './operations';

/** The outcomes replayInboundEvent takes: refused or failed requests, once the configuration is fixed. */
const REPLAYABLE: InboundOutcome[] = ['REJECTED', 'MALFORMED', 'FAILED'];

type Replayed = MailboxReplayMutation['replayInboundEvent'];

/** The mailbox's inbound event log, newest first: what arrived, what was refused and why; refused ones replay. */
export function InboundLog({ gatewayId }: { gatewayId: string }) {
  const { data, error: readError, loading, fetchMore, refetch } = useQuery(EVENTS, { variables: { gatewayId } });
  const [replayed, setReplayed] = useState<Record<string, Replayed>>({});
  const [latest, setLatest] = useState<Replayed>();
  const [replaying, setReplaying] = useState<string>();
  // Read again, the log is its first page: the new event is the newest, there.
  const [replay, { error }] = useMutation(REPLAY, {
    refetchQueries: ['MailboxInboundEvents', 'MailboxList'],
  });
  const page = data?.inboundEvents;
  const loadMore = (after: string) =>
    fetchMore({
      variables: { after },
      updateQuery: (prev, { fetchMoreResult }) => ({
        inboundEvents: {
          ...fetchMoreResult.inboundEvents,
          edges: joinPages(prev.inboundEvents.edges, fetchMoreResult.inboundEvents.edges),
        },
      }),
    });

  async function onReplay(id: string) {
    setReplaying(id);
    const { data } = await replay({ variables: { id } }).catch(() => ({ data: undefined }));
    setReplaying(undefined);
    if (!data) return;
    setReplayed((r) => ({ ...r, [id]: data.replayInboundEvent }));
    setLatest(data.replayInboundEvent);
  }

  return (
    <section aria-labelledby="mailbox-log" className="panel">
      <h2 id="mailbox-log">Inbound event log</h2>
      {/* The API pushes no inbound events, so the admin asks for the newest after changing the provider's panel. */}
      <div className="actions">
        {/* A failed read shows as the log's error, below. */}
        <button type="button" onClick={() => void refetch().catch(() => undefined)}>
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
        <tbody>
          {page?.edges.length === 0 && (
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
        </tbody>
      </table>
      <ErrorBanner error={readError} />
      {loading && !page && <Loading />}
      <LoadMore pageInfo={page?.pageInfo} load={loadMore} />
    </section>
  );
}

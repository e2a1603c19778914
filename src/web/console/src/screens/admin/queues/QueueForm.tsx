import { FormActions } from '../../../ui/FormActions';
import { useApolloClient } from '@apollo/client/react';
import { useEffect, useId, useState } from 'react';
import type { QueueInput, QueuesListQuery, QueuesUsersQuery } from '../../../gql/graphql';
import { ErrorBanner } from '../../../ui/feedback';
import { CheckboxField, TextField } from '../../../ui/fields';
import { useSubmit } from '../../../ui/useSubmit';
import { useFocusOnOpen } from '../focus';
import { MEMBERS_PAGE, MORE_MEMBERS } from './operations';

type Queue = QueuesListQuery['queues'][number];
type User = QueuesUsersQuery['users'][number];

/** The QueueInput fields the form has (`memberIds[2]` belongs to memberIds). */
const FIELDS = ['name', 'memberIds'] as const;

/**
 * Who can be ticked as a member: the active agents, and whoever is a member already (so that saving does not
 * drop a member the list would otherwise not show).
 */
function candidates(users: User[], queue?: Queue): User[] {
  const members = new Set(queue?.members.map((m) => m.id));
  return users.filter((u) => (u.role === 'AGENT' && u.active) || members.has(u.id));
}

/**
 * Every member of `queue`: the list shows one page of them, and saving replaces the whole set, so a queue with
 * a full first page is read to its end first (else saving would drop the members past it). Null while reading.
 */
function useAllMemberIds(queue?: Queue): string[] | null {
  const client = useApolloClient();
  const first = queue?.members.map((m) => m.id) ?? [];
  const [all, setAll] = useState<string[] | null>(first.length < MEMBERS_PAGE ? first : null);
  const queueId = queue?.id;
  useEffect(() => {
    if (all || !queueId) return;
    let cancelled = false;
    void (async () => {
      const ids = [...first];
      for (let page = first; page.length === MEMBERS_PAGE;) {
        const { data } = await client.query({
          query: MORE_MEMBERS,
          variables: { after: page[page.length - 1] },
          fetchPolicy: 'network-only',
        });
        page = data?.queues.find((q) => q.id === queueId)?.members.map((m) => m.id) ?? [];
        ids.push(...page);
      }
      if (!cancelled) setAll(ids);
    })();
    return () => {
      cancelled = true;
    };
    // Read once per opened form: later renders of the same queue change nothing here.
  }, [queueId]);
  return all;
}

/** A queue's name and its agents, as a list of checkboxes. `save` throws the API's refusal, shown by the form. */
export function QueueForm({
  title,
  queue,
  users,
  submitLabel,
  save,
  onCancel,
}: {
  title: string;
  /** The queue to edit; a new queue without it. */
  queue?: Queue;
  users: User[];
  submitLabel: string;
  save(input: QueueInput): Promise<unknown>;
  onCancel?(): void;
}) {
  const headingId = useId();
  const headingRef = useFocusOnOpen<HTMLHeadingElement>(Boolean(queue));
  const [name, setName] = useState(queue?.name ?? '');
  const allMemberIds = useAllMemberIds(queue);
  const [picked, setMemberIds] = useState<string[] | null>(null);
  const memberIds = picked ?? allMemberIds ?? [];
  const { onSubmit, busy, byField, banner } = useSubmit(FIELDS, async () => {
    await save({ name, memberIds });
    if (!queue) {
      setName('');
      setMemberIds([]);
    }
  });
  const people = candidates(users, queue);

  const toggle = (id: string, on: boolean) =>
    setMemberIds((ids) => {
      const now = ids ?? allMemberIds ?? [];
      return on ? [...now, id] : now.filter((i) => i !== id);
    });

  return (
    <form className="panel" onSubmit={onSubmit} aria-labelledby={headingId} noValidate>
      <h3 id={headingId} ref={headingRef} tabIndex={-1}>
        {title}
      </h3>
      <ErrorBanner error={banner} />
      <TextField label="Name" value={name} error={byField.name} onChange={(e) => setName(e.target.value)} />
      <fieldset className="members">
        <legend>Members</legend>
        <p className="help">
          Members are notified of the queue's messages and see its tickets; with none, every agent is.
        </p>
        {people.length === 0 && <p>There are no agents yet.</p>}
        {people.map((u) => (
          <CheckboxField
            key={u.id}
            label={u.active ? u.name : `${u.name} (deactivated)`}
            checked={memberIds.includes(u.id)}
            onChange={(e) => toggle(u.id, e.target.checked)}
          />
        ))}
        {byField.memberIds && (
          <div className="field-error" role="alert">
            {byField.memberIds}
          </div>
        )}
      </fieldset>
      <FormActions submitLabel={submitLabel} disabled={busy || !allMemberIds} onCancel={onCancel} />
    </form>
  );
}

import { useMutation, useQuery } from '@apollo/client/react';
import { useEffect, useRef, useState } from 'react';
import { ErrorBanner, Loading, Notice } from '../../../ui/feedback';
import { CREATE_QUEUE, QUEUES, UPDATE_QUEUE, USERS } from './operations';
import { QueueForm } from './QueueForm';

/** The queues with their members; a queue's agents are assigned in place, and a form adds a queue. */
export function QueueSection() {
  const queues = useQuery(QUEUES);
  const users = useQuery(USERS);
  const [create] = useMutation(CREATE_QUEUE, { refetchQueries: ['QueuesList'], awaitRefetchQueries: true });
  const [update] = useMutation(UPDATE_QUEUE);
  const [editing, setEditing] = useState<string | null>(null);
  /** The queue whose "Assign agents" gets the focus back once its form closes. */
  const [returnTo, setReturnTo] = useState<string | null>(null);
  const tableRef = useRef<HTMLTableElement>(null);
  useEffect(() => {
    if (!returnTo || editing) return;
    tableRef.current?.querySelector<HTMLButtonElement>(`[data-queue="${returnTo}"] button`)?.focus();
    setReturnTo(null);
  }, [returnTo, editing]);
  const close = (queueId: string) => {
    setEditing(null);
    setReturnTo(queueId);
  };
  const [notice, setNotice] = useState<string>();
  const error = queues.error ?? users.error;

  return (
    <section aria-labelledby="queues-title">
      <h2 id="queues-title">Queues</h2>
      <ErrorBanner error={error} />
      {notice && <Notice>{notice}</Notice>}
      {!queues.data || !users.data ? (
        !error && <Loading />
      ) : (
        <>
          <table ref={tableRef}>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Members</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {queues.data.queues.map((q) =>
                editing === q.id ? (
                  <tr key={q.id}>
                    <td colSpan={3}>
                      <QueueForm
                        title={`Assign agents to "${q.name}"`}
                        queue={q}
                        users={users.data!.users}
                        submitLabel="Save queue"
                        save={async (input) => {
                          const { data } = await update({ variables: { id: q.id, input } });
                          close(q.id);
                          setNotice(`Queue "${data?.updateQueue.name ?? q.name}" saved.`);
                        }}
                        onCancel={() => close(q.id)}
                      />
                    </td>
                  </tr>
                ) : (
                  <tr key={q.id} data-queue={q.id}>
                    <th scope="row">{q.name}</th>
                    <td>
                      {q.members.length ? (
                        q.members.map((m) => m.name).join(', ')
                      ) : (
                        <span className="muted">No members: every agent</span>
                      )}
                    </td>
                    <td>
                      <button type="button" onClick={() => setEditing(q.id)}>
                        Assign agents
                      </button>
                    </td>
                  </tr>
                ),
              )}
            </tbody>
          </table>
          <QueueForm
            title="Add a queue"
            users={users.data.users}
            submitLabel="Add queue"
            save={async (input) => {
              const { data } = await create({ variables: { input } });
              setNotice(`Queue "${data?.createQueue.name ?? input.name}" added.`);
            }}
          />
        </>
      )}
    </section>
  );
}

import { useMutation, useQuery } from '@apollo/client/react';
import { useState } from 'react';
import type { Role } from '../../../gql/graphql';
import { useUser } from '../../../session';
import { ErrorBanner, Loading, Notice } from '../../../ui/feedback';
import { SelectField, TextField } from '../../../ui/fields';
import { ROLE_LABELS } from '../../../ui/roles';
import { useSubmit } from '../../../ui/useSubmit';
import { CREATE_USER, DEACTIVATE_USER, REACTIVATE_USER, USERS } from './operations';

/** The people who log in: name, e-mail, role and whether they may; deactivate, reactivate, add. */
export function UserSection() {
  const me = useUser();
  const { data, error } = useQuery(USERS);
  const [deactivate] = useMutation(DEACTIVATE_USER);
  const [reactivate] = useMutation(REACTIVATE_USER);
  const [notice, setNotice] = useState<string>();
  const [actionError, setActionError] = useState<unknown>();

  async function setActive(user: { id: string; name: string }, active: boolean) {
    setNotice(undefined);
    setActionError(undefined);
    try {
      await (active ? reactivate : deactivate)({ variables: { id: user.id } });
      setNotice(active ? `${user.name} can log in again.` : `${user.name} is deactivated: logged out everywhere.`);
    } catch (err) {
      setActionError(err);
    }
  }

  return (
    <section aria-labelledby="users-title">
      <h2 id="users-title">Users</h2>
      <ErrorBanner error={error ?? actionError} />
      {notice && <Notice>{notice}</Notice>}
      {!data ? (
        !error && <Loading />
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">E-mail</th>
              <th scope="col">Role</th>
              <th scope="col">State</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {data.users.map((u) => (
              <tr key={u.id}>
                <th scope="row">{u.name}</th>
                <td>{u.email}</td>
                <td>{ROLE_LABELS[u.role]}</td>
                <td className={u.active ? 'status-ok' : 'status-bad'}>{u.active ? 'Active' : 'Deactivated'}</td>
                <td>
                  {u.id !== me.id && (
                    <button type="button" onClick={() => setActive(u, !u.active)}>
                      {u.active ? 'Deactivate' : 'Reactivate'}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <UserForm onCreated={(name) => setNotice(`User "${name}" added; they can log in now.`)} />
    </section>
  );
}

/** The CreateUserInput fields the form has. */
const FIELDS = ['name', 'email', 'password', 'role'] as const;
const EMPTY = { name: '', email: '', password: '', role: 'AGENT' as Role };

function UserForm({ onCreated }: { onCreated(name: string): void }) {
  const [values, setValues] = useState(EMPTY);
  const [create] = useMutation(CREATE_USER, {
    refetchQueries: ['QueuesUsers'],
    awaitRefetchQueries: true,
  });
  const { onSubmit, busy, byField, banner } = useSubmit(FIELDS, async () => {
    const { data } = await create({ variables: { input: values } });
    setValues(EMPTY);
    onCreated(data?.createUser.name ?? values.name);
  });
  const set = (patch: Partial<typeof EMPTY>) => setValues((v) => ({ ...v, ...patch }));

  return (
    <form className="panel" onSubmit={onSubmit} aria-labelledby="user-add" noValidate>
      <h3 id="user-add">Add a user</h3>
      <ErrorBanner error={banner} />
      <TextField
        label="Name"
        value={values.name}
        error={byField.name}
        onChange={(e) => set({ name: e.target.value })}
      />
      <TextField
        label="E-mail"
        type="email"
        autoComplete="off"
        value={values.email}
        error={byField.email}
        onChange={(e) => set({ email: e.target.value })}
      />
      <TextField
        label="Password"
        type="password"
        autoComplete="new-password"
        value={values.password}
        error={byField.password}
        help="Hand it over safely; they can change it later. The service says if it is too short."
        onChange={(e) => set({ password: e.target.value })}
      />
      <SelectField
        label="Role"
        value={values.role}
        error={byField.role}
        onChange={(e) => set({ role: e.target.value as Role })}
      >
        {(Object.keys(ROLE_LABELS) as Role[]).map((r) => (
          <option key={r} value={r}>
            {ROLE_LABELS[r]}
          </option>
        ))}
      </SelectField>
      <div className="actions">
        <button type="submit" className="primary" disabled={busy}>
          Add user
        </button>
      </div>
    </form>
  );
}

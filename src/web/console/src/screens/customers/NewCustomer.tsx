import { listOf } from '../../ui/lists';
import { useMutation } from '@apollo/client/react';
import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { formErrors } from '../../errors';
import { graphql } from '../../gql';
import { ErrorBanner } from '../../ui/feedback';
import { TextField } from '../../ui/fields';

/** The form's fields that the API's violations name. */
const FIELDS = ['name', 'phoneNumbers', 'email'];

const CREATE = graphql(`
  mutation CustomersCreate($input: CustomerInput!) {
    createCustomer(input: $input) {
      id
    }
  }
`);

/** A new customer card; the API checks the name, numbers and e-mail, and its messages appear by the fields. */
export function NewCustomer() {
  const navigate = useNavigate();
  const [open, setOpen] = useState(false);
  const [name, setName] = useState('');
  const [phones, setPhones] = useState('');
  const [email, setEmail] = useState('');
  const [create, { error, loading }] = useMutation(CREATE);
  const { byField: errors, banner } = formErrors(error, FIELDS);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const input = { name, phoneNumbers: listOf(phones), email: email.trim() || undefined };
    const r = await create({ variables: { input } }).catch(() => undefined);
    if (r?.data) navigate(`/customers/${r.data.createCustomer.id}`);
  }

  if (!open)
    return (
      <div className="actions">
        <button type="button" onClick={() => setOpen(true)}>
          New customer card
        </button>
      </div>
    );
  return (
    <form className="panel" aria-labelledby="new-customer-title" onSubmit={submit}>
      <h2 id="new-customer-title">New customer card</h2>
      <ErrorBanner error={banner} />
      <TextField label="Name" required value={name} error={errors.name} onChange={(e) => setName(e.target.value)} />
      <TextField
        label="Phone numbers"
        help="Separate several with commas; numbers without a country code are Polish."
        value={phones}
        error={errors.phoneNumbers}
        onChange={(e) => setPhones(e.target.value)}
      />
      <TextField
        label="E-mail"
        type="email"
        value={email}
        error={errors.email}
        onChange={(e) => setEmail(e.target.value)}
      />
      <div className="actions">
        <button type="submit" className="primary" disabled={loading}>
          Create card
        </button>
        <button type="button" onClick={() => setOpen(false)}>
          Cancel
        </button>
      </div>
    </form>
  );
}

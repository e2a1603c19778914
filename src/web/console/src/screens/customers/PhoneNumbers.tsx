import { useMutation } from '@apollo/client/react';
import { useState, type FormEvent } from 'react';
import { formErrors } from '../../errors';
import { graphql } from '../../gql';
import { ErrorBanner, Notice } from '../../ui/feedback';
import { TextField } from '../../ui/fields';
import { formatDateTime } from '../../ui/format';
import { optOutHow } from '../../ui/optOut';
import type { CardCustomer } from './CustomerCard';

const SET_OPT_OUT = graphql(`
  mutation CustomersSetOptOut($phoneNumber: String!, $optedOut: Boolean!, $reason: String!) {
    setOptOut(phoneNumber: $phoneNumber, optedOut: $optedOut, reason: $reason) {
      phoneNumber
      optedOut
    }
  }
`);

type OptOut = CardCustomer['optOuts'][number];

/** The card's numbers, each with whether it may be texted, and a way to opt it out or back in by hand. */
export function PhoneNumbers({ customer }: { customer: CardCustomer }) {
  const [changing, setChanging] = useState<{ phoneNumber: string; optedOut: boolean } | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const optOutOf = (n: string) => customer.optOuts.find((o) => o.phoneNumber === n && o.optedOut);
  return (
    <section aria-labelledby="customer-numbers">
      <h2 id="customer-numbers">Phone numbers</h2>
      {done && <Notice>{done}</Notice>}
      {customer.phoneNumbers.length === 0 ? (
        <p>The card has no phone number.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Number</th>
              <th scope="col">SMS</th>
              <th scope="col">Change</th>
            </tr>
          </thead>
          <tbody>
            {customer.phoneNumbers.map((n) => {
              const optOut = optOutOf(n);
              return (
                <tr key={n}>
                  <td>{n}</td>
                  <td>{optOut ? <OptedOut optOut={optOut} /> : <span className="status-ok">May be texted</span>}</td>
                  <td>
                    <button
                      type="button"
                      onClick={() => {
                        setDone(null);
                        setChanging({ phoneNumber: n, optedOut: !optOut });
                      }}
                    >
                      {optOut ? 'Opt back in' : 'Opt out'}
                      <span className="visually-hidden"> {n}</span>
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {changing && (
        <ChangeOptOut
          key={changing.phoneNumber}
          {...changing}
          onDone={(sentence) => {
            setChanging(null);
            if (sentence) setDone(sentence);
          }}
        />
      )}
    </section>
  );
}

function OptedOut({ optOut }: { optOut: OptOut }) {
  const by = optOut.source === 'MANUAL' && optOut.changedBy ? ` (${optOut.changedBy.name})` : '';
  const through = optOut.gateway ? ` (mailbox “${optOut.gateway.name}”)` : '';
  return (
    <>
      <span className="status-bad">Opted out since {formatDateTime(optOut.changedAt)}</span>
      <br />
      How: {optOutHow(optOut.source)}
      {by}
      {through}
      {optOut.reason && (
        <>
          <br />
          Reason: {optOut.reason}
        </>
      )}
    </>
  );
}

/** Opting one number out (optedOut) or back in, with the reason the history keeps. */
function ChangeOptOut({
  phoneNumber,
  optedOut,
  onDone,
}: {
  phoneNumber: string;
  optedOut: boolean;
  onDone(sentence?: string): void;
}) {
  const [reason, setReason] = useState('');
  const [setOptOut, { error, loading }] = useMutation(SET_OPT_OUT, {
    refetchQueries: ['CustomersCard'],
    awaitRefetchQueries: true,
  });
  const { byField: errors, banner } = formErrors(error, ['reason', 'phoneNumber']);
  const title = optedOut ? `Opt ${phoneNumber} out of SMS` : `Opt ${phoneNumber} back in to SMS`;

  async function submit(e: FormEvent) {
    e.preventDefault();
    const r = await setOptOut({ variables: { phoneNumber, optedOut, reason } }).catch(() => undefined);
    if (r?.data)
      onDone(optedOut ? `${phoneNumber} is opted out: it gets no SMS.` : `${phoneNumber} may be texted again.`);
  }

  return (
    <form className="panel" aria-labelledby="opt-out-title" onSubmit={submit}>
      <h3 id="opt-out-title">{title}</h3>
      <ErrorBanner error={banner} />
      <TextField
        label="Reason"
        required
        autoFocus
        help="Kept in the number's opt-out history, e.g. “asked by phone on 5 Dec”."
        value={reason}
        error={errors.reason ?? errors.phoneNumber}
        onChange={(e) => setReason(e.target.value)}
      />
      <div className="actions">
        <button type="submit" className="primary" disabled={loading}>
          {optedOut ? 'Opt out' : 'Opt back in'}
        </button>
        <button type="button" onClick={() => onDone()}>
          Cancel
        </button>
      </div>
    </form>
  );
}

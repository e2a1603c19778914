import { useMutation, useQuery } from '@apollo/client/react';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { asSent } from '../../../../../modules/outbound/segments';
import { formErrors } from '../../errors';
import { graphql } from '../../gql';
import type { CustomersSendSmsMutation } from '../../gql/graphql';
import { ErrorBanner, Notice } from '../../ui/feedback';
import { CheckboxField, SelectField, TextArea, TextField } from '../../ui/fields';
import { optedOutRefusal } from '../../ui/optOut';
import type { CardCustomer } from './CustomerCard';
import { SmsCounter } from './SmsCounter';

const OPTIONS = graphql(`
  query CustomersSendOptions {
    gateways {
      id
      name
      canSend
      replacePolishDiacritics
    }
    settings {
      defaultSmsGateway {
        id
      }
    }
  }
`);

const SEND = graphql(`
  mutation CustomersSendSms($input: SendSmsInput!) {
    sendSms(input: $input) {
      id
      status
      to
      parts
      encoding
      gateway {
        id
        name
      }
      ticket {
        id
      }
    }
  }
`);

/** The form's fields that the API's violations name; any other violation is shown as a banner. */
const FIELDS = ['to', 'text', 'gatewayId'];

type Sent = CustomersSendSmsMutation['sendSms'];

/** "Send SMS" on the card: recipient, mailbox, text with its live cost, and the API's answer in words. */
export function SendSms({ customer, onClose }: { customer: CardCustomer; onClose(): void }) {
  const options = useQuery(OPTIONS);
  const mailboxes = options.data?.gateways.filter((g) => g.canSend) ?? [];
  const defaultId = options.data?.settings.defaultSmsGateway?.id;
  const [to, setTo] = useState(customer.phoneNumbers[0] ?? '');
  const [chosen, setChosen] = useState<string | null>(null);
  const [replace, setReplace] = useState(true);
  const [text, setText] = useState('');
  const [sent, setSent] = useState<Sent | null>(null);
  const [send, { error, loading }] = useMutation(SEND, { refetchQueries: ['CustomersCard'] });
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);

  const single = mailboxes.length === 1 ? mailboxes[0].id : '';
  const gatewayId = chosen ?? (mailboxes.some((g) => g.id === defaultId) ? defaultId! : single);
  const mailbox = mailboxes.find((g) => g.id === gatewayId);
  const offersReplace = mailbox?.replacePolishDiacritics ?? false;
  const { seg } = asSent(text, offersReplace && replace);

  const { byField: errors, banner } = formErrors(error, FIELDS);
  const refusal = optedOutRefusal(error);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setSent(null);
    const input = {
      customerId: customer.id,
      to,
      text,
      gatewayId: gatewayId || undefined,
      replacePolishDiacritics: offersReplace ? replace : undefined,
    };
    const r = await send({ variables: { input } }).catch(() => undefined);
    if (r?.data) {
      setSent(r.data.sendSms);
      setText('');
    }
  }

  return (
    <form className="panel send-sms" aria-labelledby="send-sms-title" onSubmit={submit}>
      <h2 id="send-sms-title" ref={heading} tabIndex={-1}>
        Send SMS
      </h2>
      {sent && <SentNotice sent={sent} />}
      {refusal ? (
        <div className="banner error" role="alert">
          {refusal}
        </div>
      ) : (
        <ErrorBanner error={banner} />
      )}
      <ErrorBanner error={options.error} />
      {customer.phoneNumbers.length > 1 ? (
        <SelectField label="Recipient" value={to} error={errors.to} onChange={(e) => setTo(e.target.value)}>
          {customer.phoneNumbers.map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </SelectField>
      ) : (
        <TextField
          label="Recipient"
          type="tel"
          autoComplete="off"
          value={to}
          error={errors.to}
          help="The card's number; another must be added to the card first."
          onChange={(e) => setTo(e.target.value)}
        />
      )}
      <SelectField
        label="Mailbox"
        value={gatewayId}
        error={errors.gatewayId}
        onChange={(e) => {
          setChosen(e.target.value);
          setReplace(true);
        }}
      >
        {!gatewayId && <option value="">Choose a mailbox</option>}
        {mailboxes.map((g) => (
          <option key={g.id} value={g.id}>
            {g.name}
            {g.id === defaultId ? ' (default)' : ''}
          </option>
        ))}
      </SelectField>
      {offersReplace && (
        <CheckboxField
          label="Replace Polish letters"
          help="ą→a, ł→l…: the text stays in GSM-7, 160 characters a part instead of 70."
          checked={replace}
          onChange={(e) => setReplace(e.target.checked)}
        />
      )}
      <TextArea label="Text" rows={5} value={text} error={errors.text} onChange={(e) => setText(e.target.value)} />
      <SmsCounter seg={seg} />
      <div className="actions">
        <button type="submit" className="primary" disabled={loading}>
          Send
        </button>
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
    </form>
  );
}

function SentNotice({ sent }: { sent: Sent }) {
  const parts = `${sent.parts} ${sent.parts === 1 ? 'part' : 'parts'}`;
  return (
    <Notice>
      Queued: to {sent.to} through “{sent.gateway?.name ?? 'a deleted mailbox'}”, {parts}
      {sent.ticket ? (
        <>
          , on <Link to={`/tickets/${sent.ticket.id}`}>ticket #{sent.ticket.id}</Link>.
        </>
      ) : (
        ', on a ticket of a queue you do not see.'
      )}
    </Notice>
  );
}

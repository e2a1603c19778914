import { useMutation } from '@apollo/client/react';
import { useState, type FormEvent } from 'react';
import { formErrors } from '../../errors';
import { graphql } from '../../gql';
import type { TicketsMessageFragment } from '../../gql/graphql';
import { ErrorBanner } from '../../ui/feedback';
import { TextArea } from '../../ui/fields';
import { optedOutRefusal } from '../../ui/optOut';

const REPLY = graphql(`
  mutation TicketsReply($ticketId: ID!, $text: String!) {
    replyToTicket(ticketId: $ticketId, text: $text) {
      ...TicketsMessage
    }
  }
`);

/** The reply's own fields (a country or sender refusal names ticketId); a violation of any other is a banner. */
const FIELDS = ['text', 'ticketId'];

/** The part of the API's refusal that is not next to the field: the opt-out it was, or a banner. */
function Refusal({ error }: { error: unknown }) {
  const refusal = optedOutRefusal(error);
  if (!refusal) return <ErrorBanner error={formErrors(error, FIELDS).banner} />;
  return (
    <div className="banner error" role="alert">
      {refusal}
    </div>
  );
}

/**
 * The reply box of a ticket. The API says what is wrong (empty text, a closed ticket, an opted-out number); its
 * answer is shown, not guessed beforehand. The message sent is handed to `onSent` as the API returned it.
 */
export function ReplyBox({ ticketId, onSent }: { ticketId: string; onSent(m: TicketsMessageFragment): void }) {
  const [text, setText] = useState('');
  // Not written to the cache: the status pushes may already have moved the message past QUEUED.
  const [reply, { loading, error, reset }] = useMutation(REPLY, { fetchPolicy: 'no-cache' });
  const errors = formErrors(error, FIELDS).byField;
  // A closed ticket or a deleted mailbox is the ticket's violation, but it is the reply that cannot go.
  const fieldError = [errors.text, errors.ticketId].filter(Boolean).join(' ') || undefined;

  async function submit(e: FormEvent) {
    e.preventDefault();
    const { data } = await reply({ variables: { ticketId, text } }).catch(() => ({ data: undefined }));
    if (!data) return;
    setText('');
    onSent(data.replyToTicket);
  }

  return (
    <form className="reply" onSubmit={submit}>
      <Refusal error={error} />
      <TextArea
        label="Reply"
        value={text}
        error={fieldError}
        onChange={(e) => {
          setText(e.target.value);
          if (error) reset();
        }}
      />
      <button type="submit" className="primary" disabled={loading}>
        Send reply
      </button>
    </form>
  );
}

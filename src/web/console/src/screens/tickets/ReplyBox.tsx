import { useMutation } from '@apollo/client/react';
import { useState, type FormEvent } from 'react';
import { errorCode, errorExtensions, fieldErrors } from '../../errors';
import { graphql } from '../../gql';
import type { TicketsMessageFragment } from '../../gql/graphql';
import { ErrorBanner } from '../../ui/feedback';
import { TextArea } from '../../ui/fields';
import { optOutSentence } from './words';

const REPLY = graphql(`
  mutation TicketsReply($ticketId: ID!, $text: String!) {
    replyToTicket(ticketId: $ticketId, text: $text) {
      ...TicketsMessage
    }
  }
`);

/** The API's refusal as the desk reads it: next to the field, as the opt-out it was, or as a banner. */
function Refusal({ error }: { error: unknown }) {
  if (!error || errorCode(error) === 'BAD_USER_INPUT') return null;
  if (errorCode(error) === 'OPTED_OUT') {
    const x = errorExtensions(error);
    const sentence = optOutSentence({ phoneNumber: x.phoneNumber, changedAt: x.optedOutAt, source: x.optOutSource });
    return (
      <div className="banner error" role="alert">
        Not sent: {sentence} Replies to this number are refused until it opts in again.
      </div>
    );
  }
  return <ErrorBanner error={error} />;
}

/**
 * The reply box of a ticket. The API says what is wrong (empty text, a closed ticket, an opted-out number); its
 * answer is shown, not guessed beforehand. The message sent is handed to `onSent` as the API returned it.
 */
export function ReplyBox({ ticketId, onSent }: { ticketId: string; onSent(m: TicketsMessageFragment): void }) {
  const [text, setText] = useState('');
  // Not written to the cache: the status pushes may already have moved the message past QUEUED.
  const [reply, { loading, error, reset }] = useMutation(REPLY, { fetchPolicy: 'no-cache' });
  const errors = fieldErrors(error);
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

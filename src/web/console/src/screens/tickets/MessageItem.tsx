import { useState, type MouseEvent } from 'react';
import { graphql } from '../../gql';
import type { TicketsMessageFragment } from '../../gql/graphql';
import { useSession } from '../../session';
import { formatDateTime } from '../../ui/format';
import { MESSAGE_STATUS } from './words';

graphql(`
  fragment TicketsMessage on Message {
    id
    direction
    status
    kind
    from
    text
    subject
    createdAt
    deliveredAt
    errorMessage
    author {
      id
      name
    }
    attachments {
      id
      filename
      contentType
      size
      omitted
      url
    }
  }
`);

/** Where an outbound message is, in words: the status, with when it arrived or why it did not. */
function deliveryWords(m: TicketsMessageFragment): string {
  const word = MESSAGE_STATUS[m.status];
  if (m.status === 'DELIVERED' && m.deliveredAt) return `${word} ${formatDateTime(m.deliveredAt)}`;
  if (m.status === 'QUEUED' && m.errorMessage) return `${word}, to be tried again (last attempt: ${m.errorMessage})`;
  if (m.errorMessage && m.status !== 'SENT') return `${word}: ${m.errorMessage}`;
  return word;
}

/** One message of a conversation; who wrote it is said in words, not only by its place and colour. */
export function MessageItem({ message: m }: { message: TicketsMessageFragment }) {
  const inbound = m.direction === 'INBOUND';
  const who = inbound ? `From the customer (${m.from})` : `Reply by ${m.author?.name ?? m.from}`;
  return (
    <li className={inbound ? 'message inbound' : 'message outbound'}>
      <p className="message-head">
        <strong>{who}</strong>
        {m.kind === 'MMS' && ' · MMS'} · <time dateTime={m.createdAt}>{formatDateTime(m.createdAt)}</time>
      </p>
      {m.subject && <p className="message-subject">Subject: {m.subject}</p>}
      <p className="message-text">{m.text}</p>
      {m.attachments.length > 0 && (
        <ul className="attachments" aria-label="Attachments">
          {m.attachments.map((a) => (
            <li key={a.id}>
              <AttachmentLink attachment={a} />
            </li>
          ))}
        </ul>
      )}
      {!inbound && (
        <p className="delivery" role="status">
          Delivery: <span className={`delivery-${m.status.toLowerCase()}`}>{deliveryWords(m)}</span>
        </p>
      )}
    </li>
  );
}

type Attachment = TicketsMessageFragment['attachments'][number];

/**
 * An MMS file. The download needs the session's bearer token (no cookie carries it), so the link fetches the file
 * with it and saves what came back; the address stays the page's own origin, whatever public URL the API gives.
 */
function AttachmentLink({ attachment: a }: { attachment: Attachment }) {
  const { session } = useSession();
  const [problem, setProblem] = useState<string | null>(null);
  const name = a.filename ?? `attachment ${a.id}`;
  const label = `${name} (${a.contentType}, ${Math.ceil(a.size / 1024)} kB)`;
  if (a.omitted) return <span>{label}: over the size limit, not kept</span>;
  const href = new URL(a.url).pathname;

  async function download(e: MouseEvent) {
    e.preventDefault();
    setProblem(null);
    const res = await fetch(href, { headers: { authorization: `Bearer ${session?.token}` } }).catch(() => null);
    if (!res?.ok) {
      setProblem(res ? `The service answered ${res.status}.` : 'The service cannot be reached.');
      return;
    }
    const url = URL.createObjectURL(await res.blob());
    const save = document.createElement('a');
    save.href = url;
    save.download = name;
    save.click();
    URL.revokeObjectURL(url);
  }

  return (
    <>
      <a href={href} onClick={download}>
        {label}
      </a>
      {problem && (
        <span className="field-error" role="alert">
          {' '}
          Download failed: {problem}
        </span>
      )}
    </>
  );
}

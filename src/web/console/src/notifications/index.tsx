import { useId, useRef, useState, type KeyboardEvent } from 'react';
import { Link } from 'react-router';
import { ErrorBanner } from '../ui/feedback';
import { formatDateTime } from '../ui/format';
import { useNotifications, type Entry, type Notifications } from './useNotifications';

/**
 * The notification bell in the header: its name says the unread count ("Notifications, 3 unread"), a badge shows
 * it, and it opens the list of recent notifications.
 */
export function NotificationBell() {
  const n = useNotifications();
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const panelId = useId();

  function toggle() {
    if (!open) void n.catchUp();
    setOpen(!open);
  }
  function close() {
    setOpen(false);
    button.current?.focus();
  }
  function onKeyDown(e: KeyboardEvent) {
    if (e.key === 'Escape' && open) close();
  }

  return (
    <div className="bell" onKeyDown={onKeyDown}>
      {/* The name starts with the visible word and says the count the badge shows. */}
      <button
        ref={button}
        type="button"
        aria-label={`Notifications, ${n.unread} unread`}
        aria-expanded={open}
        aria-controls={panelId}
        onClick={toggle}
      >
        Notifications{' '}
        {n.unread > 0 && (
          <span className="bell-count" aria-hidden="true">
            {n.unread}
          </span>
        )}
      </button>
      <p className="visually-hidden" role="status">
        {n.arrived && `New notification: ${n.arrived}`}
      </p>
      {open ? (
        <NotificationPanel id={panelId} n={n} onLeave={() => setOpen(false)} onFailed={() => setOpen(true)} />
      ) : (
        <ErrorBanner error={n.error} />
      )}
    </div>
  );
}

interface Leaving {
  /** An entry's ticket was opened. */
  onLeave(): void;
  /** Marking that entry read failed: the list comes back to say so. */
  onFailed(): void;
}

function NotificationPanel({ id, n, ...leaving }: { id: string; n: Notifications } & Leaving) {
  const headingId = useId();
  return (
    <section id={id} className="bell-panel" aria-labelledby={headingId}>
      <div className="bell-panel-head">
        <h2 id={headingId}>Notifications</h2>
        <button type="button" onClick={() => void n.markAllRead()} disabled={n.unread === 0}>
          Mark all read
        </button>
      </div>
      <ErrorBanner error={n.error} />
      {n.entries.length === 0 ? (
        <p>No notifications yet.</p>
      ) : (
        <ol className="bell-list">
          {n.entries.map((e) => (
            <NotificationEntry key={e.id} entry={e} n={n} {...leaving} />
          ))}
        </ol>
      )}
    </section>
  );
}

/** One notification: an SMS or MMS opens its ticket (and is read then); an alert says what happened. */
function NotificationEntry({ entry: e, n, onLeave, onFailed }: { entry: Entry; n: Notifications } & Leaving) {
  return (
    <li className={e.read ? 'note' : 'note unread'}>
      <p className="note-head">
        {!e.read && <span className="note-tag">Unread</span>}
        {e.ticket ? (
          <Link
            to={`/tickets/${e.ticket.id}`}
            onClick={() => {
              onLeave();
              void n.markRead(e.id).then((done) => !done && onFailed());
            }}
          >
            {e.title}
          </Link>
        ) : (
          <strong>{e.title}</strong>
        )}
      </p>
      {e.body && <p className="note-body">{e.body}</p>}
      <p className="note-time">
        <time dateTime={e.createdAt}>{formatDateTime(e.createdAt)}</time>
        {!e.read && (
          <button type="button" onClick={() => void n.markRead(e.id)}>
            Mark read
          </button>
        )}
      </p>
    </li>
  );
}

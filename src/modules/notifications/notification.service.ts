import { NotificationKind } from './notification.entity';

const TITLE_TEXT_CHARS = 60;

/** `[SMS] <sender or customer name>: <start of text>`; whitespace collapsed, cut with an ellipsis. */
export function notificationTitle(kind: NotificationKind, who: string, text: string, subject?: string): string {
  const body = (text.trim() || subject?.trim() || '').replace(/\s+/g, ' ');
  const start = body.length > TITLE_TEXT_CHARS ? `${body.slice(0, TITLE_TEXT_CHARS - 1).trimEnd()}…` : body;
  const name = who.replace(/\s+/g, ' ').trim().slice(0, 100);
  return `[${kind}] ${name}: ${start}`.slice(0, 200);
}

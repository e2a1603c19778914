/** The notification bell in the header (its unread count and list). */
export function NotificationBell() {
  return null;
}

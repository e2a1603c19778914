import { useEffect } from 'react';

/** The tab's title for a screen, as a screen reader announces the page: "Tickets · smsdesk". */
export function usePageTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · smsdesk`;
  }, [title]);
}

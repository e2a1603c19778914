import { useState } from 'react';
import { ErrorBanner } from './feedback';

interface PageInfo {
  hasNextPage: boolean;
  endCursor?: string | null;
}

/**
 * A further page joined to a list, without the entries already in it: a live list moves an entry up into the
 * pages already read, and the next page would bring it a second time.
 */
export function joinPages<E extends { node: { id: string } }>(edges: E[], more: E[]): E[] {
  const have = new Set(edges.map((e) => e.node.id));
  return [...edges, ...more.filter((e) => !have.has(e.node.id))];
}

/**
 * "Load more" under a list read in pages: `load` reads on after the cursor (Apollo's fetchMore); the button is
 * there while the API says a next page follows, and a failure to read it is shown, not swallowed.
 */
export function LoadMore({
  pageInfo,
  load,
}: {
  pageInfo: PageInfo | undefined;
  load(after: string): Promise<unknown>;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();

  async function more(after: string) {
    setBusy(true);
    setError(undefined);
    try {
      await load(after);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  const after = pageInfo?.hasNextPage ? pageInfo.endCursor : undefined;
  return (
    <>
      <ErrorBanner error={error} />
      {after && (
        <div className="actions">
          <button type="button" disabled={busy} onClick={() => void more(after)}>
            Load more
          </button>
        </div>
      )}
    </>
  );
}

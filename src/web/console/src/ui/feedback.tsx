import type { ReactNode } from 'react';
import { describeError } from '../errors';

/** An API error as a sentence, announced to screen readers; nothing when there is no error. */
export function ErrorBanner({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <div className="banner error" role="alert">
      {describeError(error)}
    </div>
  );
}

/** A success or progress message, announced politely. */
export function Notice({ children }: { children: ReactNode }) {
  return (
    <div className="banner notice" role="status">
      {children}
    </div>
  );
}

export function Loading() {
  return (
    <p className="loading" role="status">
      Loading…
    </p>
  );
}

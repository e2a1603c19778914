import { useState, type FormEvent } from 'react';
import { formErrors } from '../errors';

/**
 * A form's submit: `action` sends it (and throws the API's refusal); busy while it runs, and the refusal split
 * into the form's `fields` and a banner (formErrors) until the next try.
 */
export function useSubmit(fields: readonly string[], action: () => Promise<unknown>) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await action();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return { onSubmit, busy, ...formErrors(error, fields) };
}

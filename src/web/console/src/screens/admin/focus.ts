import { useEffect, useRef } from 'react';

/**
 * A ref for the heading of a form opened in place of what the keyboard was on (the button that opened it is
 * gone): the focus moves to the heading, which a screen reader then reads, and Tab goes on into the form.
 */
export function useFocusOnOpen<E extends HTMLElement>(opened: boolean) {
  const ref = useRef<E>(null);
  useEffect(() => {
    if (opened) ref.current?.focus();
  }, [opened]);
  return ref;
}

import {
  useId,
  type InputHTMLAttributes,
  type ReactNode,
  type SelectHTMLAttributes,
  type TextareaHTMLAttributes,
} from 'react';

/*
 * Form controls with a visible <label> bound to the control (its accessible name is the label), the API's error
 * for the field right under it (announced, and tied to the control with aria-describedby) and an optional help
 * sentence.
 */

interface Described {
  label: string;
  /** The API's message for this field (from fieldErrors), shown under it. */
  error?: string;
  help?: ReactNode;
}

function useDescribed(error?: string, help?: ReactNode) {
  const id = useId();
  const errorId = `${id}-error`;
  const helpId = `${id}-help`;
  const describedBy = [error ? errorId : null, help ? helpId : null].filter(Boolean).join(' ') || undefined;
  const below = (
    <>
      {help && (
        <div id={helpId} className="help">
          {help}
        </div>
      )}
      {error && (
        <div id={errorId} className="field-error" role="alert">
          {error}
        </div>
      )}
    </>
  );
  return { id, describedBy, below };
}

export function TextField({ label, error, help, ...input }: Described & InputHTMLAttributes<HTMLInputElement>) {
  const { id, describedBy, below } = useDescribed(error, help);
  return (
    <div className={error ? 'field invalid' : 'field'}>
      <label htmlFor={id}>{label}</label>
      <input id={id} type="text" aria-invalid={error ? true : undefined} aria-describedby={describedBy} {...input} />
      {below}
    </div>
  );
}

export function TextArea({ label, error, help, ...input }: Described & TextareaHTMLAttributes<HTMLTextAreaElement>) {
  const { id, describedBy, below } = useDescribed(error, help);
  return (
    <div className={error ? 'field invalid' : 'field'}>
      <label htmlFor={id}>{label}</label>
      <textarea id={id} aria-invalid={error ? true : undefined} aria-describedby={describedBy} {...input} />
      {below}
    </div>
  );
}

export function SelectField({
  label,
  error,
  help,
  children,
  ...select
}: Described & SelectHTMLAttributes<HTMLSelectElement>) {
  const { id, describedBy, below } = useDescribed(error, help);
  return (
    <div className={error ? 'field invalid' : 'field'}>
      <label htmlFor={id}>{label}</label>
      <select id={id} aria-invalid={error ? true : undefined} aria-describedby={describedBy} {...select}>
        {children}
      </select>
      {below}
    </div>
  );
}

export function CheckboxField({
  label,
  error,
  help,
  ...input
}: Described & Omit<InputHTMLAttributes<HTMLInputElement>, 'type'>) {
  const { id, describedBy, below } = useDescribed(error, help);
  return (
    <div className={error ? 'field checkbox invalid' : 'field checkbox'}>
      <input
        id={id}
        type="checkbox"
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy}
        {...input}
      />
      <label htmlFor={id}>{label}</label>
      {below}
    </div>
  );
}

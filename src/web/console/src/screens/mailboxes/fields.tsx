import type { ReactNode } from 'react';
import { CheckboxField, SelectField, TextArea, TextField } from '../../ui/fields';
import { formatDateTime } from '../../ui/format';
import type { GenericHttpEdit, SecretEdit } from './form-state';

/** The help under a field: "Required." first where the catalog says so, then the catalog's sentence. */
export function helpOf(required: boolean, help?: ReactNode): ReactNode {
  if (!required) return help;
  return (
    <>
      <span className="required-mark">Required.</span> {help}
    </>
  );
}

interface SecretProps {
  label: string;
  help: ReactNode;
  required: boolean;
  /** The API says one is stored (hasPassword, hasCertificate, hasWebhookToken); never what it is. */
  isSet: boolean;
  /** When the stored certificate expires. */
  expiresAt?: string | null;
  multiline?: boolean;
  edit: SecretEdit;
  onChange(edit: SecretEdit): void;
  error?: string;
}

/**
 * A write-only secret: the API only says whether one is stored. Typing replaces it; "Remove" sends the empty
 * string that deletes it; leaving both alone keeps it.
 */
export function SecretInput({
  label,
  help,
  required,
  isSet,
  expiresAt,
  multiline,
  edit,
  onChange,
  error,
}: SecretProps) {
  const marker = isSet && (
    <>
      <span className="secret-set">Set</span>
      {expiresAt && <> (expires {formatDateTime(expiresAt)})</>}. Leave empty to keep it, or type a new one to replace
      it.{' '}
    </>
  );
  const common = {
    label,
    error,
    help: helpOf(
      required && !isSet,
      <>
        {marker}
        {help}
      </>,
    ),
    value: edit.value,
    disabled: edit.remove,
    'aria-required': required && !isSet ? true : undefined,
    autoComplete: 'off',
    spellCheck: false,
  };
  return (
    <div className="secret">
      {multiline ? (
        <TextArea {...common} onChange={(e) => onChange({ ...edit, value: e.target.value })} />
      ) : (
        <TextField
          {...common}
          type="password"
          autoComplete="new-password"
          onChange={(e) => onChange({ ...edit, value: e.target.value })}
        />
      )}
      {isSet && (
        <CheckboxField
          label={`Remove the stored ${label}`}
          checked={edit.remove}
          onChange={(e) => onChange({ value: '', remove: e.target.checked })}
        />
      )}
    </div>
  );
}

interface GenericHttpProps {
  legend: string;
  help: string;
  value: GenericHttpEdit;
  onChange(value: GenericHttpEdit): void;
  errors: Record<string, string>;
}

/** The API's names of what GenericHttpFields shows errors for: the settings as a whole, and each field. */
export const GENERIC_HTTP_FIELDS = [
  'genericHttp',
  'genericHttp.method',
  'genericHttp.urlTemplate',
  'genericHttp.bodyTemplate',
  'genericHttp.contentType',
];

/**
 * The send request of a provider without a built-in adapter. Only what saving a working mailbox needs is here;
 * headers, success rules and the inbound field mapping are set through the API and kept when this form saves.
 */
export function GenericHttpFields({ legend, help, value, onChange, errors }: GenericHttpProps) {
  const set = (patch: Partial<GenericHttpEdit>) => onChange({ ...value, ...patch });
  return (
    <fieldset className="generic-http">
      <legend>{legend}</legend>
      <p className="help">{help}</p>
      {errors.genericHttp && (
        <p className="field-error" role="alert">
          {errors.genericHttp}
        </p>
      )}
      <p className="help">
        Headers (API keys), success rules and the inbound field mapping are configured through the API (the GraphQL
        playground, updateGateway's genericHttp); saving this form keeps them.
      </p>
      <SelectField
        label="Send method"
        value={value.method}
        onChange={(e) => set({ method: e.target.value })}
        error={errors['genericHttp.method']}
      >
        <option value="POST">POST</option>
        <option value="GET">GET</option>
      </SelectField>
      <TextField
        label="Send URL template"
        value={value.urlTemplate}
        onChange={(e) => set({ urlTemplate: e.target.value })}
        help={helpOf(true, 'An http(s) URL; {to} {text} {from} {id} {login} {password} are filled in.')}
        aria-required
        error={errors['genericHttp.urlTemplate']}
      />
      <TextArea
        label="Send body template"
        value={value.bodyTemplate}
        onChange={(e) => set({ bodyTemplate: e.target.value })}
        help="With the same placeholders; empty sends no body."
        error={errors['genericHttp.bodyTemplate']}
      />
      <TextField
        label="Body content type"
        value={value.contentType}
        onChange={(e) => set({ contentType: e.target.value })}
        error={errors['genericHttp.contentType']}
      />
    </fieldset>
  );
}

import { useMutation } from '@apollo/client/react';
import { useState, type FormEvent } from 'react';
import { formErrors, violationsOf } from '../../errors';
import type { ProviderId } from '../../gql/graphql';
import { ErrorBanner, Notice } from '../../ui/feedback';
import { CheckboxField, SelectField, TextArea, TextField } from '../../ui/fields';
import { GENERIC_HTTP_FIELDS, GenericHttpFields, SecretInput, helpOf } from './fields';
import {
  createInput,
  emptyForm,
  formOf,
  serviceIdProblem,
  updateInput,
  type Mailbox,
  type MailboxForm,
  type Provider,
} from './form-state';
import { PRODUCT_LABELS, isSecret, type SecretField } from './labels';
import { CREATE, UPDATE } from './operations';

/** Form fields placed by the form itself, in the product's order; the provider's other fields follow. */
const PLACED = new Set(['name', 'provider', 'allowedIps', 'destinationNumber', 'prefixesToRemove', 'incomingActive']);

/** Whether the API says the mailbox has this secret stored. */
function isStored(mailbox: Mailbox | undefined, name: SecretField): boolean {
  if (!mailbox) return false;
  return {
    password: mailbox.hasPassword,
    certificatePem: mailbox.hasCertificate,
    webhookToken: mailbox.hasWebhookToken,
  }[name];
}

interface Props {
  providers: Provider[];
  /** The stored mailbox being edited; none for a new one. */
  mailbox?: Mailbox;
  onCreated?(id: string): void;
}

/** The SMS mailbox form, new or edit: the product's labels, the provider's fields from the catalog. */
export function MailboxEditor({ providers, mailbox, onCreated }: Props) {
  const [form, setForm] = useState<MailboxForm>(() => (mailbox ? formOf(mailbox) : emptyForm()));
  const [error, setError] = useState<unknown>();
  const [local, setLocal] = useState<Record<string, string>>({});
  const [saved, setSaved] = useState(false);
  const refetchQueries = ['MailboxList', 'MailboxDetail'];
  const [create, creating] = useMutation(CREATE, { refetchQueries });
  const [update, updating] = useMutation(UPDATE, { refetchQueries, awaitRefetchQueries: true });
  const provider = providers.find((p) => p.id === form.provider);
  const catalogField = (name: string) => provider?.fields.find((f) => f.name === name);
  const labelOf = (name: string) => PRODUCT_LABELS[name] ?? catalogField(name)?.label ?? name;

  const catalogNames = provider?.fields.map((f) => f.name) ?? [];
  const genericKeys = catalogNames.includes('genericHttp') ? GENERIC_HTTP_FIELDS : [];
  const { byField, unshown } = formErrors(error, [...PLACED, ...catalogNames, ...genericKeys]);
  const errors = { ...byField, ...local };
  const elsewhere = Object.entries(unshown);

  const patch = (p: Partial<MailboxForm>) => setForm((f) => ({ ...f, ...p }));
  const setText = (name: string, value: string) => setForm((f) => ({ ...f, text: { ...f.text, [name]: value } }));

  function chooseProvider(id: string) {
    const chosen = providers.find((p) => p.id === id);
    setForm((f) => ({
      ...f,
      provider: id as ProviderId | '',
      prefixesToRemove: f.prefixesTyped || !chosen ? f.prefixesToRemove : chosen.defaultPrefixesToRemove.join(', '),
    }));
  }

  async function save(e: FormEvent) {
    e.preventDefault();
    setSaved(false);
    const problem = serviceIdProblem(form);
    setLocal(problem ? { serviceId: problem } : {});
    if (problem) return;
    try {
      if (mailbox) {
        await update({ variables: { id: mailbox.id, input: updateInput(form, provider, mailbox) } });
        // The secrets are stored now; the fields go back to "keep" under their "Set" marker.
        setForm((f) => ({ ...f, secrets: emptyForm().secrets }));
        setSaved(true);
      } else {
        const { data } = await create({ variables: { input: createInput(form, provider) } });
        if (data) onCreated?.(data.createGateway.id);
      }
      setError(undefined);
    } catch (err) {
      setError(err);
    }
  }

  const destination = catalogField('destinationNumber');
  return (
    <form onSubmit={save} noValidate className="mailbox-form">
      {error !== undefined &&
        (violationsOf(error).length ? (
          <div className="banner error" role="alert">
            The mailbox was not saved: correct what is marked below.
            {elsewhere.length > 0 && (
              <ul>
                {elsewhere.map(([field, message]) => (
                  <li key={field}>
                    {labelOf(field)}: {message}
                  </li>
                ))}
              </ul>
            )}
          </div>
        ) : (
          <ErrorBanner error={error} />
        ))}
      {saved && <Notice>Saved.</Notice>}
      <TextField
        label={PRODUCT_LABELS.name}
        value={form.name}
        onChange={(e) => patch({ name: e.target.value })}
        help={helpOf(true, 'How agents see this mailbox when they pick one to send from; unique.')}
        aria-required
        error={errors.name}
      />
      <SelectField
        label={PRODUCT_LABELS.provider}
        value={form.provider}
        onChange={(e) => chooseProvider(e.target.value)}
        help={helpOf(true)}
        aria-required
        error={errors.provider}
      >
        <option value="">Choose a provider</option>
        {providers.map((p) => (
          <option key={p.id} value={p.id}>
            {p.displayName}
          </option>
        ))}
      </SelectField>
      <TextArea
        label={PRODUCT_LABELS.allowedIps}
        value={form.allowedIps}
        onChange={(e) => patch({ allowedIps: e.target.value })}
        help="Addresses or CIDR ranges the provider calls from, one a line or comma separated; empty allows all."
        error={errors.allowedIps}
        spellCheck={false}
      />
      {destination && (
        <TextField
          label={PRODUCT_LABELS.destinationNumber}
          type="tel"
          value={form.text.destinationNumber ?? ''}
          onChange={(e) => setText('destinationNumber', e.target.value)}
          help={helpOf(destination.required, destination.help)}
          aria-required={destination.required || undefined}
          error={errors.destinationNumber}
        />
      )}
      <TextField
        label={PRODUCT_LABELS.prefixesToRemove}
        value={form.prefixesToRemove}
        onChange={(e) => patch({ prefixesToRemove: e.target.value, prefixesTyped: true })}
        help="Removed from the numbers the provider sends before they are matched; the provider's usual ones are filled in."
        error={errors.prefixesToRemove}
      />
      <CheckboxField
        label={PRODUCT_LABELS.incomingActive}
        checked={form.incomingActive}
        onChange={(e) => patch({ incomingActive: e.target.checked })}
        help="Inbound SMS to the destination number become tickets; when off, the provider's calls are refused."
        error={errors.incomingActive}
      />
      {provider?.fields
        .filter((f) => !PLACED.has(f.name))
        .map((f) =>
          f.name === 'genericHttp' ? (
            <GenericHttpFields
              key={f.name}
              legend={f.label}
              help={f.help}
              value={form.genericHttp}
              onChange={(genericHttp) => patch({ genericHttp })}
              errors={errors}
            />
          ) : isSecret(f.name) ? (
            <SecretInput
              key={f.name}
              label={labelOf(f.name)}
              help={f.help}
              required={f.required}
              isSet={isStored(mailbox, f.name)}
              expiresAt={f.name === 'certificatePem' ? mailbox?.certificateExpiresAt : undefined}
              multiline={f.name === 'certificatePem'}
              edit={form.secrets[f.name]}
              onChange={(edit) => patch({ secrets: { ...form.secrets, [f.name]: edit } })}
              error={errors[f.name]}
            />
          ) : (
            <TextField
              key={f.name}
              label={labelOf(f.name)}
              value={form.text[f.name] ?? ''}
              inputMode={f.name === 'serviceId' ? 'numeric' : undefined}
              onChange={(e) => setText(f.name, e.target.value)}
              help={helpOf(f.required, f.help)}
              aria-required={f.required || undefined}
              error={errors[f.name]}
            />
          ),
        )}
      <div className="actions">
        <button type="submit" className="primary" disabled={creating.loading || updating.loading}>
          {mailbox ? 'Save' : 'Create mailbox'}
        </button>
      </div>
    </form>
  );
}

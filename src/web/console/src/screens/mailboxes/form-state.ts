import { listOf } from '../../ui/lists';
import type {
  GatewayInput,
  GatewayUpdateInput,
  GenericHttpInput,
  MailboxDetailQuery,
  MailboxProvidersQuery,
  ProviderId,
} from '../../gql/graphql';
import { isSecret, type SecretField } from './labels';

export type Provider = MailboxProvidersQuery['providers'][number];
export type Mailbox = MailboxDetailQuery['gateway'];

/** A stored secret: left as it is, replaced by what the admin typed, or removed. */
export interface SecretEdit {
  value: string;
  remove: boolean;
}

/** The generic HTTP send request the form edits; the rest of the settings are kept as stored. */
export interface GenericHttpEdit {
  method: string;
  urlTemplate: string;
  bodyTemplate: string;
  contentType: string;
}

/** What the admin has typed, as text: lists are split and numbers read only when the form is sent. */
export interface MailboxForm {
  name: string;
  provider: ProviderId | '';
  allowedIps: string;
  prefixesToRemove: string;
  /** The admin typed their own prefixes: choosing a provider no longer fills in its defaults. */
  prefixesTyped: boolean;
  incomingActive: boolean;
  /** Plain catalog fields (destinationNumber, login, senderName, serviceId, host, apiBaseUrl) by name. */
  text: Record<string, string>;
  secrets: Record<SecretField, SecretEdit>;
  genericHttp: GenericHttpEdit;
}

const noSecret = (): SecretEdit => ({ value: '', remove: false });

export function emptyForm(): MailboxForm {
  return {
    name: '',
    provider: '',
    allowedIps: '',
    prefixesToRemove: '',
    prefixesTyped: false,
    incomingActive: false,
    text: {},
    secrets: { password: noSecret(), certificatePem: noSecret(), webhookToken: noSecret() },
    genericHttp: {
      method: 'POST',
      urlTemplate: '',
      bodyTemplate: '',
      contentType: 'application/x-www-form-urlencoded',
    },
  };
}

export function formOf(g: Mailbox): MailboxForm {
  const h = g.genericHttp;
  return {
    ...emptyForm(),
    name: g.name,
    provider: g.provider,
    allowedIps: g.allowedIps.join('\n'),
    prefixesToRemove: g.prefixesToRemove.join(', '),
    prefixesTyped: true,
    incomingActive: g.incomingActive,
    text: {
      destinationNumber: g.destinationNumber ?? '',
      login: g.login ?? '',
      senderName: g.senderName ?? '',
      serviceId: g.serviceId == null ? '' : String(g.serviceId),
      host: g.host ?? '',
      apiBaseUrl: g.apiBaseUrl ?? '',
    },
    genericHttp: h
      ? {
          method: h.method,
          urlTemplate: h.urlTemplate,
          bodyTemplate: h.bodyTemplate ?? '',
          contentType: h.contentType ?? '',
        }
      : emptyForm().genericHttp,
  };
}

/** What is wrong with the Service ID as typed (the API takes a whole number only), or undefined. */
export function serviceIdProblem(form: MailboxForm): string | undefined {
  const v = (form.text.serviceId ?? '').trim();
  return v && !/^\d{1,9}$/.test(v) ? 'must be a whole number (the Service ID from the MultiInfo panel)' : undefined;
}

/** The fields of the provider's catalog entry the form sends (others it may hold from another provider are not). */
function catalogFields(form: MailboxForm, provider: Provider | undefined, isCreate: boolean) {
  const out: Record<string, unknown> = {};
  for (const f of provider?.fields ?? []) {
    if (f.name === 'genericHttp') continue;
    if (isSecret(f.name)) {
      const s = form.secrets[f.name];
      // An empty string removes a stored secret; absent keeps it.
      if (s.remove && !isCreate) out[f.name] = '';
      else if (s.value.trim()) out[f.name] = s.value;
      continue;
    }
    const value = (form.text[f.name] ?? '').trim();
    if (f.name === 'serviceId') {
      if (value) out.serviceId = Number(value);
    } else if (value || !isCreate) out[f.name] = value;
  }
  return out;
}

/**
 * The generic HTTP settings to send: the four the form edits over what is stored, so that saving the form does
 * not reset the inbound mapping or success rules set through the API. Headers are not sent (null keeps them).
 */
function genericHttpOf(form: MailboxForm, provider: Provider | undefined, stored: Mailbox['genericHttp'] | undefined) {
  if (!provider?.fields.some((f) => f.name === 'genericHttp') || !form.genericHttp.urlTemplate.trim()) return {};
  const g = form.genericHttp;
  // Apollo adds __typename to what it reads; an input object must not carry it.
  const kept = Object.fromEntries(Object.entries(stored ?? {}).filter(([k]) => k !== '__typename'));
  const input: GenericHttpInput = {
    ...kept,
    method: g.method,
    urlTemplate: g.urlTemplate.trim(),
    bodyTemplate: g.bodyTemplate.trim() || null,
    contentType: g.contentType.trim() || undefined,
  };
  return { genericHttp: input };
}

export function createInput(form: MailboxForm, provider: Provider | undefined): GatewayInput {
  return {
    name: form.name,
    provider: form.provider as ProviderId,
    allowedIps: listOf(form.allowedIps),
    prefixesToRemove: listOf(form.prefixesToRemove),
    incomingActive: form.incomingActive,
    ...catalogFields(form, provider, true),
    ...genericHttpOf(form, provider, undefined),
  };
}

export function updateInput(form: MailboxForm, provider: Provider | undefined, stored: Mailbox): GatewayUpdateInput {
  return {
    name: form.name,
    provider: form.provider as ProviderId,
    allowedIps: listOf(form.allowedIps),
    prefixesToRemove: listOf(form.prefixesToRemove),
    incomingActive: form.incomingActive,
    ...catalogFields(form, provider, false),
    ...genericHttpOf(form, provider, stored.genericHttp),
  };
}

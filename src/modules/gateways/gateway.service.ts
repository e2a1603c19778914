import crypto from 'node:crypto';
import { UniqueConstraintViolationException, type EntityManager } from '@mikro-orm/postgresql';
import { NotFoundError, ValidationError, Violations } from '../../common/errors';
import { parseIpOrCidr } from '../../common/ip';
import { toOwnNumber } from '../../common/phone';
import type { SecretBox } from '../../common/secret-box';
import { Support, type GatewayFieldName } from '../providers/catalog.types';
import { hostProblem, providerUrlProblem } from '../providers/provider-address';
import { WebhookPurpose, type WebhookUrl } from '../providers/provider';
import { providerFor } from '../providers/registry';
import { MessageRule } from '../rules/message-rule.entity';
import { isCountryCode } from '../../common/phone';
import { checkCertificateBundle } from './certificate';
import { Gateway, PasswordForm, WebhookAuth } from './gateway.entity';
import { gatewaySecretAt } from './gateway-secrets';
import {
  MAX_CONFIRMATION_CHARS,
  MAX_CONFIRMATION_PARTS,
  type GatewayInput,
  type GatewayUpdateInput,
} from './gateway.input';
import { replacePolishDiacritics, segments } from '../outbound/segments';
import type { GenericHttpInput, StoredGenericHttp } from './generic-http';

const HOST_RE =
  /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*(:\d{1,5})?$/i;
const PREFIX_RE = /^\+?[0-9]{1,8}$/;
/** The longest silence an alert may wait for: 30 days. */
const MAX_SILENCE_HOURS = 720;
const ALNUM_SENDER_RE = /^(?=.*[A-Za-z])[A-Za-z0-9 .\-_&]{1,11}$/;
const NUMERIC_SENDER_RE = /^\+?[0-9]{3,16}$/;
const HEADER_NAME_RE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/;
const PLACEHOLDER_RE = /\{(to|text|from|id|login|password)\}/g;

/** null/undefined: keep; "": remove; text: set. The write-only rule for secrets and clearable fields. */
/** A webhook token: 32 URL-safe characters from 24 random bytes. */
function newWebhookToken(): string {
  return crypto.randomBytes(24).toString('base64url');
}

function change(v: string | null | undefined): { keep: true } | { keep: false; value: string | undefined } {
  if (v === undefined || v === null) return { keep: true };
  const t = v.trim();
  return { keep: false, value: t === '' ? undefined : t };
}

/** What keeps a mailbox's opt-out confirmation from going out as one short SMS, or null. */
function confirmationProblem(
  g: Pick<Gateway, 'optOutConfirmation' | 'replacePolishDiacritics'>,
): { rule: string; message: string } | null {
  const text = g.optOutConfirmation ?? '';
  if (text.length > MAX_CONFIRMATION_CHARS)
    return { rule: 'maxLength', message: `must be at most ${MAX_CONFIRMATION_CHARS} characters` };
  const seg = segments(g.replacePolishDiacritics ? replacePolishDiacritics(text) : text);
  if (seg.parts > MAX_CONFIRMATION_PARTS)
    return {
      rule: 'maxParts',
      message: `is ${seg.parts} SMS parts long (${seg.encoding === 'UCS2' ? 'UCS-2, 70/67 characters a part' : 'GSM-7, 160/153 characters a part'}); a confirmation is at most ${MAX_CONFIRMATION_PARTS}`,
    };
  return null;
}

function httpUrl(text: string): URL | null {
  try {
    const u = new URL(text);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u : null;
  } catch {
    return null;
  }
}

/**
 * Where a mailbox's provider calls go: the origin of its API base URL (its own, the one its MultiInfo host
 * makes, or its provider's default) and of its generic URL template. A placeholder in a template's host is
 * filled with the mailbox's own value where it has one ({login}, {from}), so changing that moves the target.
 */
function callTargets(
  g: Pick<Gateway, 'provider' | 'apiBaseUrl' | 'host' | 'genericHttp' | 'login' | 'senderName'>,
): string {
  const own: Record<string, string | undefined> = { login: g.login, from: g.senderName };
  const origin = (text: string | undefined) =>
    text ? (httpUrl(text.replace(PLACEHOLDER_RE, (_m, k: string) => own[k] ?? `x-${k}-x`))?.origin ?? text) : '';
  return JSON.stringify([origin(providerFor(g.provider).baseUrl(g)), origin(g.genericHttp?.urlTemplate)]);
}

/** Mailbox configuration: validation of every field, secrets sealed on the way in. */
export class GatewayService {
  constructor(
    private readonly box: SecretBox,
    private readonly publicUrl: string,
    /** ALLOW_PRIVATE_PROVIDER_URLS: http and non-public addresses pass the save-time URL checks. */
    private readonly allowPrivateAddresses: boolean,
    /**
     * Called after a mailbox was saved, so that other modules can react without this one knowing them
     * (inbound starts polling a newly active polled mailbox at once instead of at the next supervisor run).
     */
    private readonly onSaved: (em: EntityManager, g: Gateway) => Promise<void> = async () => {},
  ) {}

  async create(em: EntityManager, input: GatewayInput): Promise<Gateway> {
    const g = new Gateway();
    g.provider = input.provider;
    // The id is taken before the secrets are sealed: each is bound to its row (gatewaySecretAt).
    const [{ id }] = await em.execute<{ id: number }[]>(
      `select nextval(pg_get_serial_sequence('gateway', 'id'))::int as id`,
    );
    g.id = id;
    await this.apply(em, g, input, true);
    em.persist(g);
    await this.flush(em);
    await this.onSaved(em, g);
    return g;
  }

  async update(em: EntityManager, id: number, input: GatewayUpdateInput): Promise<Gateway> {
    const g = await em.findOne(Gateway, { id });
    if (!g) throw new NotFoundError('Gateway', id);
    await this.apply(em, g, input, false);
    await this.flush(em);
    await this.onSaved(em, g);
    return g;
  }

  /** Deletes a mailbox no message rule names; returns its id. */
  async delete(em: EntityManager, id: number): Promise<number> {
    const g = await em.findOne(Gateway, { id });
    if (!g) throw new NotFoundError('Gateway', id);
    const rules = await em.find(MessageRule, { gateway: g }, { orderBy: { position: 'asc' } });
    if (rules.length) {
      throw ValidationError.single(
        'id',
        'inUse',
        `mailbox "${g.name}" is the condition of message rules ${rules.map((r) => `"${r.name}"`).join(', ')}; change or delete them first`,
      );
    }
    em.remove(g);
    await em.flush();
    return id;
  }

  /**
   * Every URL to paste into the provider's panel, each with its purpose and the mailbox's token (the provider
   * may make a template of our URL); empty for providers we poll or that cannot push.
   */
  webhookUrls(g: Gateway): WebhookUrl[] {
    const token = g.webhookTokenSecret
      ? this.box.open(g.webhookTokenSecret, gatewaySecretAt.webhookToken(g.id))
      : undefined;
    return providerFor(g.provider).webhookUrls(this.publicUrl, { destinationNumber: g.destinationNumber, token });
  }

  /** The inbound SMS URL of `webhookUrls`, or null when the provider has none. */
  webhookUrl(g: Gateway): string | null {
    return this.webhookUrls(g).find((u) => u.purpose === WebhookPurpose.INBOUND_SMS)?.url ?? null;
  }

  /** A secret of a mailbox in plain text, for a provider adapter; never for GraphQL. `at`: see gatewaySecretAt. */
  openSecret(sealed: string, at: string): string {
    return this.box.open(sealed, at);
  }

  private async flush(em: EntityManager): Promise<void> {
    try {
      await em.flush();
    } catch (e) {
      // The checks above run before the write; these only fire when two admins race.
      if (e instanceof UniqueConstraintViolationException) {
        if (/gateway_name_unique/.test(e.message))
          throw ValidationError.single('name', 'unique', 'another mailbox already has this name');
        if (/gateway_active_destination_unique/.test(e.message)) {
          throw ValidationError.single(
            'destinationNumber',
            'unique',
            'another active mailbox of this provider already receives SMS for this number',
          );
        }
      }
      throw e;
    }
  }

  private async apply(
    em: EntityManager,
    g: Gateway,
    input: GatewayInput | GatewayUpdateInput,
    isCreate: boolean,
  ): Promise<void> {
    const v = new Violations();
    const targetsBefore = isCreate ? undefined : callTargets(g);
    if (input.provider) g.provider = input.provider;
    const provider = providerFor(g.provider);
    const entry = provider.catalog;

    if (input.name != null) {
      const name = input.name.trim();
      if (!name) v.add('name', 'required', 'must not be empty');
      else if (await em.count(Gateway, { name, ...(g.id ? { id: { $ne: g.id } } : {}) })) {
        v.add('name', 'unique', `another mailbox is already called "${name}"`);
      }
      g.name = name;
    }

    if (input.allowedIps != null) {
      const out: string[] = [];
      input.allowedIps.forEach((raw, i) => {
        const p = parseIpOrCidr(raw);
        if (!p)
          v.add(
            `allowedIps[${i}]`,
            'ipOrCidr',
            `"${raw}" is not an IPv4/IPv6 address or CIDR range (e.g. 203.0.113.7, 203.0.113.0/24, 2001:db8::/32)`,
          );
        else if (!out.includes(p.canonical)) out.push(p.canonical);
      });
      g.allowedIps = out;
    }

    if (input.allowedCountries != null) {
      const out: string[] = [];
      input.allowedCountries.forEach((raw, i) => {
        const code = raw.trim().toUpperCase();
        if (!isCountryCode(code))
          v.add(
            `allowedCountries[${i}]`,
            'countryCode',
            `"${raw}" is not a country code (ISO 3166-1 alpha-2, e.g. PL, DE, GB)`,
          );
        else if (!out.includes(code)) out.push(code);
      });
      g.allowedCountries = out;
    }

    const dest = change(input.destinationNumber);
    if (!dest.keep) {
      if (dest.value === undefined) g.destinationNumber = undefined;
      else {
        const r = toOwnNumber(dest.value);
        if (r.ok) g.destinationNumber = r.e164;
        else v.add('destinationNumber', 'phoneNumber', `"${dest.value}" ${r.reason}`);
      }
    }

    if (input.prefixesToRemove != null) {
      const list = input.prefixesToRemove.map((p) => p.trim()).filter(Boolean);
      list.forEach((p, i) => {
        if (!PREFIX_RE.test(p))
          v.add(
            `prefixesToRemove[${i}]`,
            'prefix',
            `"${p}" must be up to 8 digits, optionally after a "+" (e.g. +48, 0048, 48)`,
          );
      });
      // Longest first, so that "0048" is tried before "0".
      g.prefixesToRemove = [...new Set(list)].sort((a, b) => b.length - a.length);
    } else if (isCreate) {
      g.prefixesToRemove = [...entry.defaultPrefixesToRemove];
    }

    if (input.incomingActive != null) {
      // Switched on, its silence is counted from now.
      if (input.incomingActive && !g.incomingActive) g.silenceAlertSince = new Date();
      g.incomingActive = input.incomingActive;
    }

    const login = change(input.login);
    if (!login.keep) g.login = login.value;

    const password = change(input.password);
    if (!password.keep) {
      if (password.value === undefined) {
        g.passwordSecret = undefined;
        g.passwordForm = undefined;
      } else {
        const { value, form } = provider.normalisePassword?.(g.login, password.value) ?? {
          value: password.value,
          form: PasswordForm.PLAIN,
        };
        g.passwordSecret = this.box.seal(value, gatewaySecretAt.password(g.id));
        g.passwordForm = form;
      }
    }

    const sender = change(input.senderName);
    if (!sender.keep) {
      if (sender.value !== undefined && !ALNUM_SENDER_RE.test(sender.value) && !NUMERIC_SENDER_RE.test(sender.value)) {
        v.add(
          'senderName',
          'senderName',
          `"${sender.value}" must be 1–11 letters, digits, space or . - _ & (with at least one letter), or a phone number of 3–16 digits`,
        );
      }
      g.senderName = sender.value;
    }

    if (input.serviceId != null) {
      if (!Number.isInteger(input.serviceId) || input.serviceId <= 0)
        v.add('serviceId', 'positive', 'must be a positive whole number (the Service ID from the MultiInfo panel)');
      g.serviceId = input.serviceId;
    }

    const host = change(input.host);
    if (!host.keep) {
      if (host.value !== undefined && !HOST_RE.test(host.value)) {
        const u = httpUrl(host.value) ?? httpUrl(`https://${host.value}`);
        const hint = u?.host ? ` such as "${u.host}"` : ' such as "api1.multiinfo.plus.pl"';
        v.add('host', 'bareHost', `must be a bare host name${hint}, without "https://" or a path`);
      } else if (host.value !== undefined) {
        const p = hostProblem(host.value, this.allowPrivateAddresses);
        if (p) v.add('host', p.rule, p.message);
      }
      g.host = host.value?.toLowerCase();
    }

    const cert = change(input.certificatePem);
    if (!cert.keep) {
      if (cert.value === undefined) {
        g.certificateSecret = undefined;
        g.certificateExpiresAt = undefined;
      } else {
        const c = checkCertificateBundle(cert.value);
        if (c.ok) {
          g.certificateSecret = this.box.seal(cert.value, gatewaySecretAt.certificate(g.id));
          g.certificateExpiresAt = c.expiresAt;
        } else v.add('certificatePem', c.rule, c.message);
      }
    }

    const base = change(input.apiBaseUrl);
    if (!base.keep) {
      if (base.value !== undefined) {
        const u = httpUrl(base.value);
        const p = u ? providerUrlProblem(u, this.allowPrivateAddresses) : null;
        if (!u || u.search || u.hash)
          v.add(
            'apiBaseUrl',
            'httpUrl',
            'must be an http(s) URL without query or fragment, e.g. https://api2.smsapi.pl',
          );
        else if (p) v.add('apiBaseUrl', p.rule, p.message);
      }
      g.apiBaseUrl = base.value?.replace(/\/+$/, '');
    }

    this.applyWebhookAuth(g, input, isCreate, v);

    if (input.genericHttp != null) g.genericHttp = this.genericHttp(g.id, input.genericHttp, g.genericHttp, v);

    // A stored secret goes only where it was entered for: pointing the mailbox elsewhere needs it typed again.
    if (targetsBefore !== undefined && targetsBefore !== callTargets(g)) {
      const moved =
        'the provider URL or host changed; enter it again, so that a stored secret is never sent to a new address';
      if (g.passwordSecret && password.keep) v.add('password', 'reenterOnNewAddress', moved);
      if (g.genericHttp?.headers.length && input.genericHttp?.headers == null)
        v.add('genericHttp.headers', 'reenterOnNewAddress', moved);
    }
    if (input.replacePolishDiacritics != null) g.replacePolishDiacritics = input.replacePolishDiacritics;
    if (input.silenceAlertHours != null) {
      const h = input.silenceAlertHours;
      if (!Number.isInteger(h) || h < 0 || h > MAX_SILENCE_HOURS)
        v.add(
          'silenceAlertHours',
          'range',
          `must be a whole number of hours from 1 to ${MAX_SILENCE_HOURS}, or 0 for no alert`,
        );
      else if (h !== g.silenceAlertHours) {
        g.silenceAlertHours = h === 0 ? undefined : h;
        // The silence is counted from now, not from a message long ago.
        g.silenceAlertSince = h === 0 ? undefined : new Date();
      }
    }
    const confirmation = change(input.optOutConfirmation);
    if (!confirmation.keep) g.optOutConfirmation = confirmation.value;
    if (g.optOutConfirmation) {
      const problem = confirmationProblem(g);
      if (problem) v.add('optOutConfirmation', problem.rule, problem.message);
    }

    // Required fields of the provider, judged on the merged state so an update may omit stored ones.
    const has: Record<GatewayFieldName, boolean> = {
      login: !!g.login,
      password: !!g.passwordSecret,
      senderName: !!g.senderName,
      serviceId: g.serviceId != null,
      host: !!g.host,
      certificatePem: !!g.certificateSecret,
      apiBaseUrl: true,
      webhookToken: true,
      destinationNumber: !!g.destinationNumber || !g.incomingActive,
      genericHttp: !!g.genericHttp,
    };
    const own = provider.validate?.(g) ?? [];
    for (const x of own) v.add(x.field, x.rule, x.message);
    for (const f of entry.fields) {
      if (f.required && !has[f.name] && !own.some((x) => x.field === f.name))
        v.add(f.name, 'required', `${entry.displayName} needs ${f.label}`);
    }
    if (g.incomingActive && !g.destinationNumber) {
      v.add(
        'destinationNumber',
        'required',
        'is needed to receive SMS (the number customers write to); or set incomingActive to false',
      );
    }
    const canReceive =
      entry.capabilities.inboundPush !== Support.NO || entry.capabilities.inboundPolling !== Support.NO;
    if (g.incomingActive && !canReceive) {
      v.add('incomingActive', 'supported', `${entry.displayName} cannot deliver inbound SMS to smsdesk`);
    }
    if (g.incomingActive && g.destinationNumber) {
      const clash = await em.findOne(Gateway, {
        provider: g.provider,
        destinationNumber: g.destinationNumber,
        incomingActive: true,
        ...(g.id ? { id: { $ne: g.id } } : {}),
      });
      if (clash)
        v.add(
          'destinationNumber',
          'unique',
          `active mailbox "${clash.name}" of ${entry.displayName} already receives SMS for ${g.destinationNumber}`,
        );
    }
    v.throwIfAny();
  }

  /**
   * The webhook token and how webhooks are authenticated. A new mailbox gets a random token unless the admin
   * gives one; a mailbox in TOKEN mode always has one; IP_LIST_ONLY needs allowed IPs; LEGACY_OPEN (mailboxes
   * from before tokens) cannot be chosen, and is left by giving a token or choosing IP_LIST_ONLY.
   */
  private applyWebhookAuth(
    g: Gateway,
    input: GatewayInput | GatewayUpdateInput,
    isCreate: boolean,
    v: Violations,
  ): void {
    const token = change(input.webhookToken);
    if (!token.keep) {
      if (token.value !== undefined && token.value.length < 8)
        v.add('webhookToken', 'minLength', 'must be at least 8 characters');
      g.webhookTokenSecret =
        token.value === undefined ? undefined : this.box.seal(token.value, gatewaySecretAt.webhookToken(g.id));
    }
    if (input.webhookAuth === WebhookAuth.LEGACY_OPEN) {
      v.add(
        'webhookAuth',
        'oneOf',
        'must be TOKEN or IP_LIST_ONLY (LEGACY_OPEN is only what mailboxes made before webhook tokens keep until changed)',
      );
    } else if (input.webhookAuth) g.webhookAuth = input.webhookAuth;
    else if (g.webhookAuth === WebhookAuth.LEGACY_OPEN && !token.keep && token.value !== undefined)
      g.webhookAuth = WebhookAuth.TOKEN;
    if (g.webhookAuth === WebhookAuth.TOKEN && !g.webhookTokenSecret) {
      if (isCreate || input.webhookAuth === WebhookAuth.TOKEN)
        g.webhookTokenSecret = this.box.seal(newWebhookToken(), gatewaySecretAt.webhookToken(g.id));
      else
        v.add(
          'webhookToken',
          'required',
          'a mailbox whose webhooks are authenticated by token needs one: rotate it (rotateWebhookToken) instead of removing it, or choose webhookAuth IP_LIST_ONLY with allowed IPs',
        );
    }
    if (g.webhookAuth === WebhookAuth.IP_LIST_ONLY && !g.allowedIps.length) {
      v.add(
        'allowedIps',
        'required',
        "must name the provider's addresses when webhookAuth is IP_LIST_ONLY (an empty list would accept anyone)",
      );
    }
  }

  /** Gives a mailbox a new random webhook token (the old one stops working at once); it leaves LEGACY_OPEN. */
  async rotateWebhookToken(em: EntityManager, id: number): Promise<Gateway> {
    const g = await em.findOne(Gateway, { id });
    if (!g) throw new NotFoundError('Gateway', id);
    g.webhookTokenSecret = this.box.seal(newWebhookToken(), gatewaySecretAt.webhookToken(g.id));
    if (g.webhookAuth === WebhookAuth.LEGACY_OPEN) g.webhookAuth = WebhookAuth.TOKEN;
    await this.flush(em);
    await this.onSaved(em, g);
    return g;
  }

  private genericHttp(
    id: number,
    input: GenericHttpInput,
    stored: StoredGenericHttp | undefined,
    v: Violations,
  ): StoredGenericHttp {
    const method = (input.method ?? 'POST').toUpperCase();
    if (method !== 'GET' && method !== 'POST') v.add('genericHttp.method', 'oneOf', 'must be GET or POST');
    const url = httpUrl(input.urlTemplate.replace(PLACEHOLDER_RE, 'x'));
    const urlProblem = url ? providerUrlProblem(url, this.allowPrivateAddresses) : null;
    if (!url) {
      v.add(
        'genericHttp.urlTemplate',
        'httpUrl',
        'must be an http(s) URL; placeholders {to} {text} {from} {id} {login} {password} may stand in it',
      );
    } else if (urlProblem) v.add('genericHttp.urlTemplate', urlProblem.rule, urlProblem.message);
    // The host is the mailbox's to choose, never a message's: a placeholder filled from what an agent sends
    // ({to}, {text}, {id}) or a secret ({password}) there would let a message pick where the secrets go.
    const authority = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(input.urlTemplate)?.[1] ?? '';
    if (/\{(to|text|id|password)\}/.test(authority)) {
      v.add(
        'genericHttp.urlTemplate',
        'placeholderInHost',
        'may not have {to}, {text}, {id} or {password} in its host; they belong in the path or query',
      );
    }
    if (input.successBodyPattern) {
      try {
        new RegExp(input.successBodyPattern);
      } catch {
        v.add('genericHttp.successBodyPattern', 'regex', 'is not a valid regular expression');
      }
    }
    if (input.successStatus != null && (input.successStatus < 100 || input.successStatus > 599)) {
      v.add('genericHttp.successStatus', 'httpStatus', 'must be an HTTP status from 100 to 599');
    }
    const headers =
      input.headers == null
        ? (stored?.headers ?? [])
        : input.headers.map((h, i) => {
            if (!HEADER_NAME_RE.test(h.name))
              v.add(`genericHttp.headers[${i}].name`, 'headerName', `"${h.name}" is not a valid HTTP header name`);
            return { name: h.name, sealedValue: this.box.seal(h.value, gatewaySecretAt.header(id, h.name)) };
          });
    const { headers: _h, method: _m, ...rest } = input;
    const clean = Object.fromEntries(Object.entries(rest).filter(([, x]) => x != null && x !== ''));
    return { ...clean, method, headers } as StoredGenericHttp;
  }
}

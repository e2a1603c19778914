import type { EntityManager } from '@mikro-orm/postgresql';
import type { SecretBox } from '../../common/secret-box';
import { ipMatcher } from '../../common/ip';
import { gatewaySecretAt } from '../gateways/gateway-secrets';
import type { StoredGenericHttp } from '../gateways/generic-http';
import type { Mailbox } from '../providers/adapter';
import type { ProviderId } from '../providers/catalog.types';
import { mailboxOf } from '../providers/runtime';
import { canonicalDestination } from './numbers';
import { clip } from '../../common/text';
import { tokenMatches } from '../../webhooks/token';
import { WebhookAuth } from '../gateways/gateway.entity';
import { InboundReason } from './inbound-event.entity';

/** A mailbox as inbound routing needs it: read with one query, secrets opened only when used. */
export interface InboundMailbox {
  id: number;
  name: string;
  provider: ProviderId;
  /** Canonical destination (E.164, or a short number's digits); null when the mailbox has none. */
  destination: string | null;
  prefixesToRemove: string[];
  incomingActive: boolean;
  ipAllowed: (ip: string) => boolean;
  /** The allowed IP list is not empty. */
  hasIpList: boolean;
  hasToken: boolean;
  webhookAuth: WebhookAuth;
  /** The adapter's view (opens the secrets; cached). */
  mailbox(): Mailbox;
  token(): string | undefined;
}

interface GatewayRow {
  id: number;
  name: string;
  provider: ProviderId;
  destination_number: string | null;
  prefixes_to_remove: string[];
  incoming_active: boolean;
  allowed_ips: string[];
  webhook_token_secret: string | null;
  webhook_auth: WebhookAuth;
  login: string | null;
  password_secret: string | null;
  password_form: Mailbox['passwordForm'] | null;
  sender_name: string | null;
  service_id: number | null;
  host: string | null;
  api_base_url: string | null;
  certificate_secret: string | null;
  generic_http: StoredGenericHttp | null;
  replace_polish_diacritics: boolean;
}

const COLUMNS = `id, name, provider, destination_number, prefixes_to_remove, incoming_active, allowed_ips, webhook_token_secret, webhook_auth,
  login, password_secret, password_form, sender_name, service_id, host, api_base_url, generic_http, replace_polish_diacritics`;

function toInbound(r: GatewayRow, box: SecretBox): InboundMailbox {
  let mailbox: Mailbox | undefined;
  let token: string | undefined | null = null;
  return {
    id: r.id,
    name: r.name,
    provider: r.provider,
    destination: canonicalDestination(r.destination_number),
    prefixesToRemove: r.prefixes_to_remove ?? [],
    incomingActive: r.incoming_active,
    ipAllowed: ipMatcher(r.allowed_ips ?? []),
    hasIpList: (r.allowed_ips ?? []).length > 0,
    hasToken: r.webhook_token_secret != null,
    webhookAuth: r.webhook_auth,
    token() {
      if (token === null)
        token = r.webhook_token_secret
          ? box.open(r.webhook_token_secret, gatewaySecretAt.webhookToken(r.id))
          : undefined;
      return token;
    },
    mailbox() {
      mailbox ??= mailboxOf(
        {
          id: r.id,
          name: r.name,
          provider: r.provider,
          login: r.login ?? undefined,
          passwordSecret: r.password_secret ?? undefined,
          passwordForm: r.password_form ?? undefined,
          senderName: r.sender_name ?? undefined,
          serviceId: r.service_id ?? undefined,
          host: r.host ?? undefined,
          certificateSecret: r.certificate_secret ?? undefined,
          apiBaseUrl: r.api_base_url ?? undefined,
          destinationNumber: r.destination_number ?? undefined,
          prefixesToRemove: r.prefixes_to_remove ?? [],
          webhookTokenSecret: r.webhook_token_secret ?? undefined,
          replacePolishDiacritics: r.replace_polish_diacritics,
          genericHttp: r.generic_http ?? undefined,
        },
        (sealed, aad) => box.open(sealed, aad),
      );
      return mailbox;
    },
  };
}

/** Why a webhook call may not speak for a mailbox. */
export interface NotAdmitted {
  code: InboundReason.IP_NOT_ALLOWED | InboundReason.BAD_TOKEN;
  reason: string;
}

/**
 * Whether a webhook call (an inbound message or a delivery report) may speak for this mailbox: the allowed
 * IP list, then the mailbox's way of authentication (`WebhookAuth`), the token compared in constant time.
 * Null when it may. The reasons name the mailbox: they go to the event log admins read, never to the caller.
 */
export function admits(m: InboundMailbox, call: { remoteIp: string; token?: string }): NotAdmitted | null {
  if (!m.ipAllowed(call.remoteIp)) {
    return {
      code: InboundReason.IP_NOT_ALLOWED,
      reason: `client IP ${clip(call.remoteIp, 45)} is not in the allowed IP list of mailbox "${m.name}"`,
    };
  }
  if (m.webhookAuth === WebhookAuth.IP_LIST_ONLY) {
    return m.hasIpList
      ? null
      : {
          code: InboundReason.IP_NOT_ALLOWED,
          reason: `mailbox "${m.name}" accepts its allowed IP addresses only, and its list is empty`,
        };
  }
  if (m.webhookAuth === WebhookAuth.LEGACY_OPEN && !m.hasToken) return null;
  const expected = m.token();
  if (!call.token)
    return {
      code: InboundReason.BAD_TOKEN,
      reason: `mailbox "${m.name}" requires a webhook token and the request has none`,
    };
  if (!expected || !tokenMatches(call.token, expected))
    return { code: InboundReason.BAD_TOKEN, reason: `the webhook token does not match the one of mailbox "${m.name}"` };
  return null;
}

/**
 * Loads mailboxes for inbound work. Webhooks read every mailbox of the provider in one query (a handful
 * of rows) without the certificate; pollers read one mailbox with it.
 */
export class InboundMailboxes {
  private readonly cache = new Map<ProviderId, { at: number; list: InboundMailbox[] }>();

  constructor(private readonly box: SecretBox) {}

  /**
   * The mailboxes of a provider, from this instance's cache when it is younger than `maxAgeMs` (a query
   * per webhook is a fifth of the hot path's round trips). `fresh` says whether they were just read.
   */
  async ofProvider(
    em: EntityManager,
    provider: ProviderId,
    maxAgeMs = 0,
  ): Promise<{ list: InboundMailbox[]; fresh: boolean }> {
    const hit = this.cache.get(provider);
    if (hit && maxAgeMs > 0 && Date.now() - hit.at < maxAgeMs) return { list: hit.list, fresh: false };
    const at = Date.now();
    const rows = await em.execute<GatewayRow[]>(
      `select ${COLUMNS}, null as certificate_secret from gateway where provider = ? order by id`,
      [provider],
    );
    const list = rows.map((r) => toInbound(r, this.box));
    this.cache.set(provider, { at, list });
    return { list, fresh: true };
  }

  async byId(em: EntityManager, id: number): Promise<InboundMailbox | null> {
    const rows = await em.execute<GatewayRow[]>(`select ${COLUMNS}, certificate_secret from gateway where id = ?`, [
      id,
    ]);
    return rows[0] ? toInbound(rows[0], this.box) : null;
  }
}

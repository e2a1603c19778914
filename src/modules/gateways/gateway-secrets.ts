import { sealedAt } from '../../common/secret-box';

/**
 * Where each sealed secret of a mailbox lives, as the associated data it is sealed with: the row's id and
 * the column (a generic HTTP header by its name inside `generic_http`). A new mailbox takes its id from
 * the table's sequence before its secrets are sealed (GatewayService.create), so every secret is bound
 * to its row from its first write.
 */
export const gatewaySecretAt = {
  password: (id: number) => sealedAt('gateway', 'password_secret', id),
  certificate: (id: number) => sealedAt('gateway', 'certificate_secret', id),
  webhookToken: (id: number) => sealedAt('gateway', 'webhook_token_secret', id),
  header: (id: number, name: string) => sealedAt('gateway', `generic_http.headers[${name}]`, id),
};

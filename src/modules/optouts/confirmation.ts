import type { Sql } from '../../db/raw-sql';
import { countryProblem } from '../gateways/countries';
import { asSent } from '../outbound/segments';
import { senderOf } from '../outbound/outbound.service';
import type { ProviderId } from '../providers/catalog.types';
import { adapterFor } from '../providers/registry';

/** A mailbox's opt-out confirmation, ready to queue: what inbound_file writes as an outbound message. */
export interface Confirmation {
  text: string;
  from: string;
  parts: number;
  encoding: 'GSM7' | 'UCS2';
}

/**
 * The confirmation a mailbox sends to a number that just texted an opt-out keyword, or null when it has none
 * or could not send it (a mailbox that cannot send, an unapproved sender name, a country it may not send
 * to). Read only for keyword messages, inside their transaction.
 */
export async function confirmationFor(sql: Sql, gatewayId: number, to: string): Promise<Confirmation | null> {
  const [g] = await sql<{
    name: string;
    provider: ProviderId;
    text: string;
    sender_name: string | null;
    destination_number: string | null;
    replace_polish_diacritics: boolean;
    allowed_countries: string[];
  }>(
    `select name, provider, opt_out_confirmation as text, sender_name, destination_number, replace_polish_diacritics, allowed_countries
       from gateway where id = ? and opt_out_confirmation is not null`,
    [gatewayId],
  );
  if (!g) return null;
  const adapter = adapterFor(g.provider);
  if (!adapter.sending.supported || adapter.senderProblem(g.sender_name ?? undefined)) return null;
  if (
    countryProblem({ name: g.name, allowedCountries: g.allowed_countries, destinationNumber: g.destination_number }, to)
  )
    return null;
  const { text, seg } = asSent(g.text, g.replace_polish_diacritics);
  return {
    text,
    from: senderOf({ senderName: g.sender_name ?? undefined, destinationNumber: g.destination_number ?? undefined }),
    parts: seg.parts,
    encoding: seg.encoding,
  };
}

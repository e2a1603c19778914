import crypto from 'node:crypto';
import type { TestApp } from './app';

/** A sealed value as SecretBox writes it: `v1|v2.<iv>.<tag>.<ciphertext>`, base64url. */
export const SEALED = /v[12]\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]+/g;

/**
 * Opens a sealed value without knowing where it was sealed (its associated data): AES-GCM encrypts as CTR
 * from counter 2, so the plaintext needs only the key. Not a check of the tag: a test reads, it trusts nothing.
 */
export function unseal(key: Buffer, sealed: string): string {
  const [, iv, , ct] = sealed.split('.');
  const counter = Buffer.concat([Buffer.from(iv, 'base64url'), Buffer.from([0, 0, 0, 2])]);
  const d = crypto.createDecipheriv('aes-256-ctr', key, counter);
  return Buffer.concat([d.update(Buffer.from(ct, 'base64url')), d.final()]).toString('utf8');
}

export interface RowText {
  table: string;
  /** The row cast to text, followed by every sealed value in it, opened. */
  text: string;
  opened: string[];
}

/** Every table outside PostgreSQL's own schemas (public, graphile_worker, and any other). */
export async function allTables(t: Pick<TestApp, 'sql'>): Promise<string[]> {
  const rows = await t.sql<{ s: string; n: string }>(
    `select table_schema as s, table_name as n from information_schema.tables
      where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema')
        and table_schema not like 'pg\\_%' order by 1, 2`,
  );
  return rows.map((r) => `"${r.s}"."${r.n}"`);
}

/**
 * Every row of every table, as text, with every sealed value in it opened with each of `keys` (the wrong key
 * gives noise, which holds no needle).
 */
export async function everyRow(t: Pick<TestApp, 'sql'>, ...keys: Buffer[]): Promise<RowText[]> {
  const out: RowText[] = [];
  for (const table of await allTables(t)) {
    for (const r of await t.sql<{ row: string }>(`select x::text as row from ${table} x`)) {
      const opened = (r.row.match(SEALED) ?? []).flatMap((v) => keys.map((k) => unseal(k, v)));
      out.push({ table: table.replace(/"/g, ''), text: [r.row, ...opened].join('\n'), opened });
    }
  }
  return out;
}

/** `table: needle` for each needle a row still holds. */
export function traces(rows: RowText[], needles: readonly string[]): string[] {
  return rows.flatMap((r) => needles.filter((n) => r.text.includes(n)).map((n) => `${r.table}: ${n}`));
}

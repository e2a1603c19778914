/**
 * Masking for the inbound event log: admins see what a provider sent, but never credentials. Names are
 * compared case-insensitively; adapters add their own (Dotpay's md5 signature).
 */
const COMMON_SECRET_FIELDS = [
  'token',
  'password',
  'pass',
  'passwd',
  'haslo',
  'api_key',
  'apikey',
  'key',
  'secret',
  'app-key',
  'authorization',
  'x-webhook-token',
  'signature',
  'sig',
];

export const MASK = '***';

export function secretMatcher(extra: readonly string[] = []): (name: string) => boolean {
  const set = new Set([...COMMON_SECRET_FIELDS, ...extra].map((s) => s.toLowerCase()));
  return (name) => set.has(name.toLowerCase());
}

/** A copy of a decoded body/query with secret fields masked, at any depth. */
export function maskDeep(value: unknown, isSecret: (name: string) => boolean, depth = 0): unknown {
  if (value === null || typeof value !== 'object') return value;
  // Deeper than any provider nests its fields: shown as masked, since its keys are not read.
  if (depth > 8) return MASK;
  if (Array.isArray(value)) return value.slice(0, 200).map((v) => maskDeep(v, isSecret, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>))
    out[k] = isSecret(k) ? MASK : maskDeep(v, isSecret, depth + 1);
  return out;
}

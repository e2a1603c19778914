import { TextDecoder } from 'node:util';

/**
 * Form decoding in the request's charset (Polish providers may still send ISO-8859-2 or windows-1250).
 * `text` holds the body's bytes one char each (read as latin1); percent escapes are bytes too.
 */
export function decodeForm(text: string, charset = 'utf-8'): Record<string, string | string[]> {
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(charset, { fatal: false });
  } catch {
    decoder = new TextDecoder('utf-8');
  }
  const out: Record<string, string | string[]> = {};
  for (const pair of text.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const dec = (s: string) => {
      const bytes: number[] = [];
      const src = s.replace(/\+/g, ' ');
      for (let i = 0; i < src.length; i++) {
        if (src[i] === '%' && /^[0-9a-fA-F]{2}$/.test(src.slice(i + 1, i + 3))) {
          bytes.push(parseInt(src.slice(i + 1, i + 3), 16));
          i += 2;
        } else bytes.push(src.charCodeAt(i) & 0xff); // the body was read as latin1: one char per byte
      }
      return decoder.decode(Buffer.from(bytes));
    };
    const k = dec(eq < 0 ? pair : pair.slice(0, eq));
    const v = eq < 0 ? '' : dec(pair.slice(eq + 1));
    if (k === '__proto__' || k === 'constructor' || k === 'prototype') continue;
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

export /** Text fields of query and body (later sources win), first value of repeated fields. */
function flatFields(...sources: unknown[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const src of sources) {
    if (!src || typeof src !== 'object' || Array.isArray(src)) continue;
    for (const [k, v] of Object.entries(src as Record<string, unknown>)) {
      const one = Array.isArray(v) ? v[0] : v;
      if (typeof one === 'string') out[k] = one;
      else if (typeof one === 'number' || typeof one === 'boolean') out[k] = String(one);
    }
  }
  return out;
}


/**
 * Makes request text storable: PostgreSQL text and jsonb refuse NUL characters and lone UTF-16 surrogates
 * (from `%00`, `\u0000` or `\ud800` in a query or JSON body), which would otherwise fail the inbound event's
 * insert and answer 503 to a request that is merely malformed. Each becomes U+FFFD; keys alike.
 */
export function storable<T>(value: T, depth = 0): T {
  if (typeof value === 'string') return cleanText(value) as T;
  if (!value || typeof value !== 'object' || depth > 64 || Buffer.isBuffer(value)) return value;
  if (Array.isArray(value)) return value.map((v) => storable(v, depth + 1)) as T;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const key = cleanText(k);
    if (key === '__proto__') continue;
    out[key] = storable(v, depth + 1);
  }
  return out as T;
}

const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function cleanText(s: string): string {
  return s.replace(UNSTORABLE, '\uFFFD');
}

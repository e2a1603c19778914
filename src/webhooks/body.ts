import { storableText } from '../common/text';
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
      // Into one buffer of the value's length (decoding only shortens it): a form value can be a
      // megabyte, and a JS array of its bytes would cost several times that.
      const bytes = Buffer.allocUnsafe(s.length);
      let n = 0;
      for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i);
        if (c === 0x25 && i + 2 < s.length && isHex(s.charCodeAt(i + 1)) && isHex(s.charCodeAt(i + 2))) {
          bytes[n++] = (hexValue(s.charCodeAt(i + 1)) << 4) | hexValue(s.charCodeAt(i + 2));
          i += 2;
        } else bytes[n++] = c === 0x2b ? 0x20 : c & 0xff; // '+' is a space; the body was read as latin1: one char per byte
      }
      return decoder.decode(bytes.subarray(0, n));
    };
    const k = dec(eq < 0 ? pair : pair.slice(0, eq));
    const v = eq < 0 ? '' : dec(pair.slice(eq + 1));
    if (k === '__proto__' || k === 'constructor' || k === 'prototype') continue;
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

const isHex = (c: number) => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
const hexValue = (c: number) => (c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x57);

/** Text fields of query and body (later sources win), first value of repeated fields. */
export function flatFields(...sources: unknown[]): Record<string, string> {
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
  if (typeof value === 'string') return storableText(value) as T;
  if (!value || typeof value !== 'object' || depth > 64 || Buffer.isBuffer(value)) return value;
  if (Array.isArray(value)) return value.map((v) => storable(v, depth + 1)) as T;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const key = storableText(k);
    if (key === '__proto__') continue;
    out[key] = storable(v, depth + 1);
  }
  return out as T;
}

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


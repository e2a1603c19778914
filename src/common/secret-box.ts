import crypto from 'node:crypto';
import { LRUCache } from 'lru-cache';

/**
 * Where a sealed value lives: its table, its column (or a path inside a JSON column) and its row. It is
 * the value's associated data, so a value copied into another row or column does not open there.
 */
export function sealedAt(table: string, column: string, row: string | number): string {
  return `${table}.${column}#${row}`;
}

export interface SecretBoxOptions {
  /**
   * The key before the last rotation (SECRET_KEY_PREVIOUS): tried for opening when `key` fails, never used
   * for sealing, so that the service runs on data of both keys until everything is re-sealed.
   */
  previous?: Buffer;
  /**
   * Whether values in the `v1` format (no associated data) still open. True until a database has been
   * re-sealed; after that a `v1` value can only be an old copy put back, and is refused.
   */
  acceptV1?: boolean;
}

/**
 * Authenticated encryption of secrets at rest (AES-256-GCM, node:crypto).
 * Stored form: `v2.<iv>.<tag>.<ciphertext>` in base64url, bound to where it is stored (`sealedAt`) as
 * GCM associated data. `v1.<iv>.<tag>.<ciphertext>` is the same without associated data; it still opens
 * (data written before binding existed) until the database is re-sealed.
 */
export class SecretBox {
  private readonly keys: Buffer[];
  private readonly acceptV1: boolean;
  private readonly derivedKeys = new Map<string, Buffer[]>();
  private readonly fingerprintCache = new LRUCache<string, string>({
    max: 20_000,
    maxSize: 2_000_000,
    sizeCalculation: (_v, key) => key.length + 1,
  });

  constructor(key: Buffer, opts: SecretBoxOptions = {}) {
    if (key.length !== 32) throw new Error('SecretBox needs a 32-byte key');
    if (opts.previous && opts.previous.length !== 32) throw new Error('SecretBox needs a 32-byte previous key');
    this.keys = opts.previous && !opts.previous.equals(key) ? [key, opts.previous] : [key];
    this.acceptV1 = opts.acceptV1 ?? true;
  }

  /** Seals `plain` for the place `aad` names (see `sealedAt`), with the current key. */
  seal(plain: string, aad: string): string {
    const iv = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.keys[0], iv);
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return ['v2', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ct.toString('base64url')].join(
      '.',
    );
  }

  /**
   * Opens a value sealed for the place `aad` names, with the current key or else the previous one.
   * Throws WrongKeyError when neither key opens it there (another key, another row or column, tampering).
   */
  open(sealed: string, aad: string): string {
    const [v, iv, tag, ct, extra] = sealed.split('.');
    if (
      (v !== 'v1' && v !== 'v2') ||
      iv === undefined ||
      tag === undefined ||
      ct === undefined ||
      extra !== undefined
    ) {
      throw new WrongKeyError('stored secret is not in the v1 or v2 format');
    }
    if (v === 'v1' && !this.acceptV1)
      throw new WrongKeyError('stored secret is in the v1 format, which this database no longer holds');
    for (const key of this.keys) {
      try {
        const decipher = crypto.createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
        if (v === 'v2') decipher.setAAD(Buffer.from(aad, 'utf8'));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
      } catch {
        // Try the next key.
      }
    }
    throw new WrongKeyError('stored secret cannot be decrypted here with SECRET_KEY (or SECRET_KEY_PREVIOUS)');
  }

  /**
   * A keyed fingerprint of `value` for `purpose` (HMAC-SHA-256 under a key derived from the current key, cut
   * to 128 bits): equal values give equal fingerprints, so a column of them can be searched by index, yet
   * without SECRET_KEY nobody can tell which value one stands for.
   */
  fingerprint(value: string, purpose: string): string {
    // An HMAC costs microseconds and the same few numbers come again and again (every webhook fingerprints
    // its numbers): kept, bounded by entries and by the characters of values that come from requests.
    const key = `${purpose}\u0000${value}`;
    let f = this.fingerprintCache.get(key);
    if (f === undefined) {
      f = hmac(this.derived(purpose)[0], value);
      this.fingerprintCache.set(key, f);
    }
    return f;
  }

  /** `value`'s fingerprints under the current and the previous key: what to search for while keys rotate. */
  fingerprints(value: string, purpose: string): string[] {
    return this.derived(purpose).map((k) => hmac(k, value));
  }

  /** The fingerprint keys of `purpose`, one per key (current first), derived once. */
  private derived(purpose: string): Buffer[] {
    let keys = this.derivedKeys.get(purpose);
    if (!keys) {
      keys = this.keys.map((k) => crypto.createHmac('sha256', k).update(`smsdesk fingerprint: ${purpose}`).digest());
      this.derivedKeys.set(purpose, keys);
    }
    return keys;
  }

  /** The value opened and sealed again with the current key, bound to `aad` (key rotation, `v1` upgrade). */
  reseal(sealed: string, aad: string): string {
    return this.seal(this.open(sealed, aad), aad);
  }
}

function hmac(key: Buffer, value: string): string {
  return crypto.createHmac('sha256', key).update(value, 'utf8').digest().subarray(0, 16).toString('base64url');
}

export class WrongKeyError extends Error {}

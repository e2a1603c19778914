import crypto from 'node:crypto';

/**
 * Authenticated encryption of secrets at rest (AES-256-GCM, node:crypto).
 * Stored form: `v1.<iv>.<tag>.<ciphertext>` in base64url, so a future key rotation can add `v2`.
 */
export class SecretBox {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('SecretBox needs a 32-byte key');
  }

  seal(plain: string): string {
    const iv = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.key, iv);
    const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ct.toString('base64url')].join(
      '.',
    );
  }

  /** Throws WrongKeyError when the value was sealed with another key (GCM tag mismatch). */
  open(sealed: string): string {
    const [v, iv, tag, ct] = sealed.split('.');
    if (v !== 'v1' || iv === undefined || tag === undefined || ct === undefined) {
      throw new WrongKeyError('stored secret is not in the v1 format');
    }
    try {
      const decipher = crypto.createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new WrongKeyError('stored secret cannot be decrypted with this SECRET_KEY');
    }
  }
}

export class WrongKeyError extends Error {}

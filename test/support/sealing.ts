import crypto from 'node:crypto';

/**
 * A secret sealed in the `v1` format (AES-256-GCM without associated data), as databases written before
 * sealed values were bound to their row hold them: for tests that such data still opens.
 */
export function sealV1(key: Buffer, plain: string): string {
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
  const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ct.toString('base64url')].join(
    '.',
  );
}

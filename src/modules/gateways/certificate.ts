import { X509Certificate, createPrivateKey } from 'node:crypto';

export type CertificateCheck =
  { ok: true; expiresAt: Date; subject: string } | { ok: false; rule: string; message: string };

const CERT_RE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/;
const KEY_RE = /-----BEGIN (RSA |EC |ENCRYPTED )?PRIVATE KEY-----[\s\S]+?-----END \1?PRIVATE KEY-----/;

/**
 * Checks a PEM bundle with the client certificate and its private key (Plus MultiInfo's mutual TLS):
 * both blocks present, both parse, and the key belongs to the certificate.
 */
export function checkCertificateBundle(pem: string): CertificateCheck {
  const certBlock = CERT_RE.exec(pem)?.[0];
  const keyMatch = KEY_RE.exec(pem);
  if (!certBlock)
    return { ok: false, rule: 'pemCertificate', message: 'must contain a "-----BEGIN CERTIFICATE-----" block' };
  if (!keyMatch)
    return {
      ok: false,
      rule: 'pemPrivateKey',
      message: 'must also contain the private key ("-----BEGIN PRIVATE KEY-----" block)',
    };
  if (keyMatch[1] === 'ENCRYPTED ') {
    return {
      ok: false,
      rule: 'pemPrivateKey',
      message:
        'has a password-protected private key; export it without a password (openssl pkey -in key.pem -out plain.pem)',
    };
  }
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certBlock);
  } catch {
    return {
      ok: false,
      rule: 'pemCertificate',
      message: 'has a CERTIFICATE block that is not a valid X.509 certificate',
    };
  }
  let key;
  try {
    key = createPrivateKey(keyMatch[0]);
  } catch {
    return { ok: false, rule: 'pemPrivateKey', message: 'has a PRIVATE KEY block that cannot be read' };
  }
  if (!cert.checkPrivateKey(key)) {
    return {
      ok: false,
      rule: 'keyMatchesCertificate',
      message: 'has a private key that does not belong to the certificate',
    };
  }
  return { ok: true, expiresAt: new Date(cert.validTo), subject: cert.subject };
}

import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseSecretKey } from '../../src/config';
import { ipMatcher, parseIpOrCidr } from '../../src/common/ip';
import { toE164 } from '../../src/common/phone';
import { SecretBox, sealedAt, WrongKeyError } from '../../src/common/secret-box';
import { sealV1 } from '../support/sealing';
import { ipBucket } from '../../src/common/ip';

describe('SecretBox (AES-256-GCM)', () => {
  const box = new SecretBox(crypto.randomBytes(32));
  const AT = sealedAt('gateway', 'password_secret', 1);
  it('round-trips and never stores the plain text', () => {
    const sealed = box.seal('hunter2-ąę', AT);
    expect(sealed).toMatch(/^v2\./);
    expect(sealed).not.toContain('hunter2');
    expect(box.open(sealed, AT)).toBe('hunter2-ąę');
    expect(box.seal('same', AT)).not.toBe(box.seal('same', AT)); // fresh IV each time
  });
  it('refuses another key and tampered ciphertext', () => {
    const sealed = box.seal('secret', AT);
    expect(() => new SecretBox(crypto.randomBytes(32)).open(sealed, AT)).toThrow(WrongKeyError);
    const parts = sealed.split('.');
    parts[3] = Buffer.from('x' + Buffer.from(parts[3], 'base64url').toString('latin1'), 'latin1').toString('base64url');
    expect(() => box.open(parts.join('.'), AT)).toThrow(WrongKeyError);
  });
  it('opens a value only where it was sealed: another row or column does not open it', () => {
    const sealed = box.seal('secret', AT);
    expect(() => box.open(sealed, sealedAt('gateway', 'password_secret', 2))).toThrow(WrongKeyError);
    expect(() => box.open(sealed, sealedAt('gateway', 'webhook_token_secret', 1))).toThrow(WrongKeyError);
  });
  it('opens v1 values (no associated data) until told the database holds none', () => {
    const key = crypto.randomBytes(32);
    const v1 = sealV1(key, 'old secret');
    expect(new SecretBox(key).open(v1, AT)).toBe('old secret');
    expect(new SecretBox(key).reseal(v1, AT)).toMatch(/^v2\./);
    expect(() => new SecretBox(key, { acceptV1: false }).open(v1, AT)).toThrow(WrongKeyError);
  });
  it('opens with the previous key during a rotation and seals with the new one', () => {
    const a = crypto.randomBytes(32);
    const b = crypto.randomBytes(32);
    const old = new SecretBox(a).seal('secret', AT);
    const rotating = new SecretBox(b, { previous: a });
    expect(rotating.open(old, AT)).toBe('secret');
    const resealed = rotating.reseal(old, AT);
    expect(new SecretBox(b).open(resealed, AT)).toBe('secret');
    expect(() => new SecretBox(a).open(resealed, AT)).toThrow(WrongKeyError);
  });
});

describe('config', () => {
  it('accepts hex or base64 keys of 32 bytes only', () => {
    const key = crypto.randomBytes(32);
    expect(parseSecretKey(key.toString('hex'))).toEqual(key);
    expect(parseSecretKey(key.toString('base64'))).toEqual(key);
    expect(() => parseSecretKey(crypto.randomBytes(16).toString('hex'))).toThrow(/SECRET_KEY must be 32 random bytes/);
  });
  it('has the documented defaults', () => {
    const c = loadConfig({}, '/srv/app');
    expect(c).toMatchObject({
      port: 4000,
      dataDir: '/srv/app/.data',
      publicUrl: 'http://localhost:4000',
      introspection: true,
      landingPage: true,
    });
    expect(c.databaseUrl).toBeUndefined();
  });
  it('reads the previous secret key (only beside a new one) and the private-address switch, naming each variable', () => {
    const [a, b] = [crypto.randomBytes(32), crypto.randomBytes(32)];
    expect(loadConfig({ SECRET_KEY: b.toString('hex'), SECRET_KEY_PREVIOUS: a.toString('hex') })).toMatchObject({
      secretKey: b,
      secretKeyPrevious: a,
    });
    expect(() => loadConfig({ SECRET_KEY_PREVIOUS: a.toString('hex') })).toThrow(
      /SECRET_KEY_PREVIOUS needs SECRET_KEY/,
    );
    expect(() => loadConfig({ SECRET_KEY: b.toString('hex'), SECRET_KEY_PREVIOUS: 'short' })).toThrow(
      /SECRET_KEY_PREVIOUS must be 32 random bytes/,
    );
    expect(loadConfig({}).outbound.allowPrivateAddresses).toBe(false);
    expect(loadConfig({ ALLOW_PRIVATE_PROVIDER_URLS: 'true' }).outbound.allowPrivateAddresses).toBe(true);
    expect(() => loadConfig({ ALLOW_PRIVATE_PROVIDER_URLS: 'maybe' })).toThrow(
      /ALLOW_PRIVATE_PROVIDER_URLS must be true or false/,
    );
  });
  it('reads METRICS_TOKEN: none by default, a short or spaced one stops start-up naming the variable', () => {
    expect(loadConfig({}).metricsToken).toBeUndefined();
    expect(loadConfig({ METRICS_TOKEN: 'a'.repeat(32) }).metricsToken).toBe('a'.repeat(32));
    expect(() => loadConfig({ METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN must be 16 to 512 printable/);
    expect(() => loadConfig({ METRICS_TOKEN: 'sixteen chars with spaces' })).toThrow(/METRICS_TOKEN/);
  });
  it('holds the outbound and inbound poll settings, with their defaults', () => {
    const c = loadConfig({ OUTBOUND_HTTP_TIMEOUT_MS: '1000', INBOUND_POLL_SUPERVISOR_MS: '1000' });
    expect(c.outbound).toMatchObject({
      httpTimeoutMs: 1000,
      staleLockMs: 62_000,
      maxAttempts: 8,
      pollMs: 1000,
      extraCa: [],
    });
    expect(c.inboundPoll).toMatchObject({ supervisorEveryMs: 1000, waitMs: 5000 });
  });
  it('turns introspection and the landing page off in production unless asked', () => {
    const c = loadConfig({
      NODE_ENV: 'production',
      SECRET_KEY: 'aa'.repeat(32),
      DATABASE_URL: 'postgresql://db/smsdesk',
      PUBLIC_URL: 'https://smsdesk.example.com',
    });
    expect(c.introspection).toBe(false);
    expect(loadConfig({ GRAPHQL_INTROSPECTION: 'false' }).introspection).toBe(false);
  });
  it.each([
    [{ PUBLIC_URL: 'ftp://x' }, 'PUBLIC_URL'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ ADMIN_EMAIL: 'a@b.c' }, 'ADMIN_PASSWORD'],
    [{ GRAPHQL_INTROSPECTION: 'maybe' }, 'GRAPHQL_INTROSPECTION'],
    [{ NODE_ENV: 'staging' }, 'NODE_ENV'],
    [{ OUTBOUND_HTTP_TIMEOUT_MS: '10' }, 'OUTBOUND_HTTP_TIMEOUT_MS'],
    [{ OUTBOUND_MAX_ATTEMPTS: 'many' }, 'OUTBOUND_MAX_ATTEMPTS'],
    [{ PROVIDER_EXTRA_CA_FILE: '/nonexistent/ca.pem' }, 'PROVIDER_EXTRA_CA_FILE'],
    [{ INBOUND_POLL_SUPERVISOR_MS: '-1' }, 'INBOUND_POLL_SUPERVISOR_MS'],
  ])('%j names %s', (env, name) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(name);
  });
});

describe('IP addresses and CIDR ranges', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['203.0.113.7/24', '203.0.113.0/24'],
    ['2001:DB8::1', '2001:db8::1'],
    ['2001:db8::/32', '2001:db8::/32'],
    ['10.0.0.1/32', '10.0.0.1'],
  ])('%s is stored as %s', (raw, canonical) => expect(parseIpOrCidr(raw)?.canonical).toBe(canonical));
  it.each(['10.0.0.300', '10.0.0.0/33', 'fe80::/129', 'hello', '', '1.2.3'])('%j is refused', (raw) =>
    expect(parseIpOrCidr(raw)).toBeNull(),
  );
  it('matches addresses in ranges, IPv4-mapped IPv6 as IPv4', () => {
    const allowed = ipMatcher(['198.51.100.0/24', '2001:db8::/32']);
    expect(allowed('198.51.100.200')).toBe(true);
    expect(allowed('::ffff:198.51.100.9')).toBe(true);
    expect(allowed('198.51.101.1')).toBe(false);
    expect(allowed('2001:db8:1::5')).toBe(true);
    expect(allowed('2001:db9::1')).toBe(false);
    expect(allowed('garbage')).toBe(false);
    expect(ipMatcher([])('192.0.2.1')).toBe(true);
  });
});

describe('phone numbers to E.164 (default region PL)', () => {
  it.each([
    ['500 100 200', '+48500100200'],
    ['+48 500-100-200', '+48500100200'],
    ['0048500100200', '+48500100200'],
    ['0049 30 901820', '+4930901820'],
    ['+41 44 668 18 00', '+41446681800'],
  ])('%s → %s', (raw, e164) => expect(toE164(raw)).toEqual({ ok: true, e164 }));
  it.each([
    ['abc', /not a phone number/],
    ['12', /too short|not a phone number|not a valid number/],
    ['+48 123', /not a valid number|too short/],
    ['+999 123456789', /unknown country|not a valid/],
  ])('%s is refused with a reason', (raw, reason) => {
    const r = toE164(raw);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });
});

describe('login budget per IP (ipBucket)', () => {
  it('counts an IPv4 address by itself and an IPv6 client by its /64', () => {
    expect(ipBucket('203.0.113.7')).toBe('203.0.113.7');
    expect(ipBucket('203.0.113.8')).not.toBe(ipBucket('203.0.113.7'));
    // Anyone with a /64 can pick any of its 2^64 addresses: they share one budget.
    expect(ipBucket('2001:db8:1:2:aaaa::1')).toBe(ipBucket('2001:db8:1:2:ffff:ffff:ffff:fffe'));
    expect(ipBucket('2001:db8:1:2::1')).toBe('2001:db8:1:2::/64');
    expect(ipBucket('2001:db8:1:3::1')).not.toBe(ipBucket('2001:db8:1:2::1'));
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app';
import { codes, createAgent, ok, type GqlResult } from '../support/api';
import { loadConfig } from '../../src/config';

/*
 * Nobody can lock an account out: failures are counted per (address, client IP) first, and a client that
 * keeps failing is slowed down progressively, while the owner logging in from another client still gets in.
 * Client IPs are faked the way a reverse proxy reports them: the test apps trust 127.0.0.1 (TRUSTED_PROXIES)
 * and read X-Forwarded-For.
 */

const ATTACKER = '203.0.113.66';
const OWNER = '198.51.100.7';

let a: TestApp;
let b: TestApp;
let admin: string;
let victim: { id: string; email: string };
beforeAll(async () => {
  a = await startTestApp({ TRUSTED_PROXIES: '127.0.0.1' });
  b = await startTestApp({ TRUSTED_PROXIES: '127.0.0.1' }, { on: { dbUrl: a.dbUrl, key: a.key } });
  admin = await a.login();
  victim = await createAgent(a, admin, 'Victim Vera');
});
afterAll(async () => {
  await b?.close();
  await a?.close();
});

/** A login as a client at `ip` would send it through the proxy. */
async function loginFrom(t: TestApp, ip: string, email: string, password: string): Promise<GqlResult> {
  const res = await fetch(`${t.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': ip },
    body: JSON.stringify({
      query: `mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }`,
      variables: { e: email, p: password },
    }),
  });
  return { ...((await res.json()) as GqlResult), status: res.status };
}
const retryAfter = (r: GqlResult) =>
  (r.errors?.[0]?.extensions as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds;

describe('an attacker guessing one address', () => {
  it('does not stop the owner logging in from another client, on either instance', async () => {
    const outcomes: Record<string, number> = {};
    // 40 guesses from one IP, alternating instances (the old limit locked the address after 10).
    for (let i = 0; i < 40; i++) {
      const r = await loginFrom(i % 2 ? b : a, ATTACKER, victim.email, `guess-${i}`);
      const c = String(codes(r)[0]);
      outcomes[c] = (outcomes[c] ?? 0) + 1;
    }
    // The owner, from another IP, on both instances.
    for (const t of [a, b])
      expect(ok(await loginFrom(t, OWNER, victim.email, 'agent-pass-1')).login.token).toMatch(/^smsd_/);
    // 5 guesses checked (LOGIN_MAX_ATTEMPTS), the other 35 refused before any password check.
    expect(outcomes).toEqual({ UNAUTHENTICATED: 5, RATE_LIMITED: 35 });
    // The attacker's own right guess is refused too: it is this client that is slowed down.
    expect(codes(await loginFrom(a, ATTACKER, victim.email, 'agent-pass-1'))).toEqual(['RATE_LIMITED']);
    // The owner's success does not lift the attacker's slowdown.
    expect(codes(await loginFrom(b, ATTACKER, victim.email, 'guess-x'))).toEqual(['RATE_LIMITED']);
  });

  it('slows the attacker down progressively: each further guess waits twice as long', async () => {
    const target = await createAgent(a, admin, 'Slowed Sam');
    const ip = '203.0.113.77';
    for (let i = 0; i < 5; i++)
      expect(codes(await loginFrom(a, ip, target.email, `wrong-${i}`))).toEqual(['UNAUTHENTICATED']);
    const waits: number[] = [];
    for (let step = 0; step < 6; step++) {
      const refused = await loginFrom(step % 2 ? b : a, ip, target.email, 'too-soon');
      expect(codes(refused)).toEqual(['RATE_LIMITED']);
      const wait = retryAfter(refused)!;
      waits.push(wait);
      // Let the wait pass (the row's clock moved back instead of sleeping), then one more wrong guess is checked.
      await a.sql(`update login_slowdown set last_at = last_at - make_interval(secs => $1)`, [wait]);
      expect(codes(await loginFrom(step % 2 ? a : b, ip, target.email, `wrong-again-${step}`))).toEqual([
        'UNAUTHENTICATED',
      ]);
    }
    expect(waits).toEqual([5, 10, 20, 40, 80, 160]);
    // The owner is unaffected throughout.
    expect(ok(await loginFrom(b, OWNER, target.email, 'agent-pass-1')).login.token).toMatch(/^smsd_/);
    // The table holds hashes, not the address or the IPs.
    const keys = (await a.sql(`select key from login_slowdown`)).map((r) => String(r.key)).join(' ');
    expect(keys).not.toMatch(/@|203\.0\.113|198\.51|slowed/i);
  });

  it('stops a distributed attack at the per-address ceiling, which resetUserPassword lifts', async () => {
    const c = await startTestApp({ TRUSTED_PROXIES: '127.0.0.1', LOGIN_MAX_ATTEMPTS_PER_ADDRESS: '12' });
    try {
      const cAdmin = await c.login();
      const target = await createAgent(c, cAdmin, 'Popular Pat');
      // Three attackers, 4 guesses each, none slowed down yet: 12 attempts at the address (plus the owner's
      // earlier success, given back).
      for (const ip of ['192.0.2.1', '192.0.2.2', '192.0.2.3']) {
        for (let i = 0; i < 4; i++)
          expect(codes(await loginFrom(c, ip, target.email, `w${i}`))).toEqual(['UNAUTHENTICATED']);
      }
      const refused = await loginFrom(c, '192.0.2.4', target.email, 'agent-pass-1');
      expect(codes(refused)).toEqual(['RATE_LIMITED']);
      expect(retryAfter(refused)).toBeGreaterThan(0);
      // An admin resets the password: the ceiling is lifted and the new password works at once.
      const pw = ok(
        await c.gql(`mutation($id: ID!) { resetUserPassword(id: $id) { password } }`, { id: target.id }, cAdmin),
      ).resetUserPassword.password;
      expect(ok(await loginFrom(c, OWNER, target.email, pw)).login.token).toMatch(/^smsd_/);
    } finally {
      await c.close();
    }
  });

  it('refuses a bad ceiling at start-up, naming the variable', () => {
    expect(() => loadConfig({ LOGIN_MAX_ATTEMPTS_PER_ADDRESS: '0' })).toThrow(
      /LOGIN_MAX_ATTEMPTS_PER_ADDRESS must be a whole number from 1 to 1000000/,
    );
  });
});

import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config';
import { wsOriginAllowed } from '../../src/graphql/origins';

/** The settings of running it for real: production requirements, CORS origins, instance roles, keep-alive. */

const PRODUCTION = {
  NODE_ENV: 'production',
  SECRET_KEY: 'aa'.repeat(32),
  DATABASE_URL: 'postgresql://db.internal/smsdesk',
  PUBLIC_URL: 'https://smsdesk.example.com',
};

describe('production requirements', () => {
  it('starts with SECRET_KEY, DATABASE_URL and PUBLIC_URL', () => {
    expect(loadConfig(PRODUCTION)).toMatchObject({ env: 'production', publicUrl: 'https://smsdesk.example.com' });
  });
  it('refuses a missing DATABASE_URL: each instance would get its own embedded database', () => {
    expect(() => loadConfig({ ...PRODUCTION, DATABASE_URL: '' })).toThrow(
      /DATABASE_URL is required when NODE_ENV=production: without it each instance starts its own embedded PostgreSQL/,
    );
  });
  it('refuses a missing PUBLIC_URL: webhook URLs on localhost reach no provider', () => {
    expect(() => loadConfig({ ...PRODUCTION, PUBLIC_URL: undefined })).toThrow(
      /PUBLIC_URL is required when NODE_ENV=production: webhook URLs .* are built on it/,
    );
  });
  it('keeps the localhost defaults outside production', () => {
    expect(loadConfig({ PORT: '4100' })).toMatchObject({ publicUrl: 'http://localhost:4100', databaseUrl: undefined });
  });
});

describe('CORS_ORIGINS', () => {
  it('is empty by default and takes a comma-separated list of origins, normalised as browsers send them', () => {
    expect(loadConfig({}).corsOrigins).toEqual([]);
    expect(
      loadConfig({ CORS_ORIGINS: ' https://Desk.Example.com/ , http://localhost:5173,https://desk.example.com' })
        .corsOrigins,
    ).toEqual(['https://desk.example.com', 'http://localhost:5173']);
    // A default port and an international host name are origins too, in the form browsers send.
    expect(loadConfig({ CORS_ORIGINS: 'https://desk.example.com:443,https://bücher.example' }).corsOrigins).toEqual([
      'https://desk.example.com',
      'https://xn--bcher-kva.example',
    ]);
  });
  it.each(['*', 'desk.example.com', 'https://desk.example.com/app', 'ftp://desk.example.com', 'https://x.example?a=1'])(
    'refuses %j, naming the variable',
    (origin) => {
      expect(() => loadConfig({ CORS_ORIGINS: `https://ok.example,${origin}` })).toThrow(
        new RegExp(`CORS_ORIGINS has "${origin.replace(/[?*.]/g, '\\$&')}", which is not an origin`),
      );
    },
  );
});

describe('INSTANCE_ROLE and WS_KEEPALIVE_SECONDS', () => {
  it('default to an instance that does everything, pinging sockets every 30 s', () => {
    expect(loadConfig({})).toMatchObject({ role: 'all', wsKeepAliveSeconds: 30 });
    expect(loadConfig({ INSTANCE_ROLE: 'web', WS_KEEPALIVE_SECONDS: '0' })).toMatchObject({
      role: 'web',
      wsKeepAliveSeconds: 0,
    });
  });
  it('refuse other values, naming the variable', () => {
    expect(() => loadConfig({ INSTANCE_ROLE: 'api' })).toThrow(/INSTANCE_ROLE must be all, web or worker, got "api"/);
    expect(() => loadConfig({ WS_KEEPALIVE_SECONDS: '-1' })).toThrow(/WS_KEEPALIVE_SECONDS must be a whole number/);
  });
});

describe('the Origin a graphql-ws upgrade may come from', () => {
  const config = { publicUrl: 'https://smsdesk.example.com', corsOrigins: ['https://desk.example.com'] };
  it.each([
    [undefined, 'smsdesk.internal:4000', true, 'no Origin: not a browser'],
    ['https://desk.example.com', 'smsdesk.internal:4000', true, 'listed in CORS_ORIGINS'],
    ['https://smsdesk.example.com', 'smsdesk.internal:4000', true, "PUBLIC_URL's origin behind a proxy"],
    ['http://127.0.0.1:4000', '127.0.0.1:4000', true, 'the same origin as Host'],
    ['https://evil.example', 'smsdesk.example.com', false, 'a foreign page'],
    ['http://smsdesk.example.com:4001', 'smsdesk.example.com:4000', false, 'another port'],
    ['null', 'smsdesk.example.com', false, 'an opaque origin'],
  ] as [string | undefined, string, boolean, string][])('%s on Host %s: %s (%s)', (origin, host, allowed) => {
    expect(wsOriginAllowed(origin, host, config)).toBe(allowed);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app';

/*
 * GET /graphql over plain HTTP: a browser gets the playground page (self-only, from our assets), every other
 * GET still reaches Apollo as before, CSRF prevention included. GET / is the web console's page. The page in a real browser:
 * test/browser/playground.test.ts.
 */

/** What Chromium sends when a user opens the URL. */
const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';

describe('GET /graphql and GET /', () => {
  let t: TestApp;
  let off: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    off = await startTestApp({ GRAPHQL_LANDING_PAGE: 'false' });
  });
  afterAll(async () => {
    await t?.close();
    await off?.close();
  });

  it('gives a browser the GraphiQL page, whose scripts and styles all come from this service, under a self-only CSP', async () => {
    const res = await fetch(`${t.url}/graphql`, { headers: { accept: BROWSER_ACCEPT } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toMatch(/https?:|\*/);
    const html = await res.text();
    const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    const assets = refs.filter((r) => r.startsWith('/playground/assets/'));
    expect(assets.length).toBeGreaterThanOrEqual(2);
    // Nothing from another host, and no inline script the CSP would refuse anyway.
    expect(refs.filter((r) => !r.startsWith('/playground/assets/') && r !== 'data:,')).toEqual([]);
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    for (const a of assets) {
      const asset = await fetch(`${t.url}${a}`, { headers: { 'accept-encoding': 'gzip' } });
      expect(asset.status, a).toBe(200);
      expect(asset.headers.get('content-type'), a).toMatch(a.endsWith('.css') ? /^text\/css/ : /javascript/);
      expect(asset.headers.get('content-encoding'), a).toBe('gzip');
      expect(asset.headers.get('cache-control'), a).toContain('immutable');
      expect((await asset.text()).length, a).toBeGreaterThan(0);
    }
    // A client that takes no compression gets the same asset as it is.
    const plain = await fetch(`${t.url}${assets[0]}`, { headers: { 'accept-encoding': 'identity' } });
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect((await plain.text()).length).toBeGreaterThan(0);
    expect((await fetch(`${t.url}/playground/assets/nothing-here.js`)).status).toBe(404);
  });

  it('still answers GraphQL GETs with JSON, and still refuses a GET that could be a cross-site request', async () => {
    const q = encodeURIComponent('{ __typename }');
    const json = await fetch(`${t.url}/graphql?query=${q}`, {
      headers: { 'content-type': 'application/json', accept: 'application/json' },
    });
    expect(json.status).toBe(200);
    expect(await json.json()).toEqual({ data: { __typename: 'Query' } });
    const preflighted = await fetch(`${t.url}/graphql?query=${q}`, { headers: { 'apollo-require-preflight': 'true' } });
    expect(await preflighted.json()).toEqual({ data: { __typename: 'Query' } });
    // A plain GET (what a cross-site <img> or link would send) runs nothing.
    const plain = await fetch(`${t.url}/graphql?query=${q}`, { headers: { accept: 'application/json' } });
    expect(plain.status).toBe(400);
    expect(await plain.text()).toMatch(/Cross-Site Request Forgery/);
  });

  it('serves no page and no assets with GRAPHQL_LANDING_PAGE=false', async () => {
    const res = await fetch(`${off.url}/graphql`, { headers: { accept: BROWSER_ACCEPT } });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).not.toMatch(/html/);
    expect((await fetch(`${t.url}/graphql`, { headers: { accept: BROWSER_ACCEPT } })).status).toBe(200);
    const page = await (await fetch(`${t.url}/graphql`, { headers: { accept: BROWSER_ACCEPT } })).text();
    const asset = /src="(\/playground\/assets\/[^"]+)"/.exec(page)![1];
    expect((await fetch(`${off.url}${asset}`)).status).toBe(404);
  });

  it('serves the console from this service, under a self-only CSP without inline styles', async () => {
    const res = await fetch(`${t.url}/`, { headers: { accept: BROWSER_ACCEPT } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toMatch(/https?:|\*|unsafe/);
    const html = await res.text();
    const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    const assets = refs.filter((r) => r.startsWith('/console/assets/'));
    expect(assets.length).toBeGreaterThanOrEqual(2);
    expect(refs.filter((r) => !r.startsWith('/console/assets/') && r !== 'data:,')).toEqual([]);
    for (const a of assets) expect((await fetch(`${t.url}${a}`)).status, a).toBe(200);
  });

  it('tells the console where the playground is only where the service serves it', async () => {
    const meta = /<meta name="smsdesk-playground" content="([^"]+)"/;
    expect(meta.exec(await (await fetch(`${t.url}/`)).text())?.[1]).toBe('/graphql');
    const withoutPlayground = await fetch(`${off.url}/`);
    expect(withoutPlayground.status).toBe(200);
    expect(await withoutPlayground.text()).not.toMatch(meta);
  });
});

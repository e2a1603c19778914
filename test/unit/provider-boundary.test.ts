import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ProviderId } from '../../src/modules/providers/catalog.types';
import { PROVIDERS } from '../../src/modules/providers/registry';

/**
 * A provider is one folder under src/modules/providers/: nothing else in src/ may name one, so that
 * adding a provider is a folder, a registry line and the enum value with its migration. The web console too
 * takes what it shows of a provider from the API's catalog.
 */
const SRC = path.resolve(__dirname, '../../src');
const PROVIDERS_DIR = path.join(SRC, 'modules/providers');
/** The console's operations typed from schema.graphql (generated, not checked in): they spell the enum out. */
const GENERATED = path.join(SRC, 'web/console/src/gql');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    if (p === GENERATED) return [];
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

const folders = readdirSync(PROVIDERS_DIR).filter((name) => statSync(path.join(PROVIDERS_DIR, name)).isDirectory());
const outside = files(SRC).filter((f) => !f.startsWith(PROVIDERS_DIR + path.sep) && /\.(ts|tsx|js|mjs|cjs)$/.test(f));

/** Every place in `text` that `re` matches, as "file:line: text". */
function hits(file: string, text: string, re: RegExp): string[] {
  return text
    .split('\n')
    .flatMap((line, i) => (re.test(line) ? [`${path.relative(SRC, file)}:${i + 1}: ${line.trim()}`] : []));
}

function leaks(re: RegExp): string[] {
  return outside.flatMap((f) => hits(f, readFileSync(f, 'utf8'), re));
}

describe('provider boundary', () => {
  it('scans the source tree', () => {
    expect(outside.length).toBeGreaterThan(20);
    expect(folders.length).toBe(Object.values(ProviderId).length);
  });

  it('names no ProviderId member outside the providers module', () => {
    expect(leaks(/\bProviderId\s*(\.\s*[A-Z]|\[\s*['"`])/)).toEqual([]);
  });

  it('writes no provider id as a string literal outside the providers module', () => {
    const ids = Object.values(ProviderId).join('|');
    expect(leaks(new RegExp(`(['"\`])(${ids})\\1`))).toEqual([]);
  });

  it('imports nothing from a provider folder outside the providers module', () => {
    const re = new RegExp(`providers/(${folders.map((f) => f.replace(/[-]/g, '\\-')).join('|')})(/|['"\`])`);
    expect(leaks(re)).toEqual([]);
  });

  it('lists each provider folder in the registry, once', async () => {
    const listed = new Set<unknown>(PROVIDERS);
    for (const folder of folders) {
      const mod = (await import(path.join(PROVIDERS_DIR, folder))) as Record<string, unknown>;
      const registered = Object.values(mod).filter((v) => listed.has(v));
      expect(registered, folder).toHaveLength(1);
    }
    expect(PROVIDERS.map((p) => p.id)).toEqual(Object.values(ProviderId));
  });
});

import fs from 'node:fs/promises';
import path from 'node:path';
import { projectRoot } from '../../db/mikro-orm.config';
import type { Provider } from './provider';
import { PROVIDERS } from './registry';

/**
 * The providers' set-up guides: `docs/providers/<guide>.md` in the checkout, served by the service itself
 * (GET /docs/providers/<guide>.md) so that the catalog's link works where the admin has no internet.
 */
export const GUIDES_PATH = '/docs/providers';
export const GUIDES_DIR = path.join(projectRoot, 'docs', 'providers');

/** The names that may be read: one guide per provider, and the index the guides share. */
const NAMES = new Set(['README', ...PROVIDERS.map((p) => p.guide)]);

/** Where the guide of a provider is served, on PUBLIC_URL. */
export function guideUrl(publicUrl: string, p: Pick<Provider, 'guide'>): string {
  return `${publicUrl}${GUIDES_PATH}/${p.guide}.md`;
}

/**
 * The text of a guide by its file name ("smsapi.md"), or null for anything else: only the known names are
 * read, so no path a caller makes up (../, encoded or not) reaches the file system.
 */
export async function readGuide(file: string): Promise<string | null> {
  const m = /^([A-Za-z0-9-]+)\.md$/.exec(file);
  if (!m || !NAMES.has(m[1])) return null;
  try {
    return await fs.readFile(path.join(GUIDES_DIR, `${m[1]}.md`), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

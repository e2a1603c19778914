import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import type { Plugin } from 'vite';

/**
 * A gzip copy beside each built script, style and font, which the service sends to browsers that accept it
 * (src/web/routes.ts serves them pre-compressed): a third of the bytes.
 */
export function gzipAssets(outDir: string): Plugin {
  return {
    name: 'smsdesk-gzip-assets',
    apply: 'build',
    closeBundle() {
      const dir = path.join(outDir, 'assets');
      for (const f of fs.readdirSync(dir)) {
        if (/\.(js|css|ttf)$/.test(f))
          fs.writeFileSync(path.join(dir, `${f}.gz`), zlib.gzipSync(fs.readFileSync(path.join(dir, f)), { level: 9 }));
      }
    },
  };
}

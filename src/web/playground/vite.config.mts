import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { defineConfig, type Plugin } from 'vite';

const outDir = path.resolve(import.meta.dirname, '../../../dist/web/playground');

/** A gzip copy beside each asset, which the service sends to browsers that accept it (a third of the bytes). */
function gzipAssets(): Plugin {
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

/**
 * Builds the playground (GraphiQL, its Monaco editor and web workers, styles and fonts) into static assets
 * served by the service itself (src/web/routes.ts), so the page loads nothing from any other host.
 */
export default defineConfig({
  root: import.meta.dirname,
  base: '/playground/',
  logLevel: 'warn',
  plugins: [gzipAssets()],
  build: {
    outDir,
    emptyOutDir: true,
    // A local tool behind the service: one large editor bundle is expected, and source maps would double it.
    chunkSizeWarningLimit: 4096,
    sourcemap: false,
    rolldownOptions: {
      // React libraries mark modules "use client"; that is for server components and means nothing here.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
  },
});

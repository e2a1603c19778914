import path from 'node:path';
import { defineConfig } from 'vite';
import { gzipAssets } from '../vite-gzip.mts';

const outDir = path.resolve(import.meta.dirname, '../../../dist/web/playground');

/**
 * Builds the playground (GraphiQL, its Monaco editor and web workers, styles and fonts) into static assets
 * served by the service itself (src/web/routes.ts), so the page loads nothing from any other host.
 */
export default defineConfig({
  root: import.meta.dirname,
  base: '/playground/',
  logLevel: 'warn',
  plugins: [gzipAssets(outDir)],
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

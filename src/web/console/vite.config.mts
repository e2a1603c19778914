import path from 'node:path';
import { defineConfig } from 'vite';
import { gzipAssets } from '../vite-gzip.mts';

const outDir = path.resolve(import.meta.dirname, '../../../dist/web/console');

/**
 * Builds the web console (React, Apollo Client, graphql-ws) into static assets that the service serves at `/`
 * (src/web/routes.ts): nothing is loaded from another host. Type-checked apart (its tsconfig.json), since
 * Vite only strips types.
 */
export default defineConfig({
  root: import.meta.dirname,
  base: '/console/',
  logLevel: 'warn',
  plugins: [gzipAssets(outDir)],
  resolve: {
    // One copy of graphql for Apollo Client and the generated documents.
    dedupe: ['graphql', 'react', 'react-dom'],
  },
  build: {
    outDir,
    emptyOutDir: true,
    sourcemap: false,
    rolldownOptions: {
      // React libraries mark modules "use client"; that is for server components and means nothing here.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
  },
});

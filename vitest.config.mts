import { createRequire } from 'node:module';
import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  // swc keeps decorator metadata identical to tsc's (type-graphql and MikroORM read it).
  plugins: [swc.vite({ module: { type: 'es6' } })],
  resolve: {
    // Vite would give our sources graphql's ESM build while Node gives libraries the CJS one, and
    // graphql refuses types from "another module or realm". One copy for all, as in production.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    // Each e2e file starts its own embedded PostgreSQL; two at a time fits two cores.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 90_000,
    globalSetup: ['test/support/global-setup.ts'],
  },
});

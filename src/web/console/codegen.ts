import type { CodegenConfig } from '@graphql-codegen/cli';
import { scalars } from '../../../codegen';

/**
 * Typed operations for the web console: every `graphql(...)` document in its sources, checked against the
 * schema the service serves (schema.graphql), at build time (`npm run build:web`). The output is not checked in.
 * An operation that no longer matches the schema fails the build.
 */

const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: ['src/web/console/src/**/*.{ts,tsx}', '!src/web/console/src/gql/**'],
  ignoreNoDocuments: false,
  silent: true,
  generates: {
    'src/web/console/src/gql/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        scalars,
      },
    },
    // Every type of the schema, also those no operation selects (ErrorCode, to read `errors[].extensions.code`).
    'src/web/console/src/gql/schema-types.ts': {
      plugins: ['typescript'],
      config: { useTypeImports: true, enumsAsTypes: true, scalars },
    },
  },
};

export default config;

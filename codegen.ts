import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * GraphQL Code Generator: typed documents for the example operations in docs/operations/, from the checked-in
 * schema.graphql, as a typed client would make them (`npm run codegen`). The output is not checked in
 * (docs/operations/generated/ is ignored); test/unit/codegen.test.ts generates it into a temporary directory
 * and type-checks a client of it, so an example that no longer matches the schema fails the suite.
 */
export const OUTPUT = 'docs/operations/generated/';

/** What the wire carries: ids and DateTimeISO are strings in JSON (the console's codegen uses the same). */
export const scalars = { ID: 'string', DateTimeISO: 'string' };

const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: ['docs/operations/*.graphql'],
  ignoreNoDocuments: false,
  generates: {
    [OUTPUT]: {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        useTypeImports: true,
        // Types only: a client needs no runtime enum objects to send or read an enum value.
        enumsAsTypes: true,
        scalars,
      },
    },
    // Every type of the schema, for what no operation selects: ErrorCode and ErrorExtensions, to read
    // `errors[].extensions` of any answer.
    [`${OUTPUT}schema-types.ts`]: {
      plugins: ['typescript'],
      config: { useTypeImports: true, enumsAsTypes: true, scalars },
    },
  },
};

export default config;

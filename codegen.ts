import type { CodegenConfig } from '@graphql-codegen/cli';

// Typed documents for the example client, generated from the committed schema.graphql.
const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: ['examples/**/*.ts', '!examples/gql/**'],
  ignoreNoDocuments: false,
  generates: {
    'examples/gql/': {
      preset: 'client',
      config: {
        useTypeImports: true,
        // Node runs the example by stripping types: relative imports must name the .ts file.
        importExtension: '.ts',
        enumsAsTypes: true,
        scalars: { DateTime: 'string', JSON: 'unknown', ID: 'string' },
      },
      presetConfig: { fragmentMasking: false },
    },
  },
};

export default config;

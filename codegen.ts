import type { CodegenConfig } from '@graphql-codegen/cli';

// Typed documents for the example client, generated from the committed schema.graphql, and the
// persisted-operations allow-list (examples/gql/persisted-documents.json: SHA-256 hash -> document)
// that the Worker accepts when PERSISTED_OPERATIONS is "allow" or "require".
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
        scalars: { DateTime: 'string', JSON: 'unknown', SafeInt: 'number', ID: 'string' },
      },
      presetConfig: {
        fragmentMasking: false,
        // Apollo-style `extensions.persistedQuery.sha256Hash`, which Yoga's plugin reads.
        persistedDocuments: { mode: 'embedHashInDocument', hashAlgorithm: 'sha256' },
      },
    },
  },
};

export default config;

// Regression (found by test/fuzz/mutations.fuzz.test.ts): graphql-js's variable coercion errors
// reached clients without extensions.code, the only answer to user input that had none.
import { describe, expect, it } from 'vitest';
import { createTestOrg, gql } from '../helpers/graphql.ts';

const ModelRegister = /* GraphQL */ `
  mutation ModelRegister($input: ModelRegisterInput!) {
    modelRegister(input: $input) {
      __typename
    }
  }
`;

describe('variable errors', () => {
  it('answers a wrongly typed, unknown or missing input field with BAD_USER_INPUT', async () => {
    const org = await createTestOrg('variables');
    for (const variables of [
      { input: { name: 5 } },
      { input: { name: 'x', unknownField: 1 } },
      { input: {} },
      {},
      { input: { name: 'x', tags: Array.from({ length: 60 }, () => 1) } },
    ]) {
      // When the variables do not fit the input type
      const response = await gql(org.tokens.EDITOR, ModelRegister, variables);
      // Then every error is a 4xx answer with a code, and nothing ran
      expect(response.status, JSON.stringify(response)).toBe(400);
      expect(response.data).toBeNull();
      expect(response.errors?.length).toBeGreaterThan(0);
      for (const error of response.errors ?? []) {
        expect(error.extensions?.code, error.message).toBe('BAD_USER_INPUT');
      }
    }
  });

  it('keeps the codes other errors already carry', async () => {
    const org = await createTestOrg('variables-kept');
    const response = await gql(org.tokens.EDITOR, '{ nope }');
    expect(response.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });
});

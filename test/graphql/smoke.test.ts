import { describe, expect, it } from 'vitest';
import { createTestOrg, gql } from '../helpers/graphql.ts';

describe('smoke', () => {
  it('registers a model and reads it back', async () => {
    const org = await createTestOrg();
    const result = await gql(
      org.tokens.EDITOR,
      /* GraphQL */ `
      mutation { modelRegister(input: { name: "m1", tags: ["a"] }) {
        __typename ... on ModelRegisterPayload { model { id name tags status } } ... on Error { message path } } }
    `,
    );
    expect(result.errors).toBeUndefined();
    expect(result.data?.modelRegister.__typename).toBe('ModelRegisterPayload');
  });
});

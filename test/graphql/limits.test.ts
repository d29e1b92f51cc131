// Every limit that protects the service, each exceeded once: the answer is a clear top-level error
// naming the limit and its value, sent before anything runs. Depth, breadth and alias limits are
// also exercised in server.test.ts; here each limit is checked against the value it documents.
import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import {
  MAX_ALIASES,
  MAX_BATCH_SIZE,
  MAX_DIRECTIVES,
  MAX_TOKENS,
} from '../../src/graphql/limits.ts';
import { QUERY_LIMITS } from '../../src/schema/builder.ts';
import { expectNothingWritten, rowCounts, topLevelError } from '../helpers/fixtures.ts';
import { createTestOrg, gql } from '../helpers/graphql.ts';

describe('token limit', () => {
  it(`refuses a document of more than ${MAX_TOKENS} tokens, naming the limit`, async () => {
    // given a syntactically valid document just over the limit: "{ organization { name name ... } }"
    const org = await createTestOrg();
    const names = Array.from({ length: MAX_TOKENS }, () => 'name').join(' ');

    // when
    const result = await gql(org.tokens.VIEWER, `{ organization { ${names} } }`);

    // then
    expect(result.status).toBe(400);
    expect(result.data).toBeNull();
    const error = topLevelError(result);
    expect(error.message).toBe(`Document has more than ${MAX_TOKENS} tokens (limit: maxTokens)`);
    expect(error.extensions).toMatchObject({
      code: 'QUERY_TOO_COMPLEX',
      limit: 'maxTokens',
      max: MAX_TOKENS,
    });
  });

  it('refuses an oversized mutation document without writing', async () => {
    const org = await createTestOrg();
    const before = await rowCounts(org.orgId);
    const padding = Array.from({ length: MAX_TOKENS }, () => '__typename').join(' ');

    const result = await gql(
      org.tokens.EDITOR,
      `mutation { modelRegister(input: { name: "too-many-tokens" }) { ${padding} } }`,
    );

    expect(topLevelError(result).extensions?.limit).toBe('maxTokens');
    await expectNothingWritten(org.orgId, before);
  });

  it('accepts a document under the limit', async () => {
    const org = await createTestOrg();
    const names = Array.from({ length: 300 }, () => 'name').join(' ');
    const result = await gql(org.tokens.VIEWER, `{ organization { ${names} } }`);
    expect(result.errors).toBeUndefined();
  });
});

describe('directive limit', () => {
  function withDirectives(count: number): string {
    const fields = Array.from({ length: count }, () => 'name @include(if: true)').join(' ');
    return `{ organization { ${fields} } }`;
  }

  it(`accepts ${MAX_DIRECTIVES} directives`, async () => {
    const org = await createTestOrg();
    const result = await gql(org.tokens.VIEWER, withDirectives(MAX_DIRECTIVES));
    expect(result.errors).toBeUndefined();
  });

  it(`refuses ${MAX_DIRECTIVES + 1} directives, naming the limit`, async () => {
    const org = await createTestOrg();
    const result = await gql(org.tokens.VIEWER, withDirectives(MAX_DIRECTIVES + 1));
    expect(result.status).toBe(400);
    const error = topLevelError(result);
    expect(error.message).toBe(
      `Query uses more than ${MAX_DIRECTIVES} directives (limit: maxDirectives)`,
    );
    expect(error.extensions).toMatchObject({
      code: 'QUERY_TOO_COMPLEX',
      limit: 'maxDirectives',
      max: MAX_DIRECTIVES,
    });
  });
});

describe('batch size', () => {
  it(`refuses a JSON array of operations (batch size ${MAX_BATCH_SIZE}), running none`, async () => {
    // given two mutations in one batched request
    const org = await createTestOrg();
    const before = await rowCounts(org.orgId);
    const operation = (name: string) => ({
      query: `mutation { modelRegister(input: { name: "${name}" }) { __typename } }`,
    });

    // when
    const response = await SELF.fetch('http://registry.test/graphql', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json',
        authorization: `Bearer ${org.tokens.EDITOR}`,
      },
      body: JSON.stringify([operation('batched-1'), operation('batched-2')]),
    });

    // then
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: { message: string; extensions: object }[] };
    expect(body.errors).toEqual([
      {
        message:
          'Batched requests are not accepted: send 1 operation per request, not 2 (limit: batchSize)',
        extensions: { code: 'QUERY_TOO_COMPLEX', limit: 'batchSize', max: MAX_BATCH_SIZE },
      },
    ]);
    await expectNothingWritten(org.orgId, before);
  });
});

describe('complexity limit', () => {
  it(`refuses an estimated cost over ${QUERY_LIMITS.complexity}, naming the limit`, async () => {
    // given three nested connections (estimated at 10 entries each) with 25 fields per leaf
    const org = await createTestOrg();
    const leaf = Array.from({ length: 25 }, () => 'name').join(' ');
    const query = /* GraphQL */ `
      query Expensive {
        models { edges { node {
          versions { edges { node {
            trainedOn { edges { node { ${leaf} } } }
          } } }
        } } }
      }
    `;

    // when
    const result = await gql(org.tokens.VIEWER, query);

    // then
    const error = topLevelError(result);
    expect(error.message).toMatch(
      new RegExp(
        `^Query complexity \\d+ exceeds the limit of ${QUERY_LIMITS.complexity} \\(limit: complexity\\)$`,
      ),
    );
    expect(error.extensions).toMatchObject({
      code: 'QUERY_TOO_COMPLEX',
      limit: 'complexity',
      max: QUERY_LIMITS.complexity,
    });
  });
});

describe('alias limit', () => {
  it(`names the limit and its value (${MAX_ALIASES})`, async () => {
    const org = await createTestOrg();
    const fields = Array.from({ length: MAX_ALIASES + 1 }, (_, i) => `a${i}: __typename`);
    const result = await gql(org.tokens.VIEWER, `{ ${fields.join(' ')} }`);
    expect(topLevelError(result).extensions).toMatchObject({
      limit: 'maxAliases',
      max: MAX_ALIASES,
    });
  });
});

describe('page size cap', () => {
  it.each(['first', 'last'])(
    'refuses %s: 101 on a connection, naming the argument',
    async (arg) => {
      const org = await createTestOrg();
      const result = await gql(
        org.tokens.VIEWER,
        `{ models(${arg}: 101) { edges { node { id } } } }`,
      );
      expect(result.errors).toEqual([
        expect.objectContaining({
          message: `"${arg}" must be between 0 and 100 (the page size cap)`,
          path: ['models'],
          extensions: { code: 'BAD_USER_INPUT', argument: arg },
        }),
      ]);
    },
  );

  it('accepts first: 100', async () => {
    const org = await createTestOrg();
    const result = await gql(org.tokens.VIEWER, '{ models(first: 100) { edges { node { id } } } }');
    expect(result.errors).toBeUndefined();
  });
});

// How the server guards itself: a list of N parents costs a constant number of D1 statements, query
// limits refuse oversized operations before they run, and internal errors are masked.

import { env, SELF } from 'cloudflare:test';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_ALIASES } from '../../src/graphql/limits.ts';
import { promoteModelVersion } from '../../src/registry/governance/promotion.service.ts';
import { QUERY_LIMITS } from '../../src/schema/builder.ts';
import { allowPromotionWithoutApproval } from '../governance/governance-fixtures.ts';
import {
  expectNothingWritten,
  fieldOf,
  globalId,
  rowCounts,
  seedDataset,
  seedDeployment,
  seedModel,
  seedVersion,
  serviceDeps,
  topLevelError,
  viewerOf,
} from '../helpers/fixtures.ts';
import { createTestOrg, gql, type TestOrg, testDb } from '../helpers/graphql.ts';

// DESIGN: "keep a list of N parents at a constant number of statements". Each request reports the D1
// statements it ran in the x-d1-statements header; a list of 30 models must cost what a list of 3
// costs, however many nested fields hang off each model.

const ModelsWithLineage = /* GraphQL */ `
  query ModelsWithLineage($first: Int!) {
    models(first: $first) {
      edges {
        node {
          name
          productionVersion { version }
          trainedOn { edges { node { name } modelVersion { version } } }
          versions {
            edges {
              node {
                version
                trainedOn { edges { node { name } properties } }
                deployedTo { edges { node { name } } }
                aliases
                isProduction
                createdBy { name }
              }
            }
          }
        }
      }
    }
  }
`;

const Viewer = /* GraphQL */ `
  query Viewer {
    viewer { id }
  }
`;

const NodesByIds = /* GraphQL */ `
  query NodesByIds($ids: [ID!]!) {
    nodes(ids: $ids) {
      __typename
      id
      ... on Model { name }
      ... on Dataset { name }
    }
  }
`;

/**
 * `count` models, each with two versions trained on its own dataset, both served by its own
 * deployment, the second promoted to production. Built through the services: fast and valid.
 */
async function givenModels(org: TestOrg, count: number) {
  // Promotion here sets up data to read; the promotion gate is tested in test/governance.
  await allowPromotionWithoutApproval(org);
  await Promise.all(
    Array.from({ length: count }, async (_, index) => {
      const name = `model-${String(index).padStart(3, '0')}`;
      const model = await seedModel(org, name);
      const dataset = await seedDataset(org, `${name}-data`);
      const versions = [];
      for (const version of ['1.0.0', '2.0.0']) {
        versions.push(
          await seedVersion(org, model.id, version, {
            trainedOn: [{ datasetId: dataset.id, properties: { split: 'train' } }],
          }),
        );
      }
      await seedDeployment(
        org,
        `${name}-serving`,
        versions.map((version) => ({ versionId: version.id })),
      );
      await promoteModelVersion(serviceDeps(), viewerOf(org), {
        versionId: versions[1]?.id ?? '',
      });
    }),
  );
}

/**
 * Uses the token once and waits until its last use is recorded: that write happens only on a
 * token's first request of the hour, and must not be counted in the request being measured.
 */
async function warmUp(token: string, userId: string) {
  fieldOf(await gql(token, Viewer), 'viewer');
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const row = await testDb()
      .selectFrom('api_token')
      .select('last_used_at')
      .where('user_id', '=', userId)
      .executeTakeFirstOrThrow();
    if (row.last_used_at) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('the token’s last use was never recorded');
}

describe('statements per request', () => {
  it('lists 30 models with versions, lineage, deployments and aliases in as many statements as 3', async () => {
    // given
    const small = await createTestOrg('small');
    const large = await createTestOrg('large');
    await givenModels(small, 3);
    await givenModels(large, 30);
    await warmUp(small.tokens.VIEWER, small.userIds.VIEWER);
    await warmUp(large.tokens.VIEWER, large.userIds.VIEWER);

    // when
    const few = await gql(small.tokens.VIEWER, ModelsWithLineage, { first: 30 });
    const many = await gql(large.tokens.VIEWER, ModelsWithLineage, { first: 30 });

    // then the answers are complete
    const models = fieldOf<{ edges: { node: unknown }[] }>(many, 'models').edges.map(
      (edge) => edge.node,
    );
    expect(fieldOf(few, 'models').edges).toHaveLength(3);
    expect(models).toHaveLength(30);
    for (const [index, model] of models.entries()) {
      const name = `model-${String(index).padStart(3, '0')}`;
      expect(model).toEqual({
        name,
        productionVersion: { version: '2.0.0' },
        trainedOn: {
          edges: ['1.0.0', '2.0.0'].map((version) => ({
            node: { name: `${name}-data` },
            modelVersion: { version },
          })),
        },
        versions: {
          edges: [
            ['1.0.0', [], false],
            ['2.0.0', ['production'], true],
          ].map(([version, aliases, isProduction]) => ({
            node: {
              version,
              trainedOn: {
                edges: [{ node: { name: `${name}-data` }, properties: { split: 'train' } }],
              },
              deployedTo: { edges: [{ node: { name: `${name}-serving` } }] },
              aliases,
              isProduction,
              createdBy: { name: 'EDITOR user' },
            },
          })),
        },
      });
    }

    // and they cost the same: one statement per relation and level, not per model. 13 = the
    // token, models, versions, their trainedOn and deployedTo pages, Model.trainedOn, aliases by
    // model and by version, and the datasets, deployments, versions and users those point at.
    expect(many.statements).toBe(few.statements);
    expect(many.statements).toBeLessThanOrEqual(13);
  });

  it('refetches 160 nodes of two types with nodes(ids:) in one statement per type', async () => {
    // given more ids than D1's 100 bound parameters per statement
    const org = await createTestOrg();
    const models = await Promise.all(
      Array.from({ length: 80 }, (_, index) => seedModel(org, `m-${index}`)),
    );
    const datasets = await Promise.all(
      Array.from({ length: 80 }, (_, index) => seedDataset(org, `d-${index}`)),
    );
    const expected = models
      .map((model) => ({ __typename: 'Model', id: globalId('Model', model.id), name: model.name }))
      .flatMap((model, index) => {
        const dataset = datasets[index];
        if (!dataset) throw new Error('unreachable');
        return [
          model,
          { __typename: 'Dataset', id: globalId('Dataset', dataset.id), name: dataset.name },
        ];
      });
    await warmUp(org.tokens.VIEWER, org.userIds.VIEWER);

    // when
    const result = await gql(org.tokens.VIEWER, NodesByIds, {
      ids: expected.map((node) => node.id),
    });

    // then every node comes back, in order, for one statement of authentication and one per type
    expect(fieldOf(result, 'nodes')).toEqual(expected);
    expect(result.statements).toBe(3);
  });
});

/** `model { versions { edges { node { model { ... } } } } }`, `hops` times: 4 levels per hop. */
function nestedModelQuery(hops: number): string {
  let selection = 'name';
  for (let hop = 0; hop < hops; hop += 1) {
    selection = `versions { edges { node { model { ${selection} } } } }`;
  }
  return /* GraphQL */ `query NestedModels { model(name: "any") { ${selection} } }`;
}

function aliasedQuery(aliases: number): string {
  const fields = Array.from({ length: aliases }, (_, index) => `a${index}: organization { id }`);
  return /* GraphQL */ `query ManyAliases { ${fields.join(' ')} }`;
}

describe('query limits', () => {
  it(`accepts a query ${QUERY_LIMITS.depth} levels deep`, async () => {
    // given twelve levels, counting the leaf field
    const org = await createTestOrg();
    const query = /* GraphQL */ `
      query AtTheDepthLimit {
        model(name: "any") {
          versions { edges { node { model { versions { edges { node { model {
            versions { pageInfo { hasNextPage } }
          } } } } } } } }
        }
      }
    `;

    // when
    const result = await gql(org.tokens.VIEWER, query);

    // then
    expect(fieldOf(result, 'model')).toBeNull();
  });

  it(`refuses a query deeper than ${QUERY_LIMITS.depth} levels with a clear top-level error`, async () => {
    // given
    const org = await createTestOrg();

    // when
    const result = await gql(org.tokens.VIEWER, nestedModelQuery(3));

    // then
    const error = topLevelError(result);
    expect(error.message).toBe(
      `Query depth 14 exceeds the limit of ${QUERY_LIMITS.depth} (limit: depth)`,
    );
    expect(error.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'depth' });
    expect(result.data?.model ?? null).toBeNull();
  });

  it('refuses a mutation deeper than the limit before it writes anything', async () => {
    // given
    const org = await createTestOrg();
    const before = await rowCounts(org.orgId);
    let selection = 'id';
    for (let hop = 0; hop < 3; hop += 1) {
      selection = `versions { edges { node { model { ${selection} } } } }`;
    }
    const ModelRegisterDeep = /* GraphQL */ `
      mutation ModelRegisterDeep {
        modelRegister(input: { name: "too-deep" }) {
          ... on ModelRegisterPayload { model { ${selection} } }
        }
      }
    `;

    // when
    const result = await gql(org.tokens.EDITOR, ModelRegisterDeep);

    // then
    expect(topLevelError(result).message).toMatch(/depth \d+ exceeds the limit/);
    await expectNothingWritten(org.orgId, before);
  });

  it(`refuses more than ${QUERY_LIMITS.breadth} fields in one operation`, async () => {
    // given
    const org = await createTestOrg();
    const fields = Array.from({ length: QUERY_LIMITS.breadth }, () => 'name').join(' ');

    // when
    const result = await gql(org.tokens.VIEWER, `query Broad { organization { ${fields} } }`);

    // then
    expect(topLevelError(result).message).toMatch(
      new RegExp(`breadth \\d+ exceeds the limit of ${QUERY_LIMITS.breadth} \\(limit: breadth\\)`),
    );
    expect(topLevelError(result).extensions?.code).toBe('QUERY_TOO_COMPLEX');
  });

  it(`accepts ${MAX_ALIASES} aliases`, async () => {
    // given
    const org = await createTestOrg();

    // when
    const result = await gql(org.tokens.VIEWER, aliasedQuery(MAX_ALIASES));

    // then
    expect(result.errors).toBeUndefined();
    expect(Object.keys(result.data ?? {})).toHaveLength(MAX_ALIASES);
  });

  it(`refuses ${MAX_ALIASES + 1} aliases before running anything, with QUERY_TOO_COMPLEX`, async () => {
    // given
    const org = await createTestOrg();

    // when
    const result = await gql(org.tokens.VIEWER, aliasedQuery(MAX_ALIASES + 1));

    // then
    expect(result.status).toBe(400);
    expect(result.data).toBeNull();
    const error = topLevelError(result);
    expect(error.message).toBe(`Query uses more than ${MAX_ALIASES} aliases (limit: maxAliases)`);
    expect(error.extensions).toMatchObject({
      code: 'QUERY_TOO_COMPLEX',
      limit: 'maxAliases',
      max: MAX_ALIASES,
    });
  });

  it('refuses aliased mutations past the limit without writing', async () => {
    // given
    const org = await createTestOrg();
    const before = await rowCounts(org.orgId);
    const fields = Array.from(
      { length: MAX_ALIASES + 1 },
      (_, index) => `m${index}: modelRegister(input: { name: "aliased-${index}" }) { __typename }`,
    );

    // when
    const result = await gql(org.tokens.EDITOR, `mutation ManyRegisters { ${fields.join(' ')} }`);

    // then
    expect(topLevelError(result).extensions?.code).toBe('QUERY_TOO_COMPLEX');
    await expectNothingWritten(org.orgId, before);
  });
});

const ExperimentCreate = /* GraphQL */ `
  mutation ExperimentCreate($input: ExperimentCreateInput!) {
    experimentCreate(input: $input) {
      __typename
      ... on Error { message }
    }
  }
`;

const SECRET = 'internal detail 7f3a: table layout and host names';
describe('internal errors', () => {
  let trigger: string | null = null;

  afterEach(async () => {
    if (trigger) await env.DB.prepare(`DROP TRIGGER IF EXISTS ${trigger}`).run();
    trigger = null;
  });

  it('reach the client as "Unexpected error." with nothing of the original', async () => {
    // given a database that fails, with a revealing message, on one experiment name
    const org = await createTestOrg();
    const name = `boom-${crypto.randomUUID()}`;
    trigger = `fail_${crypto.randomUUID().replaceAll('-', '')}`;
    await env.DB.prepare(
      `CREATE TRIGGER ${trigger} BEFORE INSERT ON experiment WHEN NEW.name = '${name}'
       BEGIN SELECT RAISE(ABORT, '${SECRET}'); END`,
    ).run();
    const before = await rowCounts(org.orgId);

    // when
    const response = await SELF.fetch('http://registry.test/graphql', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json',
        authorization: `Bearer ${org.tokens.EDITOR}`,
      },
      body: JSON.stringify({ query: ExperimentCreate, variables: { input: { name } } }),
    });

    // then
    const text = await response.text();
    const body = JSON.parse(text) as {
      data: unknown;
      errors: { message: string; path: string[]; extensions?: Record<string, unknown> }[];
    };
    expect(body.data).toBeNull();
    expect(body.errors).toHaveLength(1);
    expect(body.errors[0]).toMatchObject({
      message: 'Unexpected error.',
      path: ['experimentCreate'],
    });
    expect(body.errors[0]?.extensions?.originalError).toBeUndefined();
    expect(text).not.toContain('7f3a');
    expect(text).not.toContain('D1_');
    expect(text).not.toMatch(/stack|\.ts:\d+/);
    await expectNothingWritten(org.orgId, before);
  });
});

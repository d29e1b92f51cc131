import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { createApiToken } from '../../src/registry/user/user.service.ts';
import type { Role } from '../../src/registry/user/user.ts';
import { allowPromotionWithoutApproval } from '../governance/governance-fixtures.ts';
import {
  expectNothingWritten,
  fieldOf,
  globalId,
  rowCounts,
  seedDataset,
  seedModel,
  seedVersion,
  serviceDeps,
  topLevelError,
  unknownId,
  viewerOf,
} from '../helpers/fixtures.ts';
import { createTestOrg, gql, type TestOrg } from '../helpers/graphql.ts';

const Viewer = /* GraphQL */ `
  query Viewer {
    viewer { id role }
  }
`;

const ReadEverything = /* GraphQL */ `
  query ReadEverything($modelId: ID!) {
    organization { id }
    models { edges { node { id name } } }
    datasets { edges { node { id } } }
    deployments { edges { node { id } } }
    experiments { edges { node { id } } }
    users { edges { node { id role } } }
    node(id: $modelId) { id }
  }
`;

/** Every mutation with an input that would succeed, and the scope it needs. */
const MUTATIONS: {
  field: string;
  scope: 'editor' | 'admin';
  input: (seed: Seed) => Record<string, unknown>;
}[] = [
  { field: 'modelRegister', scope: 'editor', input: () => ({ name: 'new-model' }) },
  {
    field: 'modelVersionCreate',
    scope: 'editor',
    input: (seed) => ({ modelId: seed.modelA, version: '3.0.0', derivedFrom: [seed.v1] }),
  },
  { field: 'modelVersionPromote', scope: 'editor', input: (seed) => ({ versionId: seed.v2 }) },
  {
    field: 'modelAliasSet',
    scope: 'editor',
    input: (seed) => ({ versionId: seed.v2, alias: 'champion' }),
  },
  {
    field: 'modelReplace',
    scope: 'editor',
    input: (seed) => ({ modelId: seed.modelA, replacedById: seed.modelB }),
  },
  { field: 'datasetRegister', scope: 'editor', input: () => ({ name: 'new-dataset' }) },
  {
    field: 'deploymentCreate',
    scope: 'editor',
    input: (seed) => ({
      name: 'new-deployment',
      environment: 'staging',
      modelVersions: [{ versionId: seed.v1, properties: { trafficShare: 1 } }],
    }),
  },
  { field: 'experimentCreate', scope: 'editor', input: () => ({ name: 'new-experiment' }) },
  {
    field: 'lineageEdgeAdd',
    scope: 'editor',
    input: (seed) => ({ type: 'DERIVED_FROM', fromId: seed.v2, toId: seed.v1 }),
  },
  {
    field: 'lineageEdgeRemove',
    scope: 'editor',
    input: (seed) => ({ type: 'TRAINED_ON', fromId: seed.v1, toId: seed.dataset }),
  },
  { field: 'userCreate', scope: 'admin', input: () => ({ name: 'New person', role: 'VIEWER' }) },
  {
    field: 'apiTokenCreate',
    scope: 'admin',
    input: (seed) => ({ userId: seed.viewerUser, name: 'new-token' }),
  },
  { field: 'apiTokenRevoke', scope: 'admin', input: (seed) => ({ id: seed.spareToken }) },
];

/** The operation for one mutation field: its result's type name, and the error if any. */
function mutationDocument(field: string): string {
  const name = `${field.charAt(0).toUpperCase()}${field.slice(1)}`;
  return /* GraphQL */ `
    mutation ${name}($input: ${name}Input!) {
      ${field}(input: $input) {
        __typename
        ... on Error { message path }
      }
    }
  `;
}

interface Seed {
  modelA: string;
  modelB: string;
  v1: string;
  v2: string;
  dataset: string;
  viewerUser: string;
  spareToken: string;
}

/**
 * Two models, two versions (v1 trained on a dataset) and a spare API token. Promotion needs no
 * approval here: these tests are about roles, and test/governance covers the promotion gate.
 */
async function givenSeed(org: TestOrg): Promise<Seed> {
  await allowPromotionWithoutApproval(org);
  const modelA = await seedModel(org, 'model-a');
  const modelB = await seedModel(org, 'model-b');
  const dataset = await seedDataset(org, 'dataset');
  const v1 = await seedVersion(org, modelA.id, '1.0.0', { trainedOn: [{ datasetId: dataset.id }] });
  const v2 = await seedVersion(org, modelA.id, '2.0.0');
  const spare = await createApiToken(serviceDeps(), viewerOf(org, 'ADMIN'), {
    userId: org.userIds.VIEWER,
    name: 'spare',
  });
  return {
    modelA: globalId('Model', modelA.id),
    modelB: globalId('Model', modelB.id),
    v1: globalId('ModelVersion', v1.id),
    v2: globalId('ModelVersion', v2.id),
    dataset: globalId('Dataset', dataset.id),
    viewerUser: globalId('User', org.userIds.VIEWER),
    spareToken: globalId('ApiToken', spare.apiToken.id),
  };
}

/**
 * Ids of the right kinds that name nothing: a refusal by role happens before any id is looked at,
 * so a refused mutation needs no data behind its input.
 */
function placeholderSeed(): Seed {
  return {
    modelA: unknownId('Model'),
    modelB: unknownId('Model'),
    v1: unknownId('ModelVersion'),
    v2: unknownId('ModelVersion'),
    dataset: unknownId('Dataset'),
    viewerUser: unknownId('User'),
    spareToken: unknownId('ApiToken'),
  };
}

async function runMutation(
  org: TestOrg,
  role: Role,
  mutation: (typeof MUTATIONS)[number],
  seed: Seed,
) {
  const before = await rowCounts(org.orgId);
  const result = await gql(org.tokens[role], mutationDocument(mutation.field), {
    input: mutation.input(seed),
  });
  return { result, before };
}

async function expectForbidden(role: Role, mutation: (typeof MUTATIONS)[number]) {
  // given
  const org = await createTestOrg();

  // when
  const { result, before } = await runMutation(org, role, mutation, placeholderSeed());

  // then
  const error = topLevelError(result);
  expect(error.extensions?.code).toBe('FORBIDDEN');
  expect(error.path).toEqual([mutation.field]);
  expect(error.message).toContain(mutation.field);
  expect(result.data).toBeNull();
  await expectNothingWritten(org.orgId, before);
}

async function expectAllowed(role: Role, mutation: (typeof MUTATIONS)[number]) {
  // given
  const org = await createTestOrg();

  // when
  const { result, before } = await runMutation(org, role, mutation, await givenSeed(org));

  // then
  const payload = fieldOf(result, mutation.field);
  expect(payload, JSON.stringify(payload)).toMatchObject({
    __typename: expect.stringMatching(/Payload$/),
  });
  expect(await rowCounts(org.orgId)).not.toEqual(before);
}

const editorMutations = MUTATIONS.filter((mutation) => mutation.scope === 'editor');
const adminMutations = MUTATIONS.filter((mutation) => mutation.scope === 'admin');

describe('authentication', () => {
  it('refuses a request without a token with 401 and UNAUTHENTICATED', async () => {
    // when
    const result = await gql(null, Viewer);

    // then
    expect(result.status).toBe(401);
    expect(result.data).toBeNull();
    expect(topLevelError(result).extensions?.code).toBe('UNAUTHENTICATED');
  });

  it.each([
    ['an unknown token', 'Bearer mr_doesnotexistdoesnotexistdoesnotexist123456'],
    ['a token that is not of the API’s form', 'Bearer hello'],
    ['another scheme', 'Basic dXNlcjpwYXNz'],
    ['a bare Bearer', 'Bearer'],
  ])('refuses %s with 401, UNAUTHENTICATED and a WWW-Authenticate challenge', async (_, header) => {
    // when
    const response = await SELF.fetch('http://registry.test/graphql', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json',
        authorization: header,
      },
      body: JSON.stringify({ query: Viewer }),
    });

    // then
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
    const body = (await response.json()) as {
      data?: unknown;
      errors: { extensions: { code: string } }[];
    };
    expect(body.data ?? null).toBeNull();
    expect(body.errors.map((error) => error.extensions.code)).toEqual(['UNAUTHENTICATED']);
  });

  it('refuses a mutation without a token before it runs', async () => {
    // given
    const org = await createTestOrg();
    const before = await rowCounts(org.orgId);

    // when
    const result = await gql(null, mutationDocument('modelRegister'), {
      input: { name: 'anonymous' },
    });

    // then
    expect(result.status).toBe(401);
    expect(topLevelError(result).extensions?.code).toBe('UNAUTHENTICATED');
    await expectNothingWritten(org.orgId, before);
  });

  it.each(['VIEWER', 'EDITOR', 'REVIEWER', 'ADMIN'] as const)(
    'resolves a %s token to its user and role',
    async (role) => {
      // given
      const org = await createTestOrg();

      // when
      const result = await gql(org.tokens[role], Viewer);

      // then
      expect(fieldOf(result, 'viewer')).toEqual({ id: globalId('User', org.userIds[role]), role });
    },
  );
});

describe('roles', () => {
  it.each(['VIEWER', 'EDITOR', 'REVIEWER', 'ADMIN'] as const)(
    'lets a %s read the organization',
    async (role) => {
      // given
      const org = await createTestOrg();
      const seed = await givenSeed(org);

      // when
      const result = await gql(org.tokens[role], ReadEverything, { modelId: seed.modelA });

      // then
      const models = fieldOf<{ edges: { node: { name: string } }[] }>(result, 'models');
      expect(models.edges.map((edge) => edge.node.name)).toEqual(['model-a', 'model-b']);
      expect(fieldOf(result, 'datasets').edges).toHaveLength(1);
      expect(fieldOf(result, 'users').edges).toHaveLength(4);
      expect(fieldOf(result, 'node')).toEqual({ id: seed.modelA });
    },
  );

  it.each(MUTATIONS.map((mutation) => [mutation.field, mutation] as const))(
    'refuses %s to a VIEWER with a top-level FORBIDDEN error, writing nothing',
    (_, mutation) => expectForbidden('VIEWER', mutation),
  );

  it.each(MUTATIONS.map((mutation) => [mutation.field, mutation] as const))(
    'refuses %s to a REVIEWER, who reviews but does not edit',
    (_, mutation) => expectForbidden('REVIEWER', mutation),
  );

  it.each(editorMutations.map((mutation) => [mutation.field, mutation] as const))(
    'lets an EDITOR run %s',
    (_, mutation) => expectAllowed('EDITOR', mutation),
  );

  it.each(adminMutations.map((mutation) => [mutation.field, mutation] as const))(
    'refuses %s to an EDITOR: users and tokens are for admins',
    (_, mutation) => expectForbidden('EDITOR', mutation),
  );

  it.each(MUTATIONS.map((mutation) => [mutation.field, mutation] as const))(
    'lets an ADMIN run %s',
    (_, mutation) => expectAllowed('ADMIN', mutation),
  );
});

describe('organizations are walled off', () => {
  const NodeById = /* GraphQL */ `
    query NodeById($id: ID!) {
      node(id: $id) { id }
    }
  `;

  const ModelsAndByName = /* GraphQL */ `
    query ModelsAndByName($name: String!) {
      models(first: 100) { edges { node { name } } }
      model(name: $name) { id }
    }
  `;

  it('hides another organization’s nodes from node(), model() and models', async () => {
    // given
    const orgA = await createTestOrg('a');
    const orgB = await createTestOrg('b');
    const seedA = await givenSeed(orgA);
    await seedModel(orgB, 'model-of-b');

    // when
    const lookups = await Promise.all(
      Object.values(seedA).map((id) => gql(orgB.tokens.ADMIN, NodeById, { id })),
    );
    const list = await gql(orgB.tokens.ADMIN, ModelsAndByName, { name: 'model-a' });

    // then
    for (const lookup of lookups) expect(fieldOf(lookup, 'node')).toBeNull();
    expect(fieldOf(list, 'models').edges).toEqual([{ node: { name: 'model-of-b' } }]);
    expect(fieldOf(list, 'model')).toBeNull();
  });

  const crossOrgCases: [string, string, (a: Seed, b: Seed) => Record<string, unknown>, string[]][] =
    [
      [
        'an edge from its own version to the other’s dataset',
        'lineageEdgeAdd',
        (a, b) => ({ type: 'TRAINED_ON', fromId: b.v2, toId: a.dataset }),
        ['input', 'toId'],
      ],
      [
        'an edge from the other’s version',
        'lineageEdgeAdd',
        (a, b) => ({ type: 'DERIVED_FROM', fromId: a.v2, toId: b.v1 }),
        ['input', 'fromId'],
      ],
      [
        'a version of the other’s model',
        'modelVersionCreate',
        (a) => ({ modelId: a.modelA, version: '9.0.0' }),
        ['input', 'modelId'],
      ],
      [
        'a version trained on the other’s dataset',
        'modelVersionCreate',
        (a, b) => ({ modelId: b.modelA, version: '9.0.0', trainedOn: [{ datasetId: a.dataset }] }),
        ['input', 'trainedOn', '0', 'datasetId'],
      ],
      [
        'a version derived from the other’s version',
        'modelVersionCreate',
        (a, b) => ({ modelId: b.modelA, version: '9.0.0', derivedFrom: [a.v1] }),
        ['input', 'derivedFrom', '0'],
      ],
      [
        'promoting the other’s version',
        'modelVersionPromote',
        (a) => ({ versionId: a.v1 }),
        ['input', 'versionId'],
      ],
      [
        'an alias on the other’s version',
        'modelAliasSet',
        (a) => ({ versionId: a.v1, alias: 'champion' }),
        ['input', 'versionId'],
      ],
      [
        'replacing its model by the other’s',
        'modelReplace',
        (a, b) => ({ modelId: b.modelA, replacedById: a.modelB }),
        ['input', 'replacedById'],
      ],
      [
        'deploying the other’s version',
        'deploymentCreate',
        (a) => ({ name: 'd', environment: 'production', modelVersions: [{ versionId: a.v1 }] }),
        ['input', 'modelVersions', '0', 'versionId'],
      ],
      [
        'ending the other’s edge',
        'lineageEdgeRemove',
        (a) => ({ type: 'TRAINED_ON', fromId: a.v1, toId: a.dataset }),
        ['input'],
      ],
      [
        'a token for the other’s user',
        'apiTokenCreate',
        (a) => ({ userId: a.viewerUser, name: 'intruder' }),
        ['input', 'userId'],
      ],
      [
        'revoking the other’s token',
        'apiTokenRevoke',
        (a) => ({ id: a.spareToken }),
        ['input', 'id'],
      ],
    ];

  it.each(crossOrgCases)(
    'refuses %s as a NotFoundError, writing nothing in either organization',
    async (_, field, input, path) => {
      // given
      const orgA = await createTestOrg('a');
      const orgB = await createTestOrg('b');
      const seedA = await givenSeed(orgA);
      const seedB = await givenSeed(orgB);
      const beforeA = await rowCounts(orgA.orgId);
      const beforeB = await rowCounts(orgB.orgId);

      // when
      const result = await gql(orgB.tokens.ADMIN, mutationDocument(field), {
        input: input(seedA, seedB),
      });

      // then
      expect(fieldOf(result, field)).toMatchObject({ __typename: 'NotFoundError', path });
      await expectNothingWritten(orgA.orgId, beforeA);
      await expectNothingWritten(orgB.orgId, beforeB);
    },
  );
});

// Reading: the models list (filters, sort orders, keyset pages) and refetching any node by its
// global ID, within the caller's organization only.
import { describe, expect, it } from 'vitest';
import { replaceModel } from '../../src/registry/model/model.service.ts';
import {
  fieldOf,
  globalId,
  seedDataset,
  seedDeployment,
  seedExperiment,
  seedModel,
  seedVersion,
  serviceDeps,
  topLevelError,
  unknownId,
  viewerOf,
} from '../helpers/fixtures.ts';
import {
  createTestOrg,
  type GraphQLResponse,
  gql,
  type TestOrg,
  testDb,
} from '../helpers/graphql.ts';

const Models = /* GraphQL */ `
  query Models(
    $first: Int
    $after: String
    $last: Int
    $before: String
    $filter: ModelFilter
    $orderBy: ModelOrder
  ) {
    models(
      first: $first
      after: $after
      last: $last
      before: $before
      filter: $filter
      orderBy: $orderBy
    ) {
      edges { cursor node { name } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }
`;

interface ModelsPage {
  edges: { cursor: string; node: { name: string } }[];
  pageInfo: {
    hasNextPage: boolean;
    hasPreviousPage: boolean;
    startCursor: string | null;
    endCursor: string | null;
  };
}

async function listNames(org: TestOrg, filter: Record<string, unknown>): Promise<string[]> {
  const page = fieldOf<ModelsPage>(
    await gql(org.tokens.VIEWER, Models, { filter, first: 100, orderBy: { field: 'NAME' } }),
    'models',
  );
  return page.edges.map((edge) => edge.node.name);
}

/** Walks a list forward with first/after until hasNextPage is false. */
async function walkForward(
  org: TestOrg,
  orderBy: Record<string, string>,
  pageSize: number,
): Promise<{ names: string[]; pages: ModelsPage[] }> {
  const pages: ModelsPage[] = [];
  let after: string | null = null;
  for (;;) {
    const page: ModelsPage = fieldOf(
      await gql(org.tokens.VIEWER, Models, { first: pageSize, after, orderBy }),
      'models',
    );
    pages.push(page);
    if (!page.pageInfo.hasNextPage) break;
    after = page.pageInfo.endCursor;
    if (pages.length > 50) throw new Error('pagination does not end');
  }
  return { names: pages.flatMap((page) => page.edges.map((edge) => edge.node.name)), pages };
}

async function setCreatedAt(modelId: string, createdAt: string) {
  await testDb()
    .updateTable('model')
    .set({ created_at: createdAt, updated_at: createdAt })
    .where('id', '=', modelId)
    .execute();
}

/** A catalogue of models that differ in every filtered attribute. */
async function givenCatalogue() {
  const org = await createTestOrg();
  const llama = await seedModel(org, 'Llama-3-8B', {
    description: 'Open weights chat model',
    metadata: { provider: 'meta', framework: 'pytorch', model_type: 'llm', tags: ['nlp', 'chat'] },
  });
  const gpt = await seedModel(org, 'gpt-4o', {
    description: 'Hosted multimodal model, a llama competitor',
    metadata: { provider: 'openai', model_type: 'llm', tags: ['nlp', 'vision'] },
  });
  const claude = await seedModel(org, 'claude', {
    metadata: { provider: 'anthropic', model_type: 'llm', tags: ['nlp', 'chat'] },
  });
  const whisper = await seedModel(org, 'whisper', {
    metadata: { provider: 'openai', framework: 'pytorch', model_type: 'asr', tags: ['audio'] },
  });
  const fraud = await seedModel(org, 'fraud-50%-detector', {
    metadata: { provider: 'in-house', framework: 'sklearn', model_type: 'classifier' },
    tags: ['tabular'],
  });
  await replaceModel(serviceDeps(), viewerOf(org), { modelId: gpt.id, replacedById: claude.id });
  await setCreatedAt(llama.id, '2026-01-10T00:00:00.000Z');
  await setCreatedAt(gpt.id, '2026-02-10T00:00:00.000Z');
  await setCreatedAt(claude.id, '2026-03-10T00:00:00.000Z');
  await setCreatedAt(whisper.id, '2026-04-10T00:00:00.000Z');
  await setCreatedAt(fraud.id, '2026-05-10T00:00:00.000Z');
  return org;
}

describe('models(filter:)', () => {
  it.each([
    ['tagsAny', { tagsAny: ['vision', 'audio'] }, ['gpt-4o', 'whisper']],
    ['tagsAll', { tagsAll: ['nlp', 'chat'] }, ['Llama-3-8B', 'claude']],
    ['tagsAll with a repeated tag', { tagsAll: ['chat', 'chat'] }, ['Llama-3-8B', 'claude']],
    ['tagsAll with a tag nobody has', { tagsAll: ['nlp', 'robotics'] }, []],
    ['status', { status: ['DEPRECATED'] }, ['gpt-4o']],
    [
      'status, several values',
      { status: ['ACTIVE', 'ARCHIVED'] },
      ['Llama-3-8B', 'claude', 'fraud-50%-detector', 'whisper'],
    ],
    ['provider', { provider: ['openai', 'anthropic'] }, ['claude', 'gpt-4o', 'whisper']],
    ['framework', { framework: ['pytorch'] }, ['Llama-3-8B', 'whisper']],
    ['modelType', { modelType: ['asr', 'classifier'] }, ['fraud-50%-detector', 'whisper']],
    ['text in a name, any case', { text: 'LLAMA-3' }, ['Llama-3-8B']],
    ['text in a name or description', { text: 'llama' }, ['Llama-3-8B', 'gpt-4o']],
    ['text with a LIKE wildcard taken literally', { text: '50%' }, ['fraud-50%-detector']],
    ['text with an underscore taken literally', { text: 'gpt_4o' }, []],
    [
      'createdAfter (inclusive)',
      { createdAfter: '2026-03-10T00:00:00.000Z' },
      ['claude', 'fraud-50%-detector', 'whisper'],
    ],
    [
      'createdBefore (exclusive)',
      { createdBefore: '2026-03-10T00:00:00.000Z' },
      ['Llama-3-8B', 'gpt-4o'],
    ],
    [
      'a time window',
      { createdAfter: '2026-02-01T00:00:00.000Z', createdBefore: '2026-04-01T00:00:00.000Z' },
      ['claude', 'gpt-4o'],
    ],
  ])('filters by %s', async (_, filter, expected) => {
    // given
    const org = await givenCatalogue();

    // when
    const names = await listNames(org, filter);

    // then
    expect(names).toEqual(expected);
  });

  it('ANDs conditions together while ORing the values of one condition', async () => {
    // given
    const org = await givenCatalogue();

    // when
    const names = await listNames(org, {
      tagsAny: ['nlp', 'audio'],
      provider: ['openai', 'meta'],
      status: ['ACTIVE'],
      createdAfter: '2026-01-01T00:00:00.000Z',
    });

    // then: gpt-4o is DEPRECATED, claude is from anthropic, fraud has neither tag
    expect(names).toEqual(['Llama-3-8B', 'whisper']);
  });

  it('refuses more than 100 values in one filter list with BAD_USER_INPUT', async () => {
    // given
    const org = await createTestOrg();
    const provider = Array.from({ length: 101 }, (_, index) => `p${index}`);

    // when
    const result = await gql(org.tokens.VIEWER, Models, { filter: { provider } });

    // then
    expect(topLevelError(result).extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      argument: 'filter.provider',
    });
  });
});

describe('models(orderBy:) keyset pagination', () => {
  it('pages through NAME ASC with no duplicates and no gaps', async () => {
    // given eleven models registered in an order unlike their names
    const org = await createTestOrg();
    const names = [
      'kiwi',
      'apple',
      'Mango',
      'banana',
      'cherry',
      'date',
      'Zebra',
      'fig',
      'grape',
      'elder',
      'honeydew',
    ];
    for (const name of names) await seedModel(org, name);

    // when
    const { names: listed, pages } = await walkForward(org, { field: 'NAME', direction: 'ASC' }, 3);

    // then binary (code point) order: capitals first
    expect(listed).toEqual([...names].sort());
    expect(pages.map((page) => page.edges.length)).toEqual([3, 3, 3, 2]);
    expect(pages.map((page) => page.pageInfo.hasPreviousPage)).toEqual([false, true, true, true]);
    expect(pages.at(-1)?.pageInfo.hasNextPage).toBe(false);
    for (const page of pages) {
      expect(page.pageInfo.startCursor).toBe(page.edges[0]?.cursor);
      expect(page.pageInfo.endCursor).toBe(page.edges.at(-1)?.cursor);
    }
  });

  it('pages through CREATED_AT DESC, breaking ties by id, with no duplicates and no gaps', async () => {
    // given ten models, several registered in the same instant
    const org = await createTestOrg();
    const times = [
      '2026-01-01T00:00:00.000Z',
      '2026-01-03T00:00:00.000Z',
      '2026-01-02T00:00:00.000Z',
      '2026-01-02T00:00:00.000Z',
      '2026-01-02T00:00:00.000Z',
      '2026-01-05T00:00:00.000Z',
      '2026-01-04T00:00:00.000Z',
      '2026-01-04T00:00:00.000Z',
      '2026-01-01T00:00:00.000Z',
      '2026-01-06T00:00:00.000Z',
    ];
    const models = [];
    for (const [index, createdAt] of times.entries()) {
      const model = await seedModel(org, `model-${index}`);
      await setCreatedAt(model.id, createdAt);
      models.push({ id: model.id, name: model.name, createdAt });
    }
    const expected = [...models]
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id))
      .map((model) => model.name);

    // when
    const { names, pages } = await walkForward(org, { field: 'CREATED_AT', direction: 'DESC' }, 4);

    // then
    expect(names).toEqual(expected);
    expect(new Set(names).size).toBe(10);
    expect(pages.map((page) => page.edges.length)).toEqual([4, 4, 2]);
  });

  it('pages backward with last/before through the same order', async () => {
    // given
    const org = await createTestOrg();
    const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
    for (const name of [...names].reverse()) await seedModel(org, name);
    const orderBy = { field: 'NAME', direction: 'ASC' };

    // when
    const collected: string[][] = [];
    let before: string | null = null;
    for (;;) {
      const page: ModelsPage = fieldOf(
        await gql(org.tokens.VIEWER, Models, { last: 3, before, orderBy }),
        'models',
      );
      collected.unshift(page.edges.map((edge) => edge.node.name));
      if (!page.pageInfo.hasPreviousPage) break;
      before = page.pageInfo.startCursor;
    }

    // then
    expect(collected).toEqual([['a'], ['b', 'c', 'd'], ['e', 'f', 'g']]);
  });

  it('keeps a page stable when a model is registered ahead of the cursor', async () => {
    // given
    const org = await createTestOrg();
    for (const name of ['b', 'd', 'f']) await seedModel(org, name);
    const orderBy = { field: 'NAME', direction: 'ASC' };
    const first = fieldOf<ModelsPage>(
      await gql(org.tokens.VIEWER, Models, { first: 2, orderBy }),
      'models',
    );

    // when a model sorting before the cursor appears
    await seedModel(org, 'a');
    const second = fieldOf<ModelsPage>(
      await gql(org.tokens.VIEWER, Models, { first: 2, after: first.pageInfo.endCursor, orderBy }),
      'models',
    );

    // then
    expect(first.edges.map((edge) => edge.node.name)).toEqual(['b', 'd']);
    expect(second.edges.map((edge) => edge.node.name)).toEqual(['f']);
  });

  it('refuses first: 101 with a top-level BAD_USER_INPUT error', async () => {
    // given
    const org = await createTestOrg();

    // when
    const result = await gql(org.tokens.VIEWER, Models, { first: 101 });

    // then
    const error = topLevelError(result);
    expect(error.extensions?.code).toBe('BAD_USER_INPUT');
    expect(error.message).toContain('first');
    expect(result.data).toBeNull();
  });

  it('accepts first: 100, the page size cap', async () => {
    // given
    const org = await createTestOrg();

    // when
    const result = await gql(org.tokens.VIEWER, Models, { first: 100 });

    // then
    expect(fieldOf(result, 'models').edges).toEqual([]);
  });

  it.each([
    ['garbage', '!!not a cursor!!'],
    ['base64 of something else', btoa('hello world')],
    ['a versioned cursor with a broken key', btoa('c1:{not json')],
  ])('refuses a malformed cursor (%s) with BAD_USER_INPUT', async (_, after) => {
    // given
    const org = await createTestOrg();

    // when
    const result = await gql(org.tokens.VIEWER, Models, { first: 2, after });

    // then
    expect(topLevelError(result).extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('refuses a cursor taken from another sort order', async () => {
    // given a cursor of the NAME order
    const org = await createTestOrg();
    for (const name of ['a', 'b', 'c']) await seedModel(org, name);
    const byName = fieldOf<ModelsPage>(
      await gql(org.tokens.VIEWER, Models, { first: 1, orderBy: { field: 'NAME' } }),
      'models',
    );

    // when it is used with CREATED_AT
    const result = await gql(org.tokens.VIEWER, Models, {
      first: 1,
      after: byName.pageInfo.endCursor,
      orderBy: { field: 'CREATED_AT' },
    });

    // then
    expect(topLevelError(result).extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      argument: 'after',
    });
  });

  it('refuses first and last together', async () => {
    // given
    const org = await createTestOrg();

    // when
    const result = await gql(org.tokens.VIEWER, Models, { first: 2, last: 2 });

    // then
    expect(topLevelError(result).extensions?.code).toBe('BAD_USER_INPUT');
  });
});

const NodeSummary = /* GraphQL */ `
  fragment NodeSummary on Node {
    __typename
    id
    ... on Model { name }
    ... on ModelVersion { version model { name } }
    ... on Dataset { name }
    ... on Deployment { name }
    ... on Experiment { name }
    ... on User { name role }
    ... on Organization { name }
    ... on GraphEdge { type from { id } to { id } }
  }
`;

const NodeById = /* GraphQL */ `
  query NodeById($id: ID!) {
    node(id: $id) { ...NodeSummary }
  }
  ${NodeSummary}
`;

const NodesByIds = /* GraphQL */ `
  query NodesByIds($ids: [ID!]!) {
    nodes(ids: $ids) { ...NodeSummary }
  }
  ${NodeSummary}
`;

const ModelByIdOrName = /* GraphQL */ `
  query ModelByIdOrName($id: ID, $name: String) {
    model(id: $id, name: $name) { id name }
  }
`;

const OrganizationAndViewer = /* GraphQL */ `
  query OrganizationAndViewer {
    organization { id name }
    viewer { id name role organization { id } }
  }
`;

/** One node of every type, in one organization. */
async function givenOneOfEach(org: TestOrg) {
  const model = await seedModel(org, 'every-model');
  const version = await seedVersion(org, model.id, '1.0.0');
  const dataset = await seedDataset(org, 'every-dataset');
  const deployment = await seedDeployment(org, 'every-deployment');
  const experiment = await seedExperiment(org, 'every-experiment');
  const edge = await testDb()
    .insertInto('edge')
    .values({
      id: crypto.randomUUID(),
      org_id: org.orgId,
      type: 'TRAINED_ON',
      src_id: version.id,
      src_kind: 'ModelVersion',
      dst_id: dataset.id,
      dst_kind: 'Dataset',
      properties: null,
      created_at: new Date().toISOString(),
      created_by: org.userIds.EDITOR,
      removed_at: null,
      removed_by: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const organization = await testDb()
    .selectFrom('organization')
    .select('name')
    .where('id', '=', org.orgId)
    .executeTakeFirstOrThrow();
  return {
    Model: {
      __typename: 'Model',
      id: globalId('Model', model.id),
      name: 'every-model',
    },
    ModelVersion: {
      __typename: 'ModelVersion',
      id: globalId('ModelVersion', version.id),
      version: '1.0.0',
      model: { name: 'every-model' },
    },
    Dataset: { __typename: 'Dataset', id: globalId('Dataset', dataset.id), name: 'every-dataset' },
    Deployment: {
      __typename: 'Deployment',
      id: globalId('Deployment', deployment.id),
      name: 'every-deployment',
    },
    Experiment: {
      __typename: 'Experiment',
      id: globalId('Experiment', experiment.id),
      name: 'every-experiment',
    },
    User: {
      __typename: 'User',
      id: globalId('User', org.userIds.REVIEWER),
      name: 'REVIEWER user',
      role: 'REVIEWER',
    },
    Organization: {
      __typename: 'Organization',
      id: globalId('Organization', org.orgId),
      name: organization.name,
    },
    GraphEdge: {
      __typename: 'GraphEdge',
      id: globalId('GraphEdge', edge.id),
      type: 'TRAINED_ON',
      from: { id: globalId('ModelVersion', version.id) },
      to: { id: globalId('Dataset', dataset.id) },
    },
  };
}

const TYPES = [
  'Model',
  'ModelVersion',
  'Dataset',
  'Deployment',
  'Experiment',
  'User',
  'Organization',
  'GraphEdge',
] as const;

describe('node(id:)', () => {
  it(`refetches a node of each type (${TYPES.join(', ')}) by its global ID`, async () => {
    // given
    const org = await createTestOrg();
    const mine = await givenOneOfEach(org);

    // when
    const results = await Promise.all(
      TYPES.map((type) => gql(org.tokens.VIEWER, NodeById, { id: mine[type].id })),
    );

    // then
    for (const [index, type] of TYPES.entries()) {
      expect(fieldOf(results[index] as GraphQLResponse, 'node'), type).toEqual(mine[type]);
    }
  });

  it.each(TYPES)('gives null for an unknown %s id', async (type) => {
    // given
    const org = await createTestOrg();

    // when
    const result = await gql(org.tokens.VIEWER, NodeById, { id: unknownId(type) });

    // then
    expect(fieldOf(result, 'node')).toBeNull();
  });

  it('gives null for a node of any type from another organization', async () => {
    // given
    const owner = await createTestOrg('owner');
    const stranger = await createTestOrg('stranger');
    const theirs = await givenOneOfEach(owner);

    // when
    const results = await Promise.all(
      TYPES.map((type) => gql(stranger.tokens.ADMIN, NodeById, { id: theirs[type].id })),
    );

    // then
    for (const [index, type] of TYPES.entries()) {
      expect(fieldOf(results[index] as GraphQLResponse, 'node'), type).toBeNull();
    }
  });

  it.each([
    ['an API token’s id (a global ID, but no Node)', () => unknownId('ApiToken')],
    ['an id of an interface', () => unknownId('Node')],
    ['an id of a type that does not exist', () => unknownId('Nope')],
    ['a malformed id', () => 'not a global id!'],
    ['base64 without a type', () => btoa('just-an-id')],
  ])('gives null, not an error, for %s', async (_, id) => {
    // given
    const org = await createTestOrg();

    // when
    const result = await gql(org.tokens.VIEWER, NodeById, { id: id() });

    // then
    expect(fieldOf(result, 'node')).toBeNull();
  });

  it('gives null for a row id announced as another type', async () => {
    // given a dataset's row id encoded as a Model
    const org = await createTestOrg();
    const dataset = await seedDataset(org, 'disguised');

    // when
    const result = await gql(org.tokens.VIEWER, NodeById, { id: globalId('Model', dataset.id) });

    // then
    expect(fieldOf(result, 'node')).toBeNull();
  });
});

describe('nodes(ids:)', () => {
  it('refetches one node of every type in the order asked, with null where not visible', async () => {
    // given
    const org = await createTestOrg();
    const stranger = await createTestOrg('stranger');
    const mine = await givenOneOfEach(org);
    const theirs = await givenOneOfEach(stranger);
    const ids = [
      mine.GraphEdge.id,
      theirs.Model.id,
      ...TYPES.map((type) => mine[type].id),
      unknownId('Dataset'),
      mine.Model.id,
    ];

    // when
    const result = await gql(org.tokens.VIEWER, NodesByIds, { ids });

    // then
    expect(fieldOf(result, 'nodes')).toEqual([
      mine.GraphEdge,
      null,
      ...TYPES.map((type) => mine[type]),
      null,
      mine.Model,
    ]);
  });

  it('gives null in place of malformed ids and ids of types that are no Node', async () => {
    // given
    const org = await createTestOrg();
    const model = await seedModel(org, 'kept');

    // when
    const result = await gql(org.tokens.VIEWER, NodesByIds, {
      ids: ['garbage', unknownId('ApiToken'), globalId('Model', model.id)],
    });

    // then
    expect(fieldOf(result, 'nodes')).toEqual([
      null,
      null,
      { __typename: 'Model', id: globalId('Model', model.id), name: 'kept' },
    ]);
  });

  it('gives an empty list for no ids', async () => {
    // given
    const org = await createTestOrg();

    // when
    const result = await gql(org.tokens.VIEWER, NodesByIds, { ids: [] });

    // then
    expect(fieldOf(result, 'nodes')).toEqual([]);
  });
});

describe('model(id:) and model(name:)', () => {
  it('finds a model by global ID and by name', async () => {
    // given
    const org = await createTestOrg();
    const model = await seedModel(org, 'findable');
    const expected = { id: globalId('Model', model.id), name: 'findable' };

    // when
    const byId = await gql(org.tokens.VIEWER, ModelByIdOrName, { id: expected.id });
    const byName = await gql(org.tokens.VIEWER, ModelByIdOrName, { name: 'findable' });

    // then
    expect(fieldOf(byId, 'model')).toEqual(expected);
    expect(fieldOf(byName, 'model')).toEqual(expected);
  });

  it('reads the model once by name: as many statements as by id', async () => {
    // given (a token's first request also records its last use: keep it out of the comparison)
    const org = await createTestOrg();
    const model = await seedModel(org, 'counted');
    await gql(org.tokens.VIEWER, ModelByIdOrName, { name: 'warm-up' });

    // when
    const byId = await gql(org.tokens.VIEWER, ModelByIdOrName, { id: globalId('Model', model.id) });
    const byName = await gql(org.tokens.VIEWER, ModelByIdOrName, { name: 'counted' });

    // then: the token lookup and one read of the model
    expect(fieldOf(byName, 'model')).toEqual(fieldOf(byId, 'model'));
    expect([byId.statements, byName.statements]).toEqual([2, 2]);
  });

  it.each([
    ['an unknown id', { id: unknownId('Model') }],
    ['the id of a dataset', { id: unknownId('Dataset') }],
    ['an unknown name', { name: 'nobody' }],
    ['neither id nor name', {}],
  ])('gives null for %s', async (_, variables) => {
    // given
    const org = await createTestOrg();
    await seedModel(org, 'somebody');

    // when
    const result = await gql(org.tokens.VIEWER, ModelByIdOrName, variables);

    // then
    expect(fieldOf(result, 'model')).toBeNull();
  });

  it('gives null for another organization’s model, by id and by name', async () => {
    // given
    const owner = await createTestOrg('owner');
    const stranger = await createTestOrg('stranger');
    const model = await seedModel(owner, 'private-model');

    // when
    const byId = await gql(stranger.tokens.ADMIN, ModelByIdOrName, {
      id: globalId('Model', model.id),
    });
    const byName = await gql(stranger.tokens.ADMIN, ModelByIdOrName, { name: 'private-model' });

    // then
    expect(fieldOf(byId, 'model')).toBeNull();
    expect(fieldOf(byName, 'model')).toBeNull();
  });
});

describe('organization and viewer', () => {
  it('give the caller’s own organization and user', async () => {
    // given
    const org = await createTestOrg();

    // when
    const result = await gql(org.tokens.EDITOR, OrganizationAndViewer);

    // then
    expect(fieldOf(result, 'organization').id).toBe(globalId('Organization', org.orgId));
    expect(fieldOf(result, 'viewer')).toEqual({
      id: globalId('User', org.userIds.EDITOR),
      name: 'EDITOR user',
      role: 'EDITOR',
      organization: { id: globalId('Organization', org.orgId) },
    });
  });
});

// Editing what was registered besides models, through GraphQL: datasetUpdate, deploymentUpdate
// and experimentUpdate share one service (src/registry/lifecycle/named-update.ts), so each case
// runs for all three: rename, description, metadata merge/replace, the audit, and the refusals.
import { describe, expect, it } from 'vitest';
import {
  auditEvents,
  expectNothingWritten,
  fieldOf,
  globalId,
  rowCounts,
  seedDataset,
  seedDeployment,
  seedExperiment,
  seedModel,
  seedVersion,
  unknownId,
} from '../helpers/fixtures.ts';
import { createTestOrg, gql, type TestOrg } from '../helpers/graphql.ts';

type Kind = 'Dataset' | 'Deployment' | 'Experiment';

const KINDS: {
  kind: Kind;
  field: string;
  seed: (org: TestOrg, name: string) => Promise<{ id: string; createdAt: Date }>;
  /** Fields that must be the same after any edit. */
  immutable: string;
}[] = [
  { kind: 'Dataset', field: 'dataset', seed: seedDataset, immutable: 'uri format' },
  {
    kind: 'Deployment',
    field: 'deployment',
    seed: async (org, name) => {
      const model = await seedModel(org, `${name}-model`);
      const version = await seedVersion(org, model.id, '1.0.0');
      return seedDeployment(org, name, [{ versionId: version.id }]);
    },
    immutable: 'environment modelVersions { edges { node { version } } }',
  },
  { kind: 'Experiment', field: 'experiment', seed: seedExperiment, immutable: '' },
];

const update = (kind: Kind, field: string, immutable: string) => /* GraphQL */ `
  mutation ($input: ${kind}UpdateInput!) {
    ${field}Update(input: $input) {
      __typename
      ... on ${kind}UpdatePayload { ${field} { id name description metadata createdAt updatedAt ${immutable} } }
      ... on Error { message path }
    }
  }
`;

const read = (field: string, immutable: string) => /* GraphQL */ `
  query ($id: ID!) { node(id: $id) { ... on ${field.charAt(0).toUpperCase()}${field.slice(1)} { id name ${immutable} } } }
`;

describe.each(KINDS)('$field' + 'Update', ({ kind, field, seed, immutable }) => {
  const Update = update(kind, field, immutable);
  const mutation = `${field}Update`;
  const idField = `${field}Id`;

  it('renames, describes and merges then replaces metadata, audited with before and after', async () => {
    const org = await createTestOrg();
    const row = await seed(org, 'alpha');
    const id = globalId(kind, row.id);
    const original = fieldOf(await gql(org.tokens.VIEWER, read(field, immutable), { id }), 'node');
    const first = await gql(org.tokens.EDITOR, Update, {
      input: {
        [idField]: id,
        name: 'beta',
        description: 'edited',
        metadata: { owner: 'ml', limits: { rows: 10 } },
        reason: 'clearer name',
      },
    });
    const edited = fieldOf(first, mutation)[field];
    expect(edited).toMatchObject({
      id,
      name: 'beta',
      description: 'edited',
      metadata: { owner: 'ml', limits: { rows: 10 } },
      createdAt: row.createdAt.toISOString(),
    });
    expect(new Date(edited.updatedAt).getTime()).toBeGreaterThan(row.createdAt.getTime());
    const merged = await gql(org.tokens.EDITOR, Update, {
      input: { [idField]: id, metadata: { owner: null, limits: { cols: 2 } } },
    });
    expect(fieldOf(merged, mutation)[field].metadata).toEqual({ limits: { rows: 10, cols: 2 } });
    const replaced = await gql(org.tokens.EDITOR, Update, {
      input: { [idField]: id, metadata: { v: 2 }, metadataMode: 'REPLACE', description: '' },
    });
    expect(fieldOf(replaced, mutation)[field]).toMatchObject({
      metadata: { v: 2 },
      description: null,
    });
    const after = fieldOf(await gql(org.tokens.VIEWER, read(field, immutable), { id }), 'node');
    expect(after).toEqual({ ...original, name: 'beta' });
    const events = await auditEvents(org.orgId, { action: `${field}.update` });
    expect(events).toHaveLength(3);
    expect(events[0]).toMatchObject({
      subject_id: row.id,
      subject_kind: kind,
      reason: 'clearer name',
      before: { name: 'alpha', description: null, metadata: null },
      after: { name: 'beta', description: 'edited' },
    });
  });

  it('writes nothing when nothing changes, and lets one of concurrent edits of a read win', async () => {
    const org = await createTestOrg();
    const row = await seed(org, 'alpha');
    const id = globalId(kind, row.id);
    const before = await rowCounts(org.orgId);
    const same = await gql(org.tokens.EDITOR, Update, { input: { [idField]: id, name: 'alpha' } });
    expect(fieldOf(same, mutation).__typename).toBe(`${kind}UpdatePayload`);
    await expectNothingWritten(org.orgId, before);
    const readAt = row.createdAt.toISOString();
    const results = await Promise.all(
      ['a', 'b', 'c'].map((description) =>
        gql(org.tokens.EDITOR, Update, {
          input: { [idField]: id, description, expectedUpdatedAt: readAt },
        }),
      ),
    );
    expect(results.map((result) => fieldOf(result, mutation).__typename).sort()).toEqual([
      'ConflictError',
      'ConflictError',
      `${kind}UpdatePayload`,
    ]);
    const stale = await gql(org.tokens.EDITOR, Update, {
      input: { [idField]: id, description: 'd', expectedUpdatedAt: readAt },
    });
    expect(fieldOf(stale, mutation)).toMatchObject({
      __typename: 'ConflictError',
      path: ['input', 'expectedUpdatedAt'],
    });
  });

  it.each([
    ['an empty name', { name: ' ' }, 'ValidationError', ['name']],
    ['a name another has', { name: 'taken' }, 'ConflictError', ['name']],
    [
      'metadataMode without metadata',
      { metadataMode: 'REPLACE' },
      'ValidationError',
      ['metadataMode'],
    ],
    ['metadata that is not an object', { metadata: [1] }, 'ValidationError', ['metadata']],
    [
      'a description too long',
      { description: 'x'.repeat(10_001) },
      'ValidationError',
      ['description'],
    ],
    [
      'a stale expectedUpdatedAt',
      { expectedUpdatedAt: '2020-01-01T00:00:00.000Z' },
      'ConflictError',
      ['expectedUpdatedAt'],
    ],
    ['an unknown id', { id: 'unknown' }, 'NotFoundError', ['id']],
    ['another organization’s id', { id: 'foreign' }, 'NotFoundError', ['id']],
    ['an id of another kind', { id: 'model' }, 'NotFoundError', ['id']],
  ])('refuses %s with a typed error, writing nothing', async (_name, patch, typename, path) => {
    const org = await createTestOrg();
    const other = await createTestOrg('other');
    const row = await seed(org, 'alpha');
    await seed(org, 'taken');
    const ids: Record<string, string> = {
      unknown: unknownId(kind),
      foreign: globalId(kind, (await seed(other, 'foreign')).id),
      model: globalId('Model', (await seedModel(org, 'a-model')).id),
    };
    const { id: which, ...rest } = patch as Record<string, unknown>;
    const input = {
      [idField]: typeof which === 'string' ? ids[which] : globalId(kind, row.id),
      description: 'edited',
      ...rest,
    };
    const before = await rowCounts(org.orgId);
    const result = await gql(org.tokens.EDITOR, Update, { input });
    expect(fieldOf(result, mutation)).toMatchObject({
      __typename: typename,
      path: ['input', ...path.map((part) => (part === 'id' ? idField : part))],
    });
    await expectNothingWritten(org.orgId, before);
  });
});

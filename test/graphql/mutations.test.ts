// Every mutation's success path, through the Worker's fetch: the payload, the rows it wrote (and
// their audit events), and the graph as the read fields show it afterwards.
import { describe, expect, it } from 'vitest';
import { hashToken } from '../../src/auth/token.ts';
import { allowPromotionWithoutApproval } from '../governance/governance-fixtures.ts';
import {
  auditEvents,
  expectNothingWritten,
  fieldOf,
  globalId,
  rowCounts,
  rowId,
  seedDataset,
  seedModel,
  seedVersion,
  topLevelError,
  unknownId,
} from '../helpers/fixtures.ts';
import { createTestOrg, gql, testDb } from '../helpers/graphql.ts';

const ModelRegister = /* GraphQL */ `
  mutation ModelRegister($input: ModelRegisterInput!) {
    modelRegister(input: $input) {
      __typename
      ... on ModelRegisterPayload {
        model {
          id
          name
          description
          tags
          metadata
          provider
          framework
          modelType
          status
          createdBy { id }
        }
      }
      ... on Error { message path }
    }
  }
`;

const ModelVersionCreate = /* GraphQL */ `
  mutation ModelVersionCreate($input: ModelVersionCreateInput!) {
    modelVersionCreate(input: $input) {
      __typename
      ... on ModelVersionCreatePayload {
        modelVersion {
          id
          version
          description
          metadata
          isProduction
          aliases
          model { id name }
          derivedFrom { id version }
        }
      }
      ... on Error { message path }
    }
  }
`;

const VersionLineage = /* GraphQL */ `
  query VersionLineage($id: ID!) {
    node(id: $id) {
      ... on ModelVersion {
        version
        derivedFrom { id version }
        trainedOn {
          edges { node { id name } properties modelVersion { id } graphEdge { type } }
        }
        evaluatedOn {
          edges { node { id name } properties }
        }
      }
    }
  }
`;

const DatasetTrainedModels = /* GraphQL */ `
  query DatasetTrainedModels($id: ID!) {
    node(id: $id) {
      ... on Dataset {
        name
        trainedModels { edges { node { id version } properties linkedAt } }
        evaluatedModels { edges { node { id version } properties } }
      }
    }
  }
`;

const ModelRelations = /* GraphQL */ `
  query ModelRelations($id: ID!) {
    model(id: $id) {
      name
      updatedAt
      versions { edges { node { id version } } }
      trainedOn { edges { node { name } properties modelVersion { id version } } }
      evaluatedOn { edges { node { name } modelVersion { version } } }
    }
  }
`;

const VersionDerivatives = /* GraphQL */ `
  query VersionDerivatives($id: ID!) {
    node(id: $id) {
      ... on ModelVersion { derivatives { edges { node { id version } } } }
    }
  }
`;

const ModelVersionPromote = /* GraphQL */ `
  mutation ModelVersionPromote($input: ModelVersionPromoteInput!) {
    modelVersionPromote(input: $input) {
      __typename
      ... on ModelVersionPromotePayload {
        model { id productionVersion { id version } }
        modelVersion { id version isProduction aliases }
        previousVersion { id version isProduction }
      }
      ... on Error { message path }
    }
  }
`;

const ModelAliases = /* GraphQL */ `
  query ModelAliases($id: ID!) {
    model(id: $id) {
      productionVersion { id version }
      champion: alias(name: "champion") { id version }
      aliases { name version { id version } updatedBy { id } }
      versions { edges { node { version isProduction aliases } } }
    }
  }
`;

const ModelAliasSet = /* GraphQL */ `
  mutation ModelAliasSet($input: ModelAliasSetInput!) {
    modelAliasSet(input: $input) {
      __typename
      ... on ModelAliasSetPayload {
        model { id }
        modelVersion { id version aliases }
        previousVersion { id version aliases }
      }
      ... on Error { message path }
    }
  }
`;

const ModelReplace = /* GraphQL */ `
  mutation ModelReplace($input: ModelReplaceInput!) {
    modelReplace(input: $input) {
      __typename
      ... on ModelReplacePayload {
        model { id status replacedBy { id name } }
        replacement { id status replaces { id name } }
      }
      ... on Error { message path }
    }
  }
`;

const ModelReplacement = /* GraphQL */ `
  query ModelReplacement($old: ID!, $new: ID!) {
    old: model(id: $old) { status replacedBy { id } replaces { id } }
    new: model(id: $new) { status replacedBy { id } replaces { id } }
  }
`;

describe('modelRegister', () => {
  it('registers a model and copies framework, model type, provider and tags out of metadata', async () => {
    // given
    const org = await createTestOrg();
    const metadata = {
      framework: 'pytorch',
      model_type: 'llm',
      provider: 'meta',
      model_name: 'llama-3-8b',
      tags: ['nlp', 'chat'],
    };

    // when
    const result = await gql(org.tokens.EDITOR, ModelRegister, {
      input: { name: 'llama-3-8b', description: 'Base model', metadata },
    });

    // then
    const payload = fieldOf(result, 'modelRegister');
    expect(payload.__typename).toBe('ModelRegisterPayload');
    expect(payload.model).toMatchObject({
      name: 'llama-3-8b',
      description: 'Base model',
      tags: ['nlp', 'chat'],
      metadata,
      provider: 'meta',
      framework: 'pytorch',
      modelType: 'llm',
      status: 'ACTIVE',
      createdBy: { id: globalId('User', org.userIds.EDITOR) },
    });
    const row = await testDb()
      .selectFrom('model')
      .selectAll()
      .where('id', '=', rowId(payload.model.id))
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      org_id: org.orgId,
      name: 'llama-3-8b',
      provider: 'meta',
      framework: 'pytorch',
      model_type: 'llm',
      status: 'ACTIVE',
      created_by: org.userIds.EDITOR,
    });
    expect(JSON.parse(row.tags)).toEqual(['nlp', 'chat']);
    expect(JSON.parse(row.metadata ?? 'null')).toEqual(metadata);
    const audits = await auditEvents(org.orgId, { subjectId: row.id });
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({
      action: 'model.register',
      actor_id: org.userIds.EDITOR,
      subject_kind: 'Model',
    });
  });

  it('lets explicit input fields win over metadata and trims and de-duplicates tags', async () => {
    // given
    const org = await createTestOrg();

    // when
    const result = await gql(org.tokens.EDITOR, ModelRegister, {
      input: {
        name: 'classifier',
        provider: 'in-house',
        tags: [' fraud ', 'fraud', 'tabular'],
        metadata: { provider: 'openai', framework: 'sklearn', tags: ['ignored'] },
      },
    });

    // then
    const model = fieldOf(result, 'modelRegister').model;
    expect(model).toMatchObject({
      provider: 'in-house',
      framework: 'sklearn',
      modelType: null,
      tags: ['fraud', 'tabular'],
    });
    const row = await testDb()
      .selectFrom('model')
      .select(['provider', 'framework', 'tags'])
      .where('id', '=', rowId(model.id))
      .executeTakeFirstOrThrow();
    expect(row).toEqual({
      provider: 'in-house',
      framework: 'sklearn',
      tags: '["fraud","tabular"]',
    });
  });
});

describe('modelVersionCreate', () => {
  it('creates a version with derivedFrom, trainedOn and evaluatedOn edges carrying their properties', async () => {
    // given
    const org = await createTestOrg();
    const model = await seedModel(org, 'sentiment');
    const parent = await seedVersion(org, model.id, '1.0.0');
    const train = await seedDataset(org, 'reviews-train');
    const evaluation = await seedDataset(org, 'reviews-eval');
    const before = await rowCounts(org.orgId);

    // when
    const result = await gql(org.tokens.EDITOR, ModelVersionCreate, {
      input: {
        modelId: globalId('Model', model.id),
        version: '1.1.0',
        description: 'Fine-tuned',
        metadata: { learning_rate: 0.0001, epochs: 3 },
        derivedFrom: [globalId('ModelVersion', parent.id)],
        trainedOn: [
          {
            datasetId: globalId('Dataset', train.id),
            properties: { split: 'train', rows: 120000 },
          },
        ],
        evaluatedOn: [
          { datasetId: globalId('Dataset', evaluation.id), properties: { split: 'test' } },
        ],
      },
    });

    // then the payload
    const payload = fieldOf(result, 'modelVersionCreate');
    expect(payload.__typename).toBe('ModelVersionCreatePayload');
    const version = payload.modelVersion;
    expect(version).toMatchObject({
      version: '1.1.0',
      description: 'Fine-tuned',
      metadata: { learning_rate: 0.0001, epochs: 3 },
      isProduction: false,
      aliases: [],
      model: { id: globalId('Model', model.id), name: 'sentiment' },
      derivedFrom: [{ id: globalId('ModelVersion', parent.id), version: '1.0.0' }],
    });

    // then the database: one version row, three edges, one audit event
    const versionId = rowId(version.id);
    const after = await rowCounts(org.orgId);
    expect(after).toEqual({
      ...before,
      model_version: before.model_version + 1,
      edge: before.edge + 3,
      audit_event: before.audit_event + 1,
    });
    const edges = await testDb()
      .selectFrom('edge')
      .select(['type', 'src_kind', 'dst_id', 'dst_kind', 'properties', 'removed_at'])
      .where('src_id', '=', versionId)
      .orderBy('type')
      .execute();
    expect(edges).toEqual([
      {
        type: 'DERIVED_FROM',
        src_kind: 'ModelVersion',
        dst_id: parent.id,
        dst_kind: 'ModelVersion',
        properties: null,
        removed_at: null,
      },
      {
        type: 'EVALUATED_ON',
        src_kind: 'ModelVersion',
        dst_id: evaluation.id,
        dst_kind: 'Dataset',
        properties: '{"split":"test"}',
        removed_at: null,
      },
      {
        type: 'TRAINED_ON',
        src_kind: 'ModelVersion',
        dst_id: train.id,
        dst_kind: 'Dataset',
        properties: '{"split":"train","rows":120000}',
        removed_at: null,
      },
    ]);
    const [audit] = await auditEvents(org.orgId, { subjectId: versionId });
    expect(audit).toMatchObject({
      action: 'modelVersion.create',
      after: {
        modelId: model.id,
        version: '1.1.0',
        derivedFrom: [parent.id],
        trainedOn: [train.id],
        evaluatedOn: [evaluation.id],
      },
    });

    // then the edges are visible from every end
    const lineage = fieldOf(
      await gql(org.tokens.VIEWER, VersionLineage, { id: version.id }),
      'node',
    );
    expect(lineage.trainedOn.edges).toEqual([
      {
        node: { id: globalId('Dataset', train.id), name: 'reviews-train' },
        properties: { split: 'train', rows: 120000 },
        modelVersion: { id: version.id },
        graphEdge: { type: 'TRAINED_ON' },
      },
    ]);
    expect(lineage.evaluatedOn.edges).toEqual([
      {
        node: { id: globalId('Dataset', evaluation.id), name: 'reviews-eval' },
        properties: { split: 'test' },
      },
    ]);
    const dataset = fieldOf(
      await gql(org.tokens.VIEWER, DatasetTrainedModels, { id: globalId('Dataset', train.id) }),
      'node',
    );
    expect(dataset.trainedModels.edges).toEqual([
      {
        node: { id: version.id, version: '1.1.0' },
        properties: { split: 'train', rows: 120000 },
        linkedAt: expect.any(String),
      },
    ]);
    expect(dataset.evaluatedModels.edges).toEqual([]);
    const modelView = fieldOf(
      await gql(org.tokens.VIEWER, ModelRelations, { id: globalId('Model', model.id) }),
      'model',
    );
    expect(modelView.versions.edges).toEqual([
      { node: { id: globalId('ModelVersion', parent.id), version: '1.0.0' } },
      { node: { id: version.id, version: '1.1.0' } },
    ]);
    expect(modelView.trainedOn.edges).toEqual([
      {
        node: { name: 'reviews-train' },
        properties: { split: 'train', rows: 120000 },
        modelVersion: { id: version.id, version: '1.1.0' },
      },
    ]);
    expect(modelView.evaluatedOn.edges).toEqual([
      { node: { name: 'reviews-eval' }, modelVersion: { version: '1.1.0' } },
    ]);
    const derivatives = fieldOf(
      await gql(org.tokens.VIEWER, VersionDerivatives, { id: globalId('ModelVersion', parent.id) }),
      'node',
    );
    expect(derivatives.derivatives.edges).toEqual([{ node: { id: version.id, version: '1.1.0' } }]);
  });

  it('accepts pre-release and build semantic versions', async () => {
    // given
    const org = await createTestOrg();
    const model = await seedModel(org, 'semver');

    // when
    const versions = [];
    for (const version of ['2.0.0-rc.1', '2.0.0+build.7', '0.0.1-alpha.beta']) {
      const result = await gql(org.tokens.EDITOR, ModelVersionCreate, {
        input: { modelId: globalId('Model', model.id), version },
      });
      versions.push(fieldOf(result, 'modelVersionCreate').modelVersion.version);
    }

    // then
    expect(versions).toEqual(['2.0.0-rc.1', '2.0.0+build.7', '0.0.1-alpha.beta']);
    const rows = await testDb()
      .selectFrom('model_version')
      .select('version')
      .where('model_id', '=', model.id)
      .orderBy('id')
      .execute();
    expect(rows.map((row) => row.version)).toEqual(versions);
  });

  it('moves the model’s updatedAt forward when a version is added', async () => {
    // given
    const org = await createTestOrg();
    const model = await seedModel(org, 'touched');

    // when
    await new Promise((resolve) => setTimeout(resolve, 5));
    const result = await gql(org.tokens.EDITOR, ModelVersionCreate, {
      input: { modelId: globalId('Model', model.id), version: '1.0.0' },
    });

    // then
    expect(fieldOf(result, 'modelVersionCreate').__typename).toBe('ModelVersionCreatePayload');
    const row = await testDb()
      .selectFrom('model')
      .select(['created_at', 'updated_at'])
      .where('id', '=', model.id)
      .executeTakeFirstOrThrow();
    expect(row.updated_at > row.created_at).toBe(true);
  });
});

describe('modelVersionPromote', () => {
  // These tests are about the production alias; the promotion gate is tested in test/governance.
  it('keeps exactly one production version and audits each move with before and after', async () => {
    // given
    const org = await createTestOrg();
    await allowPromotionWithoutApproval(org);
    const model = await seedModel(org, 'ranker');
    const v1 = await seedVersion(org, model.id, '1.0.0');
    const v2 = await seedVersion(org, model.id, '2.0.0');

    // when v1 is promoted
    const first = fieldOf(
      await gql(org.tokens.EDITOR, ModelVersionPromote, {
        input: { versionId: globalId('ModelVersion', v1.id), reason: 'first release' },
      }),
      'modelVersionPromote',
    );

    // then
    expect(first).toEqual({
      __typename: 'ModelVersionPromotePayload',
      model: {
        id: globalId('Model', model.id),
        productionVersion: { id: globalId('ModelVersion', v1.id), version: '1.0.0' },
      },
      modelVersion: {
        id: globalId('ModelVersion', v1.id),
        version: '1.0.0',
        isProduction: true,
        aliases: ['production'],
      },
      previousVersion: null,
    });

    // when v2 is promoted
    const second = fieldOf(
      await gql(org.tokens.EDITOR, ModelVersionPromote, {
        input: { versionId: globalId('ModelVersion', v2.id) },
      }),
      'modelVersionPromote',
    );

    // then v1 is displaced
    expect(second.modelVersion).toMatchObject({ version: '2.0.0', isProduction: true });
    expect(second.previousVersion).toEqual({
      id: globalId('ModelVersion', v1.id),
      version: '1.0.0',
      isProduction: false,
    });
    expect(second.model.productionVersion.version).toBe('2.0.0');
    const aliases = await testDb()
      .selectFrom('model_alias')
      .select(['name', 'version_id', 'updated_by'])
      .where('model_id', '=', model.id)
      .execute();
    expect(aliases).toEqual([
      { name: 'production', version_id: v2.id, updated_by: org.userIds.EDITOR },
    ]);
    const audits = await auditEvents(org.orgId, { action: 'model.promote' });
    expect(
      audits.map(({ subject_id, before, after, reason, actor_id }) => ({
        subject_id,
        before,
        after,
        reason,
        actor_id,
      })),
    ).toEqual([
      {
        subject_id: model.id,
        before: { alias: 'production', versionId: null },
        after: { alias: 'production', versionId: v1.id, version: '1.0.0' },
        reason: 'first release',
        actor_id: org.userIds.EDITOR,
      },
      {
        subject_id: model.id,
        before: { alias: 'production', versionId: v1.id },
        after: { alias: 'production', versionId: v2.id, version: '2.0.0' },
        reason: null,
        actor_id: org.userIds.EDITOR,
      },
    ]);
    const view = fieldOf(
      await gql(org.tokens.VIEWER, ModelAliases, { id: globalId('Model', model.id) }),
      'model',
    );
    expect(view.productionVersion).toEqual({
      id: globalId('ModelVersion', v2.id),
      version: '2.0.0',
    });
    expect(view.versions.edges).toEqual([
      { node: { version: '1.0.0', isProduction: false, aliases: [] } },
      { node: { version: '2.0.0', isProduction: true, aliases: ['production'] } },
    ]);
  });

  it('refuses to promote the version that is already in production, writing nothing', async () => {
    // given
    const org = await createTestOrg();
    await allowPromotionWithoutApproval(org);
    const model = await seedModel(org, 'stable');
    const v1 = await seedVersion(org, model.id, '1.0.0');
    const input = { versionId: globalId('ModelVersion', v1.id) };
    fieldOf(await gql(org.tokens.EDITOR, ModelVersionPromote, { input }), 'modelVersionPromote');
    const before = await rowCounts(org.orgId);

    // when
    const result = await gql(org.tokens.EDITOR, ModelVersionPromote, { input });

    // then
    expect(fieldOf(result, 'modelVersionPromote')).toMatchObject({
      __typename: 'ConflictError',
      path: ['input', 'versionId'],
    });
    await expectNothingWritten(org.orgId, before);
  });
});

describe('modelAliasSet', () => {
  it('points an alias at one version per model and moves it, audited', async () => {
    // given
    const org = await createTestOrg();
    const model = await seedModel(org, 'search');
    const v1 = await seedVersion(org, model.id, '1.0.0');
    const v2 = await seedVersion(org, model.id, '1.1.0');

    // when
    const first = fieldOf(
      await gql(org.tokens.EDITOR, ModelAliasSet, {
        input: { versionId: globalId('ModelVersion', v1.id), alias: 'champion' },
      }),
      'modelAliasSet',
    );
    const second = fieldOf(
      await gql(org.tokens.EDITOR, ModelAliasSet, {
        input: { versionId: globalId('ModelVersion', v2.id), alias: 'champion', reason: 'A/B won' },
      }),
      'modelAliasSet',
    );

    // then
    expect(first).toMatchObject({
      __typename: 'ModelAliasSetPayload',
      modelVersion: { version: '1.0.0', aliases: ['champion'] },
      previousVersion: null,
    });
    expect(second).toMatchObject({
      modelVersion: { version: '1.1.0', aliases: ['champion'] },
      previousVersion: { version: '1.0.0', aliases: [] },
    });
    const aliases = await testDb()
      .selectFrom('model_alias')
      .select(['name', 'version_id'])
      .where('model_id', '=', model.id)
      .execute();
    expect(aliases).toEqual([{ name: 'champion', version_id: v2.id }]);
    const audits = await auditEvents(org.orgId, { action: 'model.aliasSet' });
    expect(audits.map(({ before, after, reason }) => ({ before, after, reason }))).toEqual([
      {
        before: { alias: 'champion', versionId: null },
        after: { alias: 'champion', versionId: v1.id, version: '1.0.0' },
        reason: null,
      },
      {
        before: { alias: 'champion', versionId: v1.id },
        after: { alias: 'champion', versionId: v2.id, version: '1.1.0' },
        reason: 'A/B won',
      },
    ]);
    const view = fieldOf(
      await gql(org.tokens.VIEWER, ModelAliases, { id: globalId('Model', model.id) }),
      'model',
    );
    expect(view.champion).toEqual({ id: globalId('ModelVersion', v2.id), version: '1.1.0' });
    expect(view.productionVersion).toBeNull();
    expect(view.aliases).toEqual([
      {
        name: 'champion',
        version: { id: globalId('ModelVersion', v2.id), version: '1.1.0' },
        updatedBy: { id: globalId('User', org.userIds.EDITOR) },
      },
    ]);
  });

  it('keeps the same alias name apart on different models', async () => {
    // given
    const org = await createTestOrg();
    const a = await seedModel(org, 'a');
    const b = await seedModel(org, 'b');
    const va = await seedVersion(org, a.id, '1.0.0');
    const vb = await seedVersion(org, b.id, '1.0.0');

    // when
    for (const version of [va, vb]) {
      const result = await gql(org.tokens.EDITOR, ModelAliasSet, {
        input: { versionId: globalId('ModelVersion', version.id), alias: 'champion' },
      });
      expect(fieldOf(result, 'modelAliasSet').previousVersion).toBeNull();
    }

    // then
    const aliases = await testDb()
      .selectFrom('model_alias')
      .select(['model_id', 'version_id'])
      .where('org_id', '=', org.orgId)
      .where('name', '=', 'champion')
      .orderBy('model_id')
      .execute();
    expect(aliases).toEqual([
      { model_id: a.id, version_id: va.id },
      { model_id: b.id, version_id: vb.id },
    ]);
  });

  it.each([
    ['production', 'the production alias, which only modelVersionPromote moves'],
    ['Champion', 'an alias that is not lowercase'],
    ['has space', 'an alias with a space'],
    ['', 'an empty alias'],
  ])('refuses %j (%s) as a ValidationError, writing nothing', async (alias) => {
    // given
    const org = await createTestOrg();
    const model = await seedModel(org, 'guarded');
    const v1 = await seedVersion(org, model.id, '1.0.0');
    const before = await rowCounts(org.orgId);

    // when
    const result = await gql(org.tokens.EDITOR, ModelAliasSet, {
      input: { versionId: globalId('ModelVersion', v1.id), alias },
    });

    // then
    expect(fieldOf(result, 'modelAliasSet')).toMatchObject({
      __typename: 'ValidationError',
      path: ['input', 'alias'],
    });
    await expectNothingWritten(org.orgId, before);
  });
});

describe('modelReplace', () => {
  it('adds a REPLACED_BY edge, deprecates the replaced model and audits it', async () => {
    // given
    const org = await createTestOrg();
    const old = await seedModel(org, 'gpt-old');
    const replacement = await seedModel(org, 'gpt-new');

    // when
    const result = await gql(org.tokens.EDITOR, ModelReplace, {
      input: {
        modelId: globalId('Model', old.id),
        replacedById: globalId('Model', replacement.id),
        reason: 'cheaper and better',
      },
    });

    // then
    expect(fieldOf(result, 'modelReplace')).toEqual({
      __typename: 'ModelReplacePayload',
      model: {
        id: globalId('Model', old.id),
        status: 'DEPRECATED',
        replacedBy: { id: globalId('Model', replacement.id), name: 'gpt-new' },
      },
      replacement: {
        id: globalId('Model', replacement.id),
        status: 'ACTIVE',
        replaces: [{ id: globalId('Model', old.id), name: 'gpt-old' }],
      },
    });
    const statuses = await testDb()
      .selectFrom('model')
      .select(['id', 'status'])
      .where('org_id', '=', org.orgId)
      .orderBy('id')
      .execute();
    expect(statuses).toEqual([
      { id: old.id, status: 'DEPRECATED' },
      { id: replacement.id, status: 'ACTIVE' },
    ]);
    const edges = await testDb()
      .selectFrom('edge')
      .select(['type', 'src_id', 'src_kind', 'dst_id', 'dst_kind', 'properties'])
      .where('org_id', '=', org.orgId)
      .execute();
    expect(edges).toEqual([
      {
        type: 'REPLACED_BY',
        src_id: old.id,
        src_kind: 'Model',
        dst_id: replacement.id,
        dst_kind: 'Model',
        properties: '{"reason":"cheaper and better"}',
      },
    ]);
    const audits = await auditEvents(org.orgId, { action: 'model.replace' });
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({
      subject_id: old.id,
      before: { status: 'ACTIVE', replacedById: null },
      after: { status: 'DEPRECATED', replacedById: replacement.id },
      reason: 'cheaper and better',
    });
    const view = fieldOf(
      await gql(org.tokens.VIEWER, ModelReplacement, {
        old: globalId('Model', old.id),
        new: globalId('Model', replacement.id),
      }),
      'old',
    );
    expect(view).toEqual({
      status: 'DEPRECATED',
      replacedBy: { id: globalId('Model', replacement.id) },
      replaces: [],
    });
  });

  it('refuses to replace a model that is already replaced, writing nothing', async () => {
    // given
    const org = await createTestOrg();
    const old = await seedModel(org, 'old');
    const first = await seedModel(org, 'first');
    const second = await seedModel(org, 'second');
    fieldOf(
      await gql(org.tokens.EDITOR, ModelReplace, {
        input: { modelId: globalId('Model', old.id), replacedById: globalId('Model', first.id) },
      }),
      'modelReplace',
    );
    const before = await rowCounts(org.orgId);

    // when
    const result = await gql(org.tokens.EDITOR, ModelReplace, {
      input: { modelId: globalId('Model', old.id), replacedById: globalId('Model', second.id) },
    });

    // then
    expect(fieldOf(result, 'modelReplace')).toMatchObject({
      __typename: 'ConflictError',
      path: ['input', 'modelId'],
    });
    await expectNothingWritten(org.orgId, before);
  });

  it('refuses a model replacing itself, writing nothing', async () => {
    // given
    const org = await createTestOrg();
    const model = await seedModel(org, 'self');
    const before = await rowCounts(org.orgId);

    // when
    const result = await gql(org.tokens.EDITOR, ModelReplace, {
      input: { modelId: globalId('Model', model.id), replacedById: globalId('Model', model.id) },
    });

    // then
    expect(fieldOf(result, 'modelReplace')).toMatchObject({
      __typename: 'ValidationError',
      path: ['input', 'replacedById'],
    });
    await expectNothingWritten(org.orgId, before);
  });
});

const DatasetRegister = /* GraphQL */ `
  mutation DatasetRegister($input: DatasetRegisterInput!) {
    datasetRegister(input: $input) {
      __typename
      ... on DatasetRegisterPayload {
        dataset { id name description uri format metadata createdBy { id } }
      }
      ... on Error { message path }
    }
  }
`;

const DeploymentCreate = /* GraphQL */ `
  mutation DeploymentCreate($input: DeploymentCreateInput!) {
    deploymentCreate(input: $input) {
      __typename
      ... on DeploymentCreatePayload {
        deployment {
          id
          name
          environment
          endpointUrl
          region
          metadata
          modelVersions { edges { node { id version } properties } }
        }
      }
      ... on Error { message path }
      ... on NotFoundError { resourceId }
    }
  }
`;

const VersionDeployments = /* GraphQL */ `
  query VersionDeployments($versionId: ID!, $modelId: ID!) {
    version: node(id: $versionId) {
      ... on ModelVersion { deployedTo { edges { node { name environment } properties } } }
    }
    model(id: $modelId) {
      deployedTo { edges { node { name } properties modelVersion { version } } }
    }
  }
`;

const ExperimentCreate = /* GraphQL */ `
  mutation ExperimentCreate($input: ExperimentCreateInput!) {
    experimentCreate(input: $input) {
      __typename
      ... on ExperimentCreatePayload { experiment { id name description metadata } }
      ... on Error { message path }
    }
  }
`;

const LineageEdgeAdd = /* GraphQL */ `
  mutation LineageEdgeAdd($input: LineageEdgeAddInput!) {
    lineageEdgeAdd(input: $input) {
      __typename
      ... on LineageEdgePayload {
        edge {
          id
          type
          properties
          removedAt
          createdBy { id }
          from { id __typename }
          to { id __typename }
        }
      }
      ... on Error { message path }
    }
  }
`;

const LineageEdgeRemove = /* GraphQL */ `
  mutation LineageEdgeRemove($input: LineageEdgeRemoveInput!) {
    lineageEdgeRemove(input: $input) {
      __typename
      ... on LineageEdgePayload { edge { id type removedAt removedBy { id } } }
      ... on Error { message path }
    }
  }
`;

const VersionEdges = /* GraphQL */ `
  query VersionEdges($versionId: ID!, $parentId: ID!, $datasetId: ID!, $modelId: ID!) {
    version: node(id: $versionId) {
      ... on ModelVersion {
        derivedFrom { id }
        experiments { id name }
        trainedOn { edges { node { id } } }
      }
    }
    parent: node(id: $parentId) {
      ... on ModelVersion { derivatives { edges { node { id } } } }
    }
    dataset: node(id: $datasetId) {
      ... on Dataset { trainedModels { edges { node { id } } } }
    }
    model(id: $modelId) {
      trainedOn { edges { node { id } } }
    }
  }
`;

const ExperimentVersions = /* GraphQL */ `
  query ExperimentVersions($id: ID!) {
    node(id: $id) {
      ... on Experiment { name modelVersions { edges { node { version } } } }
    }
  }
`;

const GraphEdgeById = /* GraphQL */ `
  query GraphEdgeById($id: ID!) {
    node(id: $id) {
      ... on GraphEdge { type removedAt removedBy { id } from { id } to { id } }
    }
  }
`;

describe('datasetRegister', () => {
  it('registers a dataset and audits it', async () => {
    // given
    const org = await createTestOrg();

    // when
    const result = await gql(org.tokens.EDITOR, DatasetRegister, {
      input: {
        name: 'imagenet-1k',
        description: 'ILSVRC 2012',
        uri: 'r2://datasets/imagenet',
        format: 'parquet',
        metadata: { rows: 1281167 },
      },
    });

    // then
    const dataset = fieldOf(result, 'datasetRegister').dataset;
    expect(dataset).toMatchObject({
      name: 'imagenet-1k',
      description: 'ILSVRC 2012',
      uri: 'r2://datasets/imagenet',
      format: 'parquet',
      metadata: { rows: 1281167 },
      createdBy: { id: globalId('User', org.userIds.EDITOR) },
    });
    const row = await testDb()
      .selectFrom('dataset')
      .selectAll()
      .where('id', '=', rowId(dataset.id))
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      org_id: org.orgId,
      name: 'imagenet-1k',
      uri: 'r2://datasets/imagenet',
      format: 'parquet',
      metadata: '{"rows":1281167}',
      created_by: org.userIds.EDITOR,
    });
    expect(await auditEvents(org.orgId, { subjectId: row.id })).toMatchObject([
      { action: 'dataset.register', subject_kind: 'Dataset' },
    ]);
  });

  it('refuses a duplicate dataset name as a ConflictError, writing nothing', async () => {
    // given
    const org = await createTestOrg();
    await seedDataset(org, 'squad');
    const before = await rowCounts(org.orgId);

    // when
    const result = await gql(org.tokens.EDITOR, DatasetRegister, { input: { name: 'squad' } });

    // then
    expect(fieldOf(result, 'datasetRegister')).toMatchObject({
      __typename: 'ConflictError',
      path: ['input', 'name'],
    });
    await expectNothingWritten(org.orgId, before);
  });
});

describe('deploymentCreate', () => {
  it('records a deployment with DEPLOYED_TO edges for the versions it serves', async () => {
    // given
    const org = await createTestOrg();
    const model = await seedModel(org, 'chat');
    const v1 = await seedVersion(org, model.id, '1.0.0');
    const v2 = await seedVersion(org, model.id, '1.1.0');
    const before = await rowCounts(org.orgId);

    // when
    const result = await gql(org.tokens.EDITOR, DeploymentCreate, {
      input: {
        name: 'chat-prod-eu',
        environment: 'Production',
        endpointUrl: 'https://chat.example.com',
        region: 'eu-west',
        metadata: { replicas: 3 },
        modelVersions: [
          { versionId: globalId('ModelVersion', v1.id), properties: { trafficShare: 0.9 } },
          { versionId: globalId('ModelVersion', v2.id), properties: { trafficShare: 0.1 } },
        ],
      },
    });

    // then
    const deployment = fieldOf(result, 'deploymentCreate').deployment;
    expect(deployment).toMatchObject({
      name: 'chat-prod-eu',
      environment: 'production',
      endpointUrl: 'https://chat.example.com',
      region: 'eu-west',
      metadata: { replicas: 3 },
    });
    expect(deployment.modelVersions.edges).toEqual([
      {
        node: { id: globalId('ModelVersion', v1.id), version: '1.0.0' },
        properties: { trafficShare: 0.9 },
      },
      {
        node: { id: globalId('ModelVersion', v2.id), version: '1.1.0' },
        properties: { trafficShare: 0.1 },
      },
    ]);
    expect(await rowCounts(org.orgId)).toEqual({
      ...before,
      deployment: before.deployment + 1,
      edge: before.edge + 2,
      audit_event: before.audit_event + 1,
    });
    const deploymentId = rowId(deployment.id);
    const edges = await testDb()
      .selectFrom('edge')
      .select(['type', 'src_id', 'src_kind', 'dst_kind', 'properties'])
      .where('dst_id', '=', deploymentId)
      .orderBy('id')
      .execute();
    expect(edges).toEqual([
      {
        type: 'DEPLOYED_TO',
        src_id: v1.id,
        src_kind: 'ModelVersion',
        dst_kind: 'Deployment',
        properties: '{"trafficShare":0.9}',
      },
      {
        type: 'DEPLOYED_TO',
        src_id: v2.id,
        src_kind: 'ModelVersion',
        dst_kind: 'Deployment',
        properties: '{"trafficShare":0.1}',
      },
    ]);
    expect(await auditEvents(org.orgId, { subjectId: deploymentId })).toMatchObject([
      {
        action: 'deployment.create',
        after: { name: 'chat-prod-eu', environment: 'production', modelVersions: [v1.id, v2.id] },
      },
    ]);
    const view = await gql(org.tokens.VIEWER, VersionDeployments, {
      versionId: globalId('ModelVersion', v2.id),
      modelId: globalId('Model', model.id),
    });
    expect(fieldOf(view, 'version').deployedTo.edges).toEqual([
      {
        node: { name: 'chat-prod-eu', environment: 'production' },
        properties: { trafficShare: 0.1 },
      },
    ]);
    expect(fieldOf(view, 'model').deployedTo.edges).toEqual([
      {
        node: { name: 'chat-prod-eu' },
        properties: { trafficShare: 0.9 },
        modelVersion: { version: '1.0.0' },
      },
      {
        node: { name: 'chat-prod-eu' },
        properties: { trafficShare: 0.1 },
        modelVersion: { version: '1.1.0' },
      },
    ]);
  });

  it('refuses an unknown served version with its exact path, writing no deployment', async () => {
    // given
    const org = await createTestOrg();
    const model = await seedModel(org, 'chat');
    const v1 = await seedVersion(org, model.id, '1.0.0');
    const missing = unknownId('ModelVersion');
    const before = await rowCounts(org.orgId);

    // when
    const result = await gql(org.tokens.EDITOR, DeploymentCreate, {
      input: {
        name: 'chat-canary',
        environment: 'canary',
        modelVersions: [{ versionId: globalId('ModelVersion', v1.id) }, { versionId: missing }],
      },
    });

    // then
    expect(fieldOf(result, 'deploymentCreate')).toMatchObject({
      __typename: 'NotFoundError',
      path: ['input', 'modelVersions', '1', 'versionId'],
    });
    await expectNothingWritten(org.orgId, before);
  });

  it('refuses a version listed twice at the repeated entry, writing nothing', async () => {
    // given
    const org = await createTestOrg();
    const model = await seedModel(org, 'chat');
    const v1 = await seedVersion(org, model.id, '1.0.0');
    const before = await rowCounts(org.orgId);

    // when
    const versionId = globalId('ModelVersion', v1.id);
    const result = await gql(org.tokens.EDITOR, DeploymentCreate, {
      input: {
        name: 'twice',
        environment: 'staging',
        modelVersions: [{ versionId }, { versionId }],
      },
    });

    // then
    expect(fieldOf(result, 'deploymentCreate')).toMatchObject({
      __typename: 'ValidationError',
      path: ['input', 'modelVersions', '1', 'versionId'],
    });
    await expectNothingWritten(org.orgId, before);
  });

  it('refuses an environment that is not a lowercase slug, writing nothing', async () => {
    // given
    const org = await createTestOrg();
    const before = await rowCounts(org.orgId);

    // when
    const result = await gql(org.tokens.EDITOR, DeploymentCreate, {
      input: { name: 'odd', environment: 'prod env!' },
    });

    // then
    expect(fieldOf(result, 'deploymentCreate')).toMatchObject({
      __typename: 'ValidationError',
      path: ['input', 'environment'],
    });
    await expectNothingWritten(org.orgId, before);
  });
});

describe('experimentCreate', () => {
  it('records an experiment that versions can derive from', async () => {
    // given
    const org = await createTestOrg();
    const model = await seedModel(org, 'recsys');
    const version = await seedVersion(org, model.id, '1.0.0');

    // when
    const result = await gql(org.tokens.EDITOR, ExperimentCreate, {
      input: { name: 'lr-sweep', description: 'Learning-rate sweep', metadata: { arms: 4 } },
    });

    // then
    const experiment = fieldOf(result, 'experimentCreate').experiment;
    expect(experiment).toMatchObject({
      name: 'lr-sweep',
      description: 'Learning-rate sweep',
      metadata: { arms: 4 },
    });
    const row = await testDb()
      .selectFrom('experiment')
      .selectAll()
      .where('id', '=', rowId(experiment.id))
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ org_id: org.orgId, name: 'lr-sweep', metadata: '{"arms":4}' });
    expect(await auditEvents(org.orgId, { subjectId: row.id })).toMatchObject([
      { action: 'experiment.create', subject_kind: 'Experiment' },
    ]);

    // and when a version is linked to it
    fieldOf(
      await gql(org.tokens.EDITOR, LineageEdgeAdd, {
        input: {
          type: 'DERIVED_FROM',
          fromId: globalId('ModelVersion', version.id),
          toId: experiment.id,
        },
      }),
      'lineageEdgeAdd',
    );
    const view = fieldOf(
      await gql(org.tokens.VIEWER, ExperimentVersions, { id: experiment.id }),
      'node',
    );
    expect(view).toEqual({
      name: 'lr-sweep',
      modelVersions: { edges: [{ node: { version: '1.0.0' } }] },
    });
  });
});

describe('lineageEdgeAdd', () => {
  it('adds an allowed edge with properties, audited, and shows it on both ends', async () => {
    // given
    const org = await createTestOrg();
    const model = await seedModel(org, 'distil');
    const teacher = await seedVersion(org, model.id, '1.0.0');
    const student = await seedVersion(org, model.id, '2.0.0');
    const dataset = await seedDataset(org, 'corpus');
    const before = await rowCounts(org.orgId);

    // when
    const result = await gql(org.tokens.EDITOR, LineageEdgeAdd, {
      input: {
        type: 'DERIVED_FROM',
        fromId: globalId('ModelVersion', student.id),
        toId: globalId('ModelVersion', teacher.id),
        properties: { method: 'distillation' },
      },
    });

    // then
    const edge = fieldOf(result, 'lineageEdgeAdd').edge;
    expect(edge).toMatchObject({
      type: 'DERIVED_FROM',
      properties: { method: 'distillation' },
      removedAt: null,
      createdBy: { id: globalId('User', org.userIds.EDITOR) },
      from: { id: globalId('ModelVersion', student.id), __typename: 'ModelVersion' },
      to: { id: globalId('ModelVersion', teacher.id), __typename: 'ModelVersion' },
    });
    expect(await rowCounts(org.orgId)).toEqual({
      ...before,
      edge: before.edge + 1,
      audit_event: before.audit_event + 1,
    });
    const row = await testDb()
      .selectFrom('edge')
      .selectAll()
      .where('id', '=', rowId(edge.id))
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      type: 'DERIVED_FROM',
      src_id: student.id,
      dst_id: teacher.id,
      properties: '{"method":"distillation"}',
      created_by: org.userIds.EDITOR,
      removed_at: null,
    });
    expect(await auditEvents(org.orgId, { action: 'lineage.edgeAdd' })).toMatchObject([
      { subject_id: student.id, after: { edgeId: row.id, type: 'DERIVED_FROM', toId: teacher.id } },
    ]);
    const view = await gql(org.tokens.VIEWER, VersionEdges, {
      versionId: globalId('ModelVersion', student.id),
      parentId: globalId('ModelVersion', teacher.id),
      datasetId: globalId('Dataset', dataset.id),
      modelId: globalId('Model', model.id),
    });
    expect(fieldOf(view, 'version').derivedFrom).toEqual([
      { id: globalId('ModelVersion', teacher.id) },
    ]);
    expect(fieldOf(view, 'parent').derivatives.edges).toEqual([
      { node: { id: globalId('ModelVersion', student.id) } },
    ]);
  });
});

describe('lineageEdgeRemove', () => {
  it('ends an edge by id: the row stays with removedAt set and the edge leaves every field', async () => {
    // given
    const org = await createTestOrg();
    const model = await seedModel(org, 'm');
    const parent = await seedVersion(org, model.id, '1.0.0');
    const child = await seedVersion(org, model.id, '1.1.0', { derivedFrom: [parent.id] });
    const edgeRow = await testDb()
      .selectFrom('edge')
      .selectAll()
      .where('src_id', '=', child.id)
      .executeTakeFirstOrThrow();
    const before = await rowCounts(org.orgId);

    // when
    const result = await gql(org.tokens.EDITOR, LineageEdgeRemove, {
      input: { edgeId: globalId('GraphEdge', edgeRow.id), reason: 'wrong parent' },
    });

    // then
    expect(fieldOf(result, 'lineageEdgeRemove').edge).toMatchObject({
      id: globalId('GraphEdge', edgeRow.id),
      type: 'DERIVED_FROM',
      removedAt: expect.any(String),
      removedBy: { id: globalId('User', org.userIds.EDITOR) },
    });
    expect(await rowCounts(org.orgId)).toEqual({ ...before, audit_event: before.audit_event + 1 });
    const ended = await testDb()
      .selectFrom('edge')
      .selectAll()
      .where('id', '=', edgeRow.id)
      .executeTakeFirstOrThrow();
    expect(ended.removed_at).not.toBeNull();
    expect(ended.removed_by).toBe(org.userIds.EDITOR);
    expect({ ...ended, removed_at: null, removed_by: null }).toEqual(edgeRow);
    expect(await auditEvents(org.orgId, { action: 'lineage.edgeRemove' })).toMatchObject([
      {
        subject_id: child.id,
        before: { edgeId: edgeRow.id, type: 'DERIVED_FROM', toId: parent.id },
        reason: 'wrong parent',
      },
    ]);
    const dataset = await seedDataset(org, 'unused');
    const view = await gql(org.tokens.VIEWER, VersionEdges, {
      versionId: globalId('ModelVersion', child.id),
      parentId: globalId('ModelVersion', parent.id),
      datasetId: globalId('Dataset', dataset.id),
      modelId: globalId('Model', model.id),
    });
    expect(fieldOf(view, 'version').derivedFrom).toEqual([]);
    expect(fieldOf(view, 'parent').derivatives.edges).toEqual([]);
    const history = fieldOf(
      await gql(org.tokens.VIEWER, GraphEdgeById, { id: globalId('GraphEdge', edgeRow.id) }),
      'node',
    );
    expect(history).toMatchObject({
      type: 'DERIVED_FROM',
      removedAt: expect.any(String),
      removedBy: { id: globalId('User', org.userIds.EDITOR) },
      from: { id: globalId('ModelVersion', child.id) },
      to: { id: globalId('ModelVersion', parent.id) },
    });
  });

  it('ends a TRAINED_ON edge by type and ends: it leaves trainedOn, trainedModels and Model.trainedOn', async () => {
    // given
    const org = await createTestOrg();
    const model = await seedModel(org, 'm');
    const dataset = await seedDataset(org, 'train');
    const parent = await seedVersion(org, model.id, '0.9.0');
    const version = await seedVersion(org, model.id, '1.0.0', {
      trainedOn: [{ datasetId: dataset.id, properties: { split: 'train' } }],
    });
    const ids = {
      versionId: globalId('ModelVersion', version.id),
      parentId: globalId('ModelVersion', parent.id),
      datasetId: globalId('Dataset', dataset.id),
      modelId: globalId('Model', model.id),
    };
    const linked = await gql(org.tokens.VIEWER, VersionEdges, ids);
    expect(fieldOf(linked, 'version').trainedOn.edges).toHaveLength(1);
    expect(fieldOf(linked, 'dataset').trainedModels.edges).toHaveLength(1);
    expect(fieldOf(linked, 'model').trainedOn.edges).toHaveLength(1);

    // when
    const result = await gql(org.tokens.EDITOR, LineageEdgeRemove, {
      input: { type: 'TRAINED_ON', fromId: ids.versionId, toId: ids.datasetId },
    });

    // then
    expect(fieldOf(result, 'lineageEdgeRemove').edge.type).toBe('TRAINED_ON');
    const rows = await testDb()
      .selectFrom('edge')
      .select(['type', 'removed_at'])
      .where('src_id', '=', version.id)
      .execute();
    expect(rows).toEqual([{ type: 'TRAINED_ON', removed_at: expect.any(String) }]);
    const unlinked = await gql(org.tokens.VIEWER, VersionEdges, ids);
    expect(fieldOf(unlinked, 'version').trainedOn.edges).toEqual([]);
    expect(fieldOf(unlinked, 'dataset').trainedModels.edges).toEqual([]);
    expect(fieldOf(unlinked, 'model').trainedOn.edges).toEqual([]);
  });

  it('refuses to end an edge twice, writing no second audit event', async () => {
    // given
    const org = await createTestOrg();
    const model = await seedModel(org, 'm');
    const parent = await seedVersion(org, model.id, '1.0.0');
    const child = await seedVersion(org, model.id, '1.1.0', { derivedFrom: [parent.id] });
    const edge = await testDb()
      .selectFrom('edge')
      .select('id')
      .where('src_id', '=', child.id)
      .executeTakeFirstOrThrow();
    const input = { edgeId: globalId('GraphEdge', edge.id) };
    fieldOf(await gql(org.tokens.EDITOR, LineageEdgeRemove, { input }), 'lineageEdgeRemove');
    const before = await rowCounts(org.orgId);

    // when
    const result = await gql(org.tokens.EDITOR, LineageEdgeRemove, { input });

    // then
    expect(fieldOf(result, 'lineageEdgeRemove')).toMatchObject({
      __typename: 'NotFoundError',
      path: ['input', 'edgeId'],
    });
    await expectNothingWritten(org.orgId, before);
  });

  it('lets an ended edge be added again as a new live edge', async () => {
    // given
    const org = await createTestOrg();
    const model = await seedModel(org, 'm');
    const parent = await seedVersion(org, model.id, '1.0.0');
    const child = await seedVersion(org, model.id, '1.1.0', { derivedFrom: [parent.id] });
    const input = {
      type: 'DERIVED_FROM',
      fromId: globalId('ModelVersion', child.id),
      toId: globalId('ModelVersion', parent.id),
    };
    fieldOf(await gql(org.tokens.EDITOR, LineageEdgeRemove, { input }), 'lineageEdgeRemove');

    // when
    const result = await gql(org.tokens.EDITOR, LineageEdgeAdd, { input });

    // then
    expect(fieldOf(result, 'lineageEdgeAdd').__typename).toBe('LineageEdgePayload');
    const rows = await testDb()
      .selectFrom('edge')
      .select('removed_at')
      .where('src_id', '=', child.id)
      .orderBy('id')
      .execute();
    expect(rows).toEqual([{ removed_at: expect.any(String) }, { removed_at: null }]);
  });

  it('refuses a removal that names neither an edge id nor type and ends, writing nothing', async () => {
    // given
    const org = await createTestOrg();
    const before = await rowCounts(org.orgId);

    // when
    const result = await gql(org.tokens.EDITOR, LineageEdgeRemove, { input: { reason: 'x' } });

    // then
    expect(fieldOf(result, 'lineageEdgeRemove')).toMatchObject({
      __typename: 'ValidationError',
      path: ['input'],
    });
    await expectNothingWritten(org.orgId, before);
  });
});

const UserCreate = /* GraphQL */ `
  mutation UserCreate($input: UserCreateInput!) {
    userCreate(input: $input) {
      __typename
      ... on UserCreatePayload { user { id name email role organization { id } } }
      ... on Error { message path }
    }
  }
`;

const ApiTokenCreate = /* GraphQL */ `
  mutation ApiTokenCreate($input: ApiTokenCreateInput!) {
    apiTokenCreate(input: $input) {
      __typename
      ... on ApiTokenCreatePayload {
        token
        apiToken { id name prefix expiresAt revokedAt }
      }
      ... on Error { message path }
    }
  }
`;

const ApiTokenRevoke = /* GraphQL */ `
  mutation ApiTokenRevoke($input: ApiTokenRevokeInput!) {
    apiTokenRevoke(input: $input) {
      __typename
      ... on ApiTokenRevokePayload { apiToken { id revokedAt } }
      ... on Error { message path }
    }
  }
`;

const Viewer = /* GraphQL */ `
  query Viewer {
    viewer { id name role }
  }
`;

const UserTokens = /* GraphQL */ `
  query UserTokens($id: ID!) {
    node(id: $id) {
      ... on User { apiTokens { id name prefix } }
    }
  }
`;

describe('userCreate', () => {
  it('adds a user to the organization with a normalised email, audited', async () => {
    // given
    const org = await createTestOrg();

    // when
    const result = await gql(org.tokens.ADMIN, UserCreate, {
      input: { name: 'Ada', email: ' Ada@Example.COM ', role: 'REVIEWER' },
    });

    // then
    const user = fieldOf(result, 'userCreate').user;
    expect(user).toMatchObject({
      name: 'Ada',
      email: 'ada@example.com',
      role: 'REVIEWER',
      organization: { id: globalId('Organization', org.orgId) },
    });
    const row = await testDb()
      .selectFrom('user')
      .selectAll()
      .where('id', '=', rowId(user.id))
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      org_id: org.orgId,
      name: 'Ada',
      email: 'ada@example.com',
      role: 'REVIEWER',
      created_by: org.userIds.ADMIN,
    });
    expect(await auditEvents(org.orgId, { subjectId: row.id })).toMatchObject([
      { action: 'user.create', actor_id: org.userIds.ADMIN, after: { role: 'REVIEWER' } },
    ]);
  });

  it('refuses a second user with the same email as a ConflictError, writing nothing', async () => {
    // given
    const org = await createTestOrg();
    fieldOf(
      await gql(org.tokens.ADMIN, UserCreate, {
        input: { name: 'Ada', email: 'ada@example.com', role: 'VIEWER' },
      }),
      'userCreate',
    );
    const before = await rowCounts(org.orgId);

    // when
    const result = await gql(org.tokens.ADMIN, UserCreate, {
      input: { name: 'Ada again', email: 'ADA@example.com', role: 'EDITOR' },
    });

    // then
    expect(fieldOf(result, 'userCreate')).toMatchObject({
      __typename: 'ConflictError',
      path: ['input', 'email'],
    });
    await expectNothingWritten(org.orgId, before);
  });

  it('refuses a malformed email as a ValidationError, writing nothing', async () => {
    // given
    const org = await createTestOrg();
    const before = await rowCounts(org.orgId);

    // when
    const result = await gql(org.tokens.ADMIN, UserCreate, {
      input: { name: 'Bob', email: 'not an email', role: 'VIEWER' },
    });

    // then
    expect(fieldOf(result, 'userCreate')).toMatchObject({
      __typename: 'ValidationError',
      path: ['input', 'email'],
    });
    await expectNothingWritten(org.orgId, before);
  });
});

describe('apiTokenCreate', () => {
  it('creates a working token whose secret is stored only as a hash, audited', async () => {
    // given
    const org = await createTestOrg();
    const userId = globalId('User', org.userIds.VIEWER);

    // when
    const result = await gql(org.tokens.ADMIN, ApiTokenCreate, {
      input: { userId, name: 'ci', expiresAt: '2999-01-01T00:00:00.000Z' },
    });

    // then
    const payload = fieldOf(result, 'apiTokenCreate');
    expect(payload.token).toMatch(/^mr_[A-Za-z0-9_-]{43}$/);
    expect(payload.apiToken).toMatchObject({
      name: 'ci',
      prefix: payload.token.slice(0, 11),
      expiresAt: '2999-01-01T00:00:00.000Z',
      revokedAt: null,
    });
    const row = await testDb()
      .selectFrom('api_token')
      .selectAll()
      .where('id', '=', rowId(payload.apiToken.id))
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      org_id: org.orgId,
      user_id: org.userIds.VIEWER,
      name: 'ci',
      token_hash: await hashToken(payload.token),
      expires_at: '2999-01-01T00:00:00.000Z',
      revoked_at: null,
    });
    expect(JSON.stringify(row)).not.toContain(payload.token);
    expect(await auditEvents(org.orgId, { subjectId: row.id })).toMatchObject([
      { action: 'apiToken.create', after: { userId: org.userIds.VIEWER, name: 'ci' } },
    ]);
    const viewer = fieldOf(await gql(payload.token, Viewer), 'viewer');
    expect(viewer).toEqual({ id: userId, name: 'VIEWER user', role: 'VIEWER' });
  });

  it('shows a user’s tokens to the user and to admins only', async () => {
    // given
    const org = await createTestOrg();
    const editorId = globalId('User', org.userIds.EDITOR);

    // when
    const asAdmin = fieldOf(await gql(org.tokens.ADMIN, UserTokens, { id: editorId }), 'node');
    const asSelf = fieldOf(await gql(org.tokens.EDITOR, UserTokens, { id: editorId }), 'node');
    const asViewer = fieldOf(await gql(org.tokens.VIEWER, UserTokens, { id: editorId }), 'node');

    // then
    expect(asAdmin.apiTokens).toEqual([
      { id: expect.any(String), name: 'EDITOR', prefix: org.tokens.EDITOR.slice(0, 11) },
    ]);
    expect(asSelf.apiTokens).toEqual(asAdmin.apiTokens);
    expect(asViewer.apiTokens).toEqual([]);
  });

  it.each([
    ['an unknown user', () => unknownId('User'), ['input', 'userId']],
    ['a malformed user id', () => 'not-a-global-id', ['input', 'userId']],
    ['the id of a model', () => unknownId('Model'), ['input', 'userId']],
  ])('refuses a token for %s as a NotFoundError, writing nothing', async (_case, userId, path) => {
    // given
    const org = await createTestOrg();
    const before = await rowCounts(org.orgId);

    // when
    const result = await gql(org.tokens.ADMIN, ApiTokenCreate, {
      input: { userId: userId(), name: 'ci' },
    });

    // then
    expect(fieldOf(result, 'apiTokenCreate')).toMatchObject({ __typename: 'NotFoundError', path });
    await expectNothingWritten(org.orgId, before);
  });

  it('refuses an expiry in the past as a ValidationError, writing nothing', async () => {
    // given
    const org = await createTestOrg();
    const before = await rowCounts(org.orgId);

    // when
    const result = await gql(org.tokens.ADMIN, ApiTokenCreate, {
      input: {
        userId: globalId('User', org.userIds.EDITOR),
        name: 'old',
        expiresAt: '2001-01-01T00:00:00.000Z',
      },
    });

    // then
    expect(fieldOf(result, 'apiTokenCreate')).toMatchObject({
      __typename: 'ValidationError',
      path: ['input', 'expiresAt'],
    });
    await expectNothingWritten(org.orgId, before);
  });
});

describe('apiTokenRevoke', () => {
  it('revokes a token so that its very next request is refused with UNAUTHENTICATED', async () => {
    // given
    const org = await createTestOrg();
    const created = fieldOf(
      await gql(org.tokens.ADMIN, ApiTokenCreate, {
        input: { userId: globalId('User', org.userIds.EDITOR), name: 'laptop' },
      }),
      'apiTokenCreate',
    );
    expect(fieldOf(await gql(created.token, Viewer), 'viewer').role).toBe('EDITOR');

    // when
    const result = await gql(org.tokens.ADMIN, ApiTokenRevoke, {
      input: { id: created.apiToken.id },
    });

    // then
    const revoked = fieldOf(result, 'apiTokenRevoke').apiToken;
    expect(revoked).toEqual({ id: created.apiToken.id, revokedAt: expect.any(String) });
    const row = await testDb()
      .selectFrom('api_token')
      .select('revoked_at')
      .where('id', '=', rowId(created.apiToken.id))
      .executeTakeFirstOrThrow();
    expect(row.revoked_at).toBe(revoked.revokedAt);
    expect(
      await auditEvents(org.orgId, { action: 'apiToken.revoke', subjectId: rowId(revoked.id) }),
    ).toMatchObject([{ before: { revokedAt: null }, after: { revokedAt: revoked.revokedAt } }]);
    const refused = await gql(created.token, Viewer);
    expect(refused.status).toBe(401);
    expect(refused.data).toBeNull();
    expect(topLevelError(refused).extensions?.code).toBe('UNAUTHENTICATED');
    // the other tokens of the organization keep working
    expect(fieldOf(await gql(org.tokens.EDITOR, Viewer), 'viewer').role).toBe('EDITOR');
  });

  it('refuses to revoke a token twice as a ConflictError, writing nothing', async () => {
    // given
    const org = await createTestOrg();
    const created = fieldOf(
      await gql(org.tokens.ADMIN, ApiTokenCreate, {
        input: { userId: globalId('User', org.userIds.EDITOR), name: 'once' },
      }),
      'apiTokenCreate',
    );
    const input = { id: created.apiToken.id };
    fieldOf(await gql(org.tokens.ADMIN, ApiTokenRevoke, { input }), 'apiTokenRevoke');
    const before = await rowCounts(org.orgId);

    // when
    const result = await gql(org.tokens.ADMIN, ApiTokenRevoke, { input });

    // then
    expect(fieldOf(result, 'apiTokenRevoke')).toMatchObject({
      __typename: 'ConflictError',
      path: ['input', 'id'],
    });
    await expectNothingWritten(org.orgId, before);
  });

  it('refuses an unknown token id as a NotFoundError, writing nothing', async () => {
    // given
    const org = await createTestOrg();
    const before = await rowCounts(org.orgId);

    // when
    const result = await gql(org.tokens.ADMIN, ApiTokenRevoke, {
      input: { id: unknownId('ApiToken') },
    });

    // then
    expect(fieldOf(result, 'apiTokenRevoke')).toMatchObject({
      __typename: 'NotFoundError',
      path: ['input', 'id'],
    });
    await expectNothingWritten(org.orgId, before);
  });

  it('refuses a token whose expiry has passed', async () => {
    // given a token that expired a second ago
    const org = await createTestOrg();
    const created = fieldOf(
      await gql(org.tokens.ADMIN, ApiTokenCreate, {
        input: {
          userId: globalId('User', org.userIds.EDITOR),
          name: 'short-lived',
          expiresAt: new Date(Date.now() + 60_000).toISOString(),
        },
      }),
      'apiTokenCreate',
    );
    expect(fieldOf(await gql(created.token, Viewer), 'viewer').role).toBe('EDITOR');
    await testDb()
      .updateTable('api_token')
      .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
      .where('id', '=', rowId(created.apiToken.id))
      .execute();

    // when
    const result = await gql(created.token, Viewer);

    // then
    expect(result.status).toBe(401);
    expect(topLevelError(result).extensions?.code).toBe('UNAUTHENTICATED');
  });
});

// The registry mutations on models and versions (register, version, promote, alias, replace), through
// the Worker's fetch: the payload, the rows written (and their audit events), the graph afterwards.
import { describe, expect, it } from 'vitest';
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

// The REST model routes through the Worker's fetch: status codes, bodies, errors, auth, organization
// scoping, and the rows written (or not) afterwards.
import { describe, expect, it } from 'vitest';
import { allowPromotionWithoutApproval } from '../governance/governance-fixtures.ts';
import {
  auditEvents,
  expectNothingWritten,
  globalId,
  rowCounts,
  rowId,
  seedDataset,
  seedModel,
  seedVersion,
  unknownId,
} from '../helpers/fixtures.ts';
import { createTestOrg, gql, testDb } from '../helpers/graphql.ts';
import { type ApiErrorBody, api } from './api-client.ts';

describe('POST /api/models', () => {
  it('registers a model from snake_case fields and metadata, with its audit event', async () => {
    const org = await createTestOrg();
    const response = await api(org.tokens.EDITOR, 'POST', '/api/models', {
      name: 'gpt-4-turbo',
      description: 'Chat model',
      metadata: { framework: 'openai-api', model_type: 'llm', provider: 'openai', tags: ['chat'] },
      model_type: 'chat-llm',
    });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({
      name: 'gpt-4-turbo',
      description: 'Chat model',
      tags: ['chat'],
      provider: 'openai',
      framework: 'openai-api',
      model_type: 'chat-llm',
      status: 'ACTIVE',
      created_by: globalId('User', org.userIds.EDITOR),
    });
    const row = await testDb()
      .selectFrom('model')
      .selectAll()
      .where('id', '=', rowId(response.body.id))
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      org_id: org.orgId,
      name: 'gpt-4-turbo',
      provider: 'openai',
      model_type: 'chat-llm',
      tags: '["chat"]',
    });
    expect(await auditEvents(org.orgId, { action: 'model.register' })).toHaveLength(1);

    // The same model through GraphQL: one implementation, one answer.
    const viaGraphql = await gql(
      org.tokens.VIEWER,
      'query($id: ID!) { model(id: $id) { name modelType } }',
      {
        id: response.body.id,
      },
    );
    expect(viaGraphql.data?.model).toEqual({ name: 'gpt-4-turbo', modelType: 'chat-llm' });
  });

  it('answers a duplicate name with 409 CONFLICT on body.name and writes nothing', async () => {
    const org = await createTestOrg();
    await seedModel(org, 'claude');
    const before = await rowCounts(org.orgId);
    const response = await api<ApiErrorBody>(org.tokens.EDITOR, 'POST', '/api/models', {
      name: 'claude',
    });
    expect(response.status).toBe(409);
    expect(response.body.error).toMatchObject({ code: 'CONFLICT', path: ['body', 'name'] });
    expect(response.body.error.message).toContain('already exists');
    await expectNothingWritten(org.orgId, before);
  });

  it.each([
    ['a missing name', { description: 'x' }, ['body', 'name']],
    ['a camelCase field instead of the snake_case one', { name: 'm', modelType: 'llm' }, ['body']],
    ['tags that are not a list', { name: 'm', tags: 'chat' }, ['body', 'tags']],
    ['metadata that is not an object', { name: 'm', metadata: [1] }, ['body', 'metadata']],
    ['a blank name (a service rule)', { name: '   ' }, ['body', 'name']],
    [
      'an over-long model_type (a service rule)',
      { name: 'm', model_type: 'x'.repeat(101) },
      ['body', 'model_type'],
    ],
    [
      'a tag over 64 characters (a service rule)',
      { name: 'm', tags: ['x'.repeat(65)] },
      ['body', 'tags', '0'],
    ],
  ])('answers %s with 400 VALIDATION_ERROR and writes nothing', async (_name, body, path) => {
    const org = await createTestOrg();
    const before = await rowCounts(org.orgId);
    const response = await api<ApiErrorBody>(org.tokens.EDITOR, 'POST', '/api/models', body);
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('VALIDATION_ERROR');
    expect(response.body.error.path).toEqual(path);
    expect(response.body.error.message.length).toBeGreaterThan(0);
    await expectNothingWritten(org.orgId, before);
  });

  it('answers a body that is not JSON, or no body, with 400 on body', async () => {
    const org = await createTestOrg();
    const broken = await api<ApiErrorBody>(org.tokens.EDITOR, 'POST', '/api/models', undefined, {
      rawBody: '{"name": ',
    });
    expect(broken.status).toBe(400);
    expect(broken.body.error).toMatchObject({ code: 'VALIDATION_ERROR', path: ['body'] });
    const none = await api<ApiErrorBody>(org.tokens.EDITOR, 'POST', '/api/models');
    expect(none.status).toBe(400);
    expect(none.body.error).toMatchObject({ code: 'VALIDATION_ERROR', path: ['body'] });
  });
});

describe('auth', () => {
  it('answers no token or an unknown token with 401 UNAUTHENTICATED and a Bearer challenge', async () => {
    for (const token of [null, 'mr_not-a-real-token']) {
      const response = await api<ApiErrorBody>(token, 'GET', '/api/models');
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer');
      expect(response.body.error).toMatchObject({ code: 'UNAUTHENTICATED', path: [] });
    }
  });

  it('answers a VIEWER writing with 403 FORBIDDEN and writes nothing; a VIEWER may read', async () => {
    const org = await createTestOrg();
    const model = await seedModel(org, 'llama');
    const before = await rowCounts(org.orgId);
    const write = await api<ApiErrorBody>(org.tokens.VIEWER, 'POST', '/api/models', { name: 'x' });
    expect(write.status).toBe(403);
    expect(write.body.error.code).toBe('FORBIDDEN');
    const version = await api<ApiErrorBody>(
      org.tokens.REVIEWER,
      'POST',
      `/api/models/${globalId('Model', model.id)}/versions`,
      { version: '1.0.0' },
    );
    expect(version.status).toBe(403);
    await expectNothingWritten(org.orgId, before);
    const read = await api(org.tokens.VIEWER, 'GET', `/api/models/${globalId('Model', model.id)}`);
    expect(read.status).toBe(200);
  });
});

describe('GET /api/models/:id', () => {
  it('returns the model with its aliases and production version', async () => {
    const org = await createTestOrg();
    const model = await seedModel(org, 'ranker', { tags: ['search'] });
    const v1 = await seedVersion(org, model.id, '1.0.0');
    await allowPromotionWithoutApproval(org);
    const id = globalId('Model', model.id);
    const promote = await api(org.tokens.EDITOR, 'POST', `/api/models/${id}/promote/1.0.0`);
    expect(promote.status).toBe(200);
    const response = await api(org.tokens.VIEWER, 'GET', `/api/models/${id}`);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      id,
      name: 'ranker',
      tags: ['search'],
      aliases: [{ name: 'production', version_id: globalId('ModelVersion', v1.id) }],
      production_version: {
        id: globalId('ModelVersion', v1.id),
        model_id: id,
        version: '1.0.0',
        is_production: true,
        aliases: ['production'],
      },
    });
  });

  it('answers 404 NOT_FOUND on params.id for a missing, malformed, wrong-kind or other-organization id', async () => {
    const org = await createTestOrg();
    const other = await createTestOrg('other');
    const foreign = await seedModel(other, 'foreign');
    const dataset = await seedDataset(org, 'not-a-model');
    for (const id of [
      unknownId('Model'),
      'not-a-global-id',
      globalId('Dataset', dataset.id),
      globalId('Model', foreign.id),
    ]) {
      const response = await api<ApiErrorBody>(
        org.tokens.VIEWER,
        'GET',
        `/api/models/${encodeURIComponent(id)}`,
      );
      expect(response.status, id).toBe(404);
      expect(response.body.error).toMatchObject({ code: 'NOT_FOUND', path: ['params', 'id'] });
    }
  });
});

describe('versions', () => {
  it('creates a version with a trained_on dataset link and its edge properties', async () => {
    const org = await createTestOrg();
    const model = await seedModel(org, 'classifier');
    const dataset = await seedDataset(org, 'reviews');
    const parent = await seedVersion(org, model.id, '0.9.0');
    const id = globalId('Model', model.id);
    const response = await api(org.tokens.EDITOR, 'POST', `/api/models/${id}/versions`, {
      version: '1.0.0',
      description: 'first release',
      metadata: { accuracy: 0.91 },
      derived_from: [globalId('ModelVersion', parent.id)],
      trained_on: [
        { dataset_id: globalId('Dataset', dataset.id), properties: { split: 'train', rows: 1200 } },
      ],
    });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({
      model_id: id,
      version: '1.0.0',
      description: 'first release',
      metadata: { accuracy: 0.91 },
      aliases: [],
      is_production: false,
    });
    const edges = await testDb()
      .selectFrom('edge')
      .select(['type', 'dst_id', 'properties'])
      .where('src_id', '=', rowId(response.body.id))
      .orderBy('type')
      .orderBy('id')
      .execute();
    expect(edges).toEqual([
      { type: 'DERIVED_FROM', dst_id: parent.id, properties: null },
      { type: 'TRAINED_ON', dst_id: dataset.id, properties: '{"split":"train","rows":1200}' },
    ]);
    expect(await auditEvents(org.orgId, { action: 'modelVersion.create' })).toHaveLength(2);
  });

  it.each([
    [
      'a version that is not semver',
      { version: 'v1' },
      400,
      'VALIDATION_ERROR',
      ['body', 'version'],
    ],
    [
      'an unknown dataset',
      { version: '1.0.0', trained_on: [{ dataset_id: 'DATASET' }] },
      404,
      'NOT_FOUND',
      ['body', 'trained_on', '0', 'dataset_id'],
    ],
    [
      'a model id given as a parent version',
      { version: '1.0.0', derived_from: ['MODEL'] },
      404,
      'NOT_FOUND',
      ['body', 'derived_from', '0'],
    ],
    [
      'properties that are not an object',
      { version: '1.0.0', trained_on: [{ dataset_id: 'DATASET', properties: 3 }] },
      400,
      'VALIDATION_ERROR',
      ['body', 'trained_on', 0, 'properties'].map(String),
    ],
    ['an existing version', { version: '0.1.0' }, 409, 'CONFLICT', ['body', 'version']],
  ])('refuses %s and writes nothing', async (_name, template, status, code, path) => {
    const org = await createTestOrg();
    const model = await seedModel(org, 'm');
    await seedVersion(org, model.id, '0.1.0');
    const body = JSON.parse(
      JSON.stringify(template)
        .replace('"DATASET"', JSON.stringify(globalId('Dataset', crypto.randomUUID())))
        .replace('"MODEL"', JSON.stringify(globalId('Model', model.id))),
    );
    const before = await rowCounts(org.orgId);
    const response = await api<ApiErrorBody>(
      org.tokens.EDITOR,
      'POST',
      `/api/models/${globalId('Model', model.id)}/versions`,
      body,
    );
    expect(response.status).toBe(status);
    expect(response.body.error).toMatchObject({ code, path });
    await expectNothingWritten(org.orgId, before);
  });

  it("answers 404 on params.id for another organization's model and writes nothing", async () => {
    const org = await createTestOrg();
    const other = await createTestOrg('other');
    const foreign = await seedModel(other, 'foreign');
    const before = await rowCounts(other.orgId);
    const response = await api<ApiErrorBody>(
      org.tokens.EDITOR,
      'POST',
      `/api/models/${globalId('Model', foreign.id)}/versions`,
      { version: '1.0.0' },
    );
    expect(response.status).toBe(404);
    expect(response.body.error).toMatchObject({ code: 'NOT_FOUND', path: ['params', 'id'] });
    await expectNothingWritten(other.orgId, before);
  });

  it('lists versions oldest first, a page at a time, with a cursor', async () => {
    const org = await createTestOrg();
    const model = await seedModel(org, 'paged');
    const versions = [];
    for (const version of ['1.0.0', '1.1.0', '1.2.0']) {
      versions.push(await seedVersion(org, model.id, version));
    }
    const path = `/api/models/${globalId('Model', model.id)}/versions`;
    const first = await api(org.tokens.VIEWER, 'GET', `${path}?limit=2`);
    expect(first.status).toBe(200);
    expect(first.body.versions.map((v: { version: string }) => v.version)).toEqual([
      '1.0.0',
      '1.1.0',
    ]);
    expect(first.body.next_cursor).toBe(globalId('ModelVersion', versions[1]?.id ?? ''));
    const second = await api(
      org.tokens.VIEWER,
      'GET',
      `${path}?limit=2&after=${encodeURIComponent(first.body.next_cursor)}`,
    );
    expect(second.body.versions.map((v: { version: string }) => v.version)).toEqual(['1.2.0']);
    expect(second.body.next_cursor).toBeNull();

    for (const query of ['limit=0', 'limit=101', 'limit=two']) {
      const bad = await api<ApiErrorBody>(org.tokens.VIEWER, 'GET', `${path}?${query}`);
      expect(bad.status, query).toBe(400);
      expect(bad.body.error).toMatchObject({ code: 'VALIDATION_ERROR', path: ['query', 'limit'] });
    }
  });
});

describe('POST /api/models/:id/promote/:version', () => {
  it('refuses promotion under the default policy with 409 APPROVAL_REQUIRED and writes nothing', async () => {
    const org = await createTestOrg();
    const model = await seedModel(org, 'gated');
    await seedVersion(org, model.id, '1.0.0');
    const before = await rowCounts(org.orgId);
    const response = await api<ApiErrorBody>(
      org.tokens.EDITOR,
      'POST',
      `/api/models/${globalId('Model', model.id)}/promote/1.0.0`,
      { reason: 'ship it' },
    );
    expect(response.status).toBe(409);
    expect(response.body.error).toMatchObject({
      code: 'APPROVAL_REQUIRED',
      path: ['params', 'version'],
      approved_request_exists: false,
      pending_approval_id: null,
    });
    expect(response.body.error.missing_checks).toEqual(
      expect.arrayContaining(['SECURITY', 'GDPR']),
    );
    await expectNothingWritten(org.orgId, before);
  });

  it('promotes by version string, reports the displaced version, and audits the move', async () => {
    const org = await createTestOrg();
    await allowPromotionWithoutApproval(org);
    const model = await seedModel(org, 'promoted');
    const v1 = await seedVersion(org, model.id, '1.0.0');
    const v2 = await seedVersion(org, model.id, '2.0.0');
    const id = globalId('Model', model.id);
    await api(org.tokens.EDITOR, 'POST', `/api/models/${id}/promote/1.0.0`);
    const response = await api(org.tokens.EDITOR, 'POST', `/api/models/${id}/promote/2.0.0`, {
      reason: 'better',
    });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      model: { id, name: 'promoted' },
      version: { id: globalId('ModelVersion', v2.id), version: '2.0.0', is_production: true },
      previous_version_id: globalId('ModelVersion', v1.id),
    });
    const alias = await testDb()
      .selectFrom('model_alias')
      .selectAll()
      .where('model_id', '=', model.id)
      .where('name', '=', 'production')
      .executeTakeFirstOrThrow();
    expect(alias.version_id).toBe(v2.id);
    const audit = await auditEvents(org.orgId, { action: 'model.promote' });
    expect(audit.at(-1)).toMatchObject({ reason: 'better' });

    const again = await api<ApiErrorBody>(
      org.tokens.EDITOR,
      'POST',
      `/api/models/${id}/promote/2.0.0`,
    );
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'CONFLICT', path: ['params', 'version'] });
  });

  it('answers an unknown version string with 404 on params.version', async () => {
    const org = await createTestOrg();
    const model = await seedModel(org, 'm');
    const response = await api<ApiErrorBody>(
      org.tokens.EDITOR,
      'POST',
      `/api/models/${globalId('Model', model.id)}/promote/9.9.9`,
    );
    expect(response.status).toBe(404);
    expect(response.body.error).toMatchObject({ code: 'NOT_FOUND', path: ['params', 'version'] });
  });
});

describe('GET /api/models', () => {
  it('filters by tags (all of them), status and provider, in the caller organization only', async () => {
    const org = await createTestOrg();
    const other = await createTestOrg('other');
    await seedModel(org, 'a', { tags: ['chat', 'eu'], provider: 'openai' });
    await seedModel(org, 'b', { tags: ['chat'], provider: 'anthropic' });
    await seedModel(org, 'c', { tags: ['vision', 'eu'], provider: 'openai' });
    await seedModel(other, 'a-foreign', { tags: ['chat', 'eu'], provider: 'openai' });
    const names = async (query: string) => {
      const response = await api(org.tokens.VIEWER, 'GET', `/api/models${query}`);
      expect(response.status, query).toBe(200);
      return response.body.models.map((model: { name: string }) => model.name);
    };
    expect(await names('')).toEqual(['a', 'b', 'c']);
    expect(await names('?tags=chat')).toEqual(['a', 'b']);
    expect(await names('?tags=chat,eu')).toEqual(['a']);
    expect(await names('?provider=openai')).toEqual(['a', 'c']);
    expect(await names('?provider=openai,anthropic&tags=chat')).toEqual(['a', 'b']);
    expect(await names('?status=active')).toEqual(['a', 'b', 'c']);
    expect(await names('?status=DEPRECATED,ARCHIVED')).toEqual([]);
  });

  it('pages with limit and cursor', async () => {
    const org = await createTestOrg();
    for (const name of ['m1', 'm2', 'm3']) await seedModel(org, name);
    const first = await api(org.tokens.VIEWER, 'GET', '/api/models?limit=2');
    expect(first.body.models.map((model: { name: string }) => model.name)).toEqual(['m1', 'm2']);
    expect(first.body.next_cursor).toEqual(expect.any(String));
    const second = await api(
      org.tokens.VIEWER,
      'GET',
      `/api/models?limit=2&cursor=${encodeURIComponent(first.body.next_cursor)}`,
    );
    expect(second.body.models.map((model: { name: string }) => model.name)).toEqual(['m3']);
    expect(second.body.next_cursor).toBeNull();
  });

  it.each([
    ['status=RETIRED', ['query', 'status', '0']],
    ['limit=500', ['query', 'limit']],
    ['cursor=garbage', ['query', 'cursor']],
    [`provider=${Array.from({ length: 101 }, (_, i) => `p${i}`).join(',')}`, ['query', 'provider']],
    [`text=${'x'.repeat(201)}`, ['query', 'text']],
    [`tags=${Array.from({ length: 101 }, (_, i) => `t${i}`).join(',')}`, ['query', 'tags']],
  ])('answers ?%s with 400 VALIDATION_ERROR on the parameter', async (query, path) => {
    const org = await createTestOrg();
    const response = await api<ApiErrorBody>(org.tokens.VIEWER, 'GET', `/api/models?${query}`);
    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({ code: 'VALIDATION_ERROR', path });
  });
});

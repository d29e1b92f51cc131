// The REST lifecycle routes (PATCH, archive/restore, DELETE alias) through the Worker's fetch: the
// same services as the GraphQL mutations, with snake_case bodies, error paths on the request part,
// nothing written on a refusal, and Idempotency-Key on PATCH and DELETE as on POST.
import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { setModelAlias } from '../../src/registry/model/model.service.ts';
import { allowPromotionWithoutApproval } from '../governance/governance-fixtures.ts';
import {
  auditEvents,
  expectNothingWritten,
  globalId,
  rowCounts,
  seedDataset,
  seedDeployment,
  seedExperiment,
  seedModel,
  seedVersion,
  serviceDeps,
  unknownId,
  viewerOf,
} from '../helpers/fixtures.ts';
import { createTestOrg } from '../helpers/graphql.ts';
import { type ApiErrorBody, api } from './api-client.ts';

async function withKey(token: string, method: string, path: string, key: string, body: unknown) {
  const response = await SELF.fetch(`http://registry.test${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      'idempotency-key': key,
    },
    body: JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

describe('PATCH /api/models/:id', () => {
  it('renames, describes, merges metadata and edits tags, audited', async () => {
    const org = await createTestOrg();
    const model = await seedModel(org, 'triage', {
      tags: ['nlp', 'beta'],
      metadata: { owner: 'ml', stage: 'dev' },
    });
    const id = globalId('Model', model.id);
    const response = await api(org.tokens.EDITOR, 'PATCH', `/api/models/${id}`, {
      name: 'triage-v2',
      description: 'Routes tickets',
      metadata: { stage: 'prod', owner: null },
      add_tags: ['prod'],
      remove_tags: ['beta'],
      model_type: 'classifier',
      reason: 'launch',
    });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      id,
      name: 'triage-v2',
      description: 'Routes tickets',
      metadata: { stage: 'prod' },
      tags: ['nlp', 'prod'],
      model_type: 'classifier',
    });
    expect(response.body.metadata).not.toHaveProperty('owner');
    const got = await api(org.tokens.VIEWER, 'GET', `/api/models/${id}`);
    expect(got.body).toMatchObject({ name: 'triage-v2', tags: ['nlp', 'prod'] });
    const [audit] = await auditEvents(org.orgId, { action: 'model.update' });
    expect(audit).toMatchObject({ subject_id: model.id, reason: 'launch' });
  });

  it('refuses a stale expected_updated_at with 409 on the field and writes nothing', async () => {
    const org = await createTestOrg();
    const model = await seedModel(org, 'stale');
    const id = globalId('Model', model.id);
    await api(org.tokens.EDITOR, 'PATCH', `/api/models/${id}`, { description: 'first' });
    const before = await rowCounts(org.orgId);
    const response = await api<ApiErrorBody>(org.tokens.EDITOR, 'PATCH', `/api/models/${id}`, {
      description: 'second',
      expected_updated_at: model.updatedAt.toISOString(),
    });
    expect(response.status).toBe(409);
    expect(response.body.error).toMatchObject({
      code: 'CONFLICT',
      path: ['body', 'expected_updated_at'],
    });
    await expectNothingWritten(org.orgId, before);
  });

  it.each([
    ['an empty name', { name: '  ' }, 400, ['body', 'name']],
    ['a name another model has', { name: 'taken' }, 409, ['body', 'name']],
    ['metadata that is not an object', { metadata: [1] }, 400, ['body', 'metadata']],
    [
      'metadata_mode without metadata',
      { metadata_mode: 'REPLACE' },
      400,
      ['body', 'metadata_mode'],
    ],
    ['a tag too long', { add_tags: ['ok', 'x'.repeat(65)] }, 400, ['body', 'add_tags', '1']],
    ['an unknown field', { colour: 'red' }, 400, ['body']],
    [
      'a time that is none',
      { expected_updated_at: 'yesterday' },
      400,
      ['body', 'expected_updated_at'],
    ],
  ])('answers %s with %s on the field and writes nothing', async (_name, body, status, path) => {
    const org = await createTestOrg();
    const model = await seedModel(org, 'edited');
    await seedModel(org, 'taken');
    const before = await rowCounts(org.orgId);
    const response = await api<ApiErrorBody>(
      org.tokens.EDITOR,
      'PATCH',
      `/api/models/${globalId('Model', model.id)}`,
      body,
    );
    expect(response.status).toBe(status);
    expect(response.body.error.path).toEqual(path);
    await expectNothingWritten(org.orgId, before);
  });

  it('answers 404 on params.id for an unknown or another organization’s model', async () => {
    const org = await createTestOrg();
    const other = await createTestOrg('other');
    const theirs = await seedModel(other, 'theirs');
    for (const id of [unknownId('Model'), globalId('Model', theirs.id)]) {
      const response = await api<ApiErrorBody>(org.tokens.EDITOR, 'PATCH', `/api/models/${id}`, {
        description: 'mine now',
      });
      expect(response.status).toBe(404);
      expect(response.body.error).toMatchObject({ code: 'NOT_FOUND', path: ['params', 'id'] });
    }
  });

  it('refuses VIEWER and REVIEWER with 403 and writes nothing', async () => {
    const org = await createTestOrg();
    const model = await seedModel(org, 'guarded');
    const before = await rowCounts(org.orgId);
    for (const token of [org.tokens.VIEWER, org.tokens.REVIEWER]) {
      const response = await api<ApiErrorBody>(
        token,
        'PATCH',
        `/api/models/${globalId('Model', model.id)}`,
        { description: 'no' },
      );
      expect(response.status).toBe(403);
    }
    await expectNothingWritten(org.orgId, before);
  });

  it('replays the same PATCH with the same Idempotency-Key and refuses the key for another body', async () => {
    const org = await createTestOrg();
    const model = await seedModel(org, 'keyed');
    const path = `/api/models/${globalId('Model', model.id)}`;
    const first = await withKey(org.tokens.EDITOR, 'PATCH', path, 'edit-1', { add_tags: ['a'] });
    expect(first.status).toBe(200);
    const before = await rowCounts(org.orgId);
    const again = await withKey(org.tokens.EDITOR, 'PATCH', path, 'edit-1', { add_tags: ['a'] });
    expect(again.status).toBe(200);
    expect(again.text).toBe(first.text);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    await expectNothingWritten(org.orgId, before);
    const other = await withKey(org.tokens.EDITOR, 'PATCH', path, 'edit-1', { add_tags: ['b'] });
    expect(other.status).toBe(409);
    expect(JSON.parse(other.text).error.path).toEqual(['headers', 'Idempotency-Key']);
  });

  it('lists PATCH and DELETE in the Allow header of a method the path does not take', async () => {
    const org = await createTestOrg();
    const model = await seedModel(org, 'allowed');
    const response = await api<ApiErrorBody>(
      org.tokens.EDITOR,
      'PUT',
      `/api/models/${globalId('Model', model.id)}`,
      {},
    );
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')?.split(', ').sort()).toEqual(['DELETE', 'GET', 'PATCH']);
  });
});

describe('POST /api/models/:id/archive and /restore', () => {
  it('archives (hidden from the list), refuses a second archive, and restores', async () => {
    const org = await createTestOrg();
    const model = await seedModel(org, 'retired');
    const id = globalId('Model', model.id);
    const archived = await api(org.tokens.EDITOR, 'POST', `/api/models/${id}/archive`, {
      reason: 'replaced',
    });
    expect(archived.status).toBe(200);
    expect(archived.body).toMatchObject({ id, status: 'ARCHIVED' });
    const list = await api(org.tokens.VIEWER, 'GET', '/api/models');
    expect(list.body.models.map((m: { name: string }) => m.name)).not.toContain('retired');
    const twice = await api<ApiErrorBody>(org.tokens.EDITOR, 'POST', `/api/models/${id}/archive`);
    expect(twice.status).toBe(409);
    const restored = await api(org.tokens.EDITOR, 'POST', `/api/models/${id}/restore`);
    expect(restored.status).toBe(200);
    expect(restored.body.status).toBe('ACTIVE');
  });

  it('refuses to archive a model in production, naming the version, and writes nothing', async () => {
    const org = await createTestOrg();
    await allowPromotionWithoutApproval(org);
    const model = await seedModel(org, 'live');
    await seedVersion(org, model.id, '1.0.0');
    const id = globalId('Model', model.id);
    await api(org.tokens.EDITOR, 'POST', `/api/models/${id}/promote/1.0.0`);
    const before = await rowCounts(org.orgId);
    const response = await api<ApiErrorBody>(
      org.tokens.EDITOR,
      'POST',
      `/api/models/${id}/archive`,
    );
    expect(response.status).toBe(409);
    expect(response.body.error.message).toContain('1.0.0 is in production');
    await expectNothingWritten(org.orgId, before);
  });
});

describe('DELETE /api/models/:id/aliases/:alias', () => {
  it('removes an alias, keeps the version, and answers 404 the second time', async () => {
    const org = await createTestOrg();
    const model = await seedModel(org, 'aliased');
    const version = await seedVersion(org, model.id, '1.0.0');
    await setModelAlias(serviceDeps(), viewerOf(org), { versionId: version.id, alias: 'champion' });
    const id = globalId('Model', model.id);
    const response = await api(
      org.tokens.EDITOR,
      'DELETE',
      `/api/models/${id}/aliases/champion?reason=done`,
    );
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      model: { id },
      previous_version_id: globalId('ModelVersion', version.id),
    });
    const got = await api(org.tokens.VIEWER, 'GET', `/api/models/${id}`);
    expect(got.body.aliases).toEqual([]);
    const [audit] = await auditEvents(org.orgId, { action: 'model.aliasDelete' });
    expect(audit).toMatchObject({ reason: 'done' });
    const again = await api<ApiErrorBody>(
      org.tokens.EDITOR,
      'DELETE',
      `/api/models/${id}/aliases/champion`,
    );
    expect(again.status).toBe(404);
    expect(again.body.error.path).toEqual(['params', 'alias']);
  });
});

describe('PATCH /api/models/:id/versions/:version and archive/restore', () => {
  it('edits a version’s description and metadata, keeping metadata.artifact', async () => {
    const org = await createTestOrg();
    const model = await seedModel(org, 'versioned');
    await seedVersion(org, model.id, '1.0.0', { metadata: { artifact: 'r2://w', lr: 0.1 } });
    const path = `/api/models/${globalId('Model', model.id)}/versions/1.0.0`;
    const response = await api(org.tokens.EDITOR, 'PATCH', path, {
      description: 'baseline',
      metadata: { lr: 0.2 },
    });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      version: '1.0.0',
      description: 'baseline',
      metadata: { artifact: 'r2://w', lr: 0.2 },
      status: 'ACTIVE',
    });
    const before = await rowCounts(org.orgId);
    const refused = await api<ApiErrorBody>(org.tokens.EDITOR, 'PATCH', path, {
      metadata: { artifact: 'r2://elsewhere' },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error.path).toEqual(['body', 'metadata', 'artifact']);
    await expectNothingWritten(org.orgId, before);
  });

  it('answers 404 on params.version for a version string the model does not have', async () => {
    const org = await createTestOrg();
    const model = await seedModel(org, 'short');
    const response = await api<ApiErrorBody>(
      org.tokens.EDITOR,
      'PATCH',
      `/api/models/${globalId('Model', model.id)}/versions/9.9.9`,
      { description: 'x' },
    );
    expect(response.status).toBe(404);
    expect(response.body.error.path).toEqual(['params', 'version']);
  });

  it('archives a version out of the version list and restores it', async () => {
    const org = await createTestOrg();
    const model = await seedModel(org, 'pruned');
    await seedVersion(org, model.id, '1.0.0');
    await seedVersion(org, model.id, '2.0.0');
    const base = `/api/models/${globalId('Model', model.id)}/versions`;
    const archived = await api(org.tokens.EDITOR, 'POST', `${base}/1.0.0/archive`, {
      reason: 'bad data',
    });
    expect(archived.status).toBe(200);
    expect(archived.body.status).toBe('ARCHIVED');
    const list = await api(org.tokens.VIEWER, 'GET', base);
    expect(list.body.versions.map((v: { version: string }) => v.version)).toEqual(['2.0.0']);
    const edit = await api<ApiErrorBody>(org.tokens.EDITOR, 'PATCH', `${base}/1.0.0`, {
      description: 'x',
    });
    expect(edit.status).toBe(409);
    const restored = await api(org.tokens.EDITOR, 'POST', `${base}/1.0.0/restore`);
    expect(restored.body.status).toBe('ACTIVE');
    const again = await api(org.tokens.VIEWER, 'GET', base);
    expect(again.body.versions).toHaveLength(2);
  });

  it('refuses to archive a version a live deployment serves, naming it', async () => {
    const org = await createTestOrg();
    const model = await seedModel(org, 'served');
    const version = await seedVersion(org, model.id, '1.0.0');
    await seedDeployment(org, 'served-prod', [{ versionId: version.id }]);
    const before = await rowCounts(org.orgId);
    const response = await api<ApiErrorBody>(
      org.tokens.EDITOR,
      'POST',
      `/api/models/${globalId('Model', model.id)}/versions/1.0.0/archive`,
    );
    expect(response.status).toBe(409);
    expect(response.body.error.message).toContain('served-prod');
    await expectNothingWritten(org.orgId, before);
  });
});

describe('PATCH /api/datasets/:id, /api/deployments/:id, /api/experiments/:id', () => {
  const kinds = [
    {
      kind: 'Dataset',
      route: 'datasets',
      seed: (org: Awaited<ReturnType<typeof createTestOrg>>, name: string) =>
        seedDataset(org, name),
    },
    {
      kind: 'Deployment',
      route: 'deployments',
      seed: (org: Awaited<ReturnType<typeof createTestOrg>>, name: string) =>
        seedDeployment(org, name),
    },
    {
      kind: 'Experiment',
      route: 'experiments',
      seed: (org: Awaited<ReturnType<typeof createTestOrg>>, name: string) =>
        seedExperiment(org, name),
    },
  ];

  it.each(kinds)('renames and describes a $kind, audited', async ({ kind, route, seed }) => {
    const org = await createTestOrg();
    const row = await seed(org, 'old-name');
    const response = await api(
      org.tokens.EDITOR,
      'PATCH',
      `/api/${route}/${globalId(kind, row.id)}`,
      {
        name: 'new-name',
        description: 'described',
        metadata: { team: 'ml' },
      },
    );
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      id: globalId(kind, row.id),
      name: 'new-name',
      description: 'described',
      metadata: { team: 'ml' },
      updated_at: expect.any(String),
    });
    const [audit] = await auditEvents(org.orgId, { action: `${kind.toLowerCase()}.update` });
    expect(audit).toMatchObject({ subject_id: row.id });
  });

  it.each(kinds)(
    'refuses a taken name for a $kind with 409 on body.name',
    async ({ kind, route, seed }) => {
      const org = await createTestOrg();
      const row = await seed(org, 'first');
      await seed(org, 'second');
      const before = await rowCounts(org.orgId);
      const response = await api<ApiErrorBody>(
        org.tokens.EDITOR,
        'PATCH',
        `/api/${route}/${globalId(kind, row.id)}`,
        { name: 'second' },
      );
      expect(response.status).toBe(409);
      expect(response.body.error.path).toEqual(['body', 'name']);
      await expectNothingWritten(org.orgId, before);
    },
  );

  it.each(kinds)('answers 404 on params.id for an unknown $kind', async ({ kind, route }) => {
    const org = await createTestOrg();
    const response = await api<ApiErrorBody>(
      org.tokens.EDITOR,
      'PATCH',
      `/api/${route}/${unknownId(kind)}`,
      { description: 'x' },
    );
    expect(response.status).toBe(404);
    expect(response.body.error.path).toEqual(['params', 'id']);
  });
});

describe('DELETE /api/models/:id, /api/models/:id/versions/:version, /api/datasets/:id', () => {
  it('deletes a version and then its model; reads answer 404 and a replayed DELETE the same', async () => {
    const org = await createTestOrg();
    const model = await seedModel(org, 'doomed');
    await seedVersion(org, model.id, '1.0.0');
    await seedVersion(org, model.id, '2.0.0');
    const id = globalId('Model', model.id);
    const version = await api(
      org.tokens.EDITOR,
      'DELETE',
      `/api/models/${id}/versions/1.0.0?reason=bad`,
    );
    expect(version.status).toBe(200);
    expect(version.body).toMatchObject({ name: 'doomed@1.0.0', deleted_versions: 1 });
    const list = await api(org.tokens.VIEWER, 'GET', `/api/models/${id}/versions`);
    expect(list.body.versions.map((v: { version: string }) => v.version)).toEqual(['2.0.0']);

    const first = await withKey(org.tokens.EDITOR, 'DELETE', `/api/models/${id}`, 'del-1', null);
    expect(first.status).toBe(200);
    expect(JSON.parse(first.text)).toMatchObject({ deleted_id: id, deleted_versions: 1 });
    const replay = await withKey(org.tokens.EDITOR, 'DELETE', `/api/models/${id}`, 'del-1', null);
    expect(replay.status).toBe(200);
    expect(replay.text).toBe(first.text);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    const gone = await api<ApiErrorBody>(org.tokens.VIEWER, 'GET', `/api/models/${id}`);
    expect(gone.status).toBe(404);
    const again = await api<ApiErrorBody>(org.tokens.EDITOR, 'DELETE', `/api/models/${id}`);
    expect(again.status).toBe(404);
    expect(again.body.error.path).toEqual(['params', 'id']);
  });

  it('refuses to delete a deployed version or a dataset a live version is trained on (409)', async () => {
    const org = await createTestOrg();
    const dataset = await seedDataset(org, 'in-use');
    const model = await seedModel(org, 'served');
    const version = await seedVersion(org, model.id, '1.0.0', {
      trainedOn: [{ datasetId: dataset.id }],
    });
    await seedDeployment(org, 'served-prod', [{ versionId: version.id }]);
    const before = await rowCounts(org.orgId);
    const refusedVersion = await api<ApiErrorBody>(
      org.tokens.EDITOR,
      'DELETE',
      `/api/models/${globalId('Model', model.id)}/versions/1.0.0`,
    );
    expect(refusedVersion.status).toBe(409);
    expect(refusedVersion.body.error).toMatchObject({ path: ['params', 'version'] });
    expect(refusedVersion.body.error.message).toContain('served-prod');
    const refusedDataset = await api<ApiErrorBody>(
      org.tokens.EDITOR,
      'DELETE',
      `/api/datasets/${globalId('Dataset', dataset.id)}`,
    );
    expect(refusedDataset.status).toBe(409);
    expect(refusedDataset.body.error).toMatchObject({ path: ['params', 'id'] });
    expect(refusedDataset.body.error.message).toContain('served@1.0.0');
    await expectNothingWritten(org.orgId, before);
  });
});

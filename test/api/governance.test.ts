// The REST governance routes: approval requests with their checks, reviews, the pending list, a
// model's history and on-demand checks, with the rows written (or not).
import { describe, expect, it } from 'vitest';
import {
  globalId,
  rowId,
  seedDataset,
  seedModel,
  seedVersion,
  unknownId,
} from '../helpers/fixtures.ts';
import { createTestOrg, gql, type TestOrg, testDb } from '../helpers/graphql.ts';
import { type ApiErrorBody, api } from './api-client.ts';
import { apiRowCounts, expectApiNothingWritten } from './api-fixtures.ts';

async function seedVersionOf(org: TestOrg, name = 'gpt-4-turbo') {
  const model = await seedModel(org, name);
  const dataset = await seedDataset(org, `${name}-data`);
  const version = await seedVersion(org, model.id, '1.0.0', {
    trainedOn: [{ datasetId: dataset.id }],
  });
  return { model, version, versionId: globalId('ModelVersion', version.id) };
}

function requestApprovalOf(org: TestOrg, versionId: string, token = org.tokens.EDITOR) {
  return api(token, 'POST', '/api/governance/approvals', {
    version_id: versionId,
    checks: ['gdpr', 'SECURITY'],
    notes: 'ready for production',
  });
}

describe('POST /api/governance/approvals', () => {
  it('opens a pending request, runs its checks, and stores both', async () => {
    const org = await createTestOrg();
    const { model, versionId } = await seedVersionOf(org);
    const response = await requestApprovalOf(org, versionId);
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({
      model_id: globalId('Model', model.id),
      version_id: versionId,
      state: 'PENDING',
      requested_checks: ['GDPR', 'SECURITY'],
      request_notes: 'ready for production',
      requested_by: globalId('User', org.userIds.EDITOR),
      reviewed_by: null,
    });
    expect(response.body.checks.map((check: { type: string }) => check.type).sort()).toEqual([
      'GDPR',
      'SECURITY',
    ]);
    const approvalRowId = rowId(response.body.id);
    const checks = await testDb()
      .selectFrom('compliance_check')
      .select(['check_type', 'status'])
      .where('approval_id', '=', approvalRowId)
      .execute();
    expect(checks).toHaveLength(2);
    const viaGraphql = await gql(
      org.tokens.VIEWER,
      'query($id: ID!) { node(id: $id) { ... on Approval { state checks { type status } } } }',
      { id: response.body.id },
    );
    expect(viaGraphql.data?.node.state).toBe('PENDING');
    expect(
      viaGraphql.data?.node.checks
        .map((c: { type: string; status: string }) => `${c.type}:${c.status}`)
        .sort(),
    ).toEqual(
      response.body.checks
        .map((c: { type: string; status: string }) => `${c.type}:${c.status}`)
        .sort(),
    );
  });

  it.each([
    ['an unknown check', { checks: ['NOPE'] }, 400, ['body', 'checks', '0']],
    ['no checks (a service rule)', { checks: [] }, 400, ['body', 'checks']],
    [
      'FAIRNESS without its evidence (a service rule)',
      { checks: ['FAIRNESS'] },
      400,
      ['body', 'evidence', 'fairness'],
    ],
    [
      'fairness groups that do not add up (a service rule)',
      {
        checks: ['FAIRNESS'],
        evidence: {
          fairness: {
            protected_attribute: 'gender',
            groups: [
              {
                name: 'a',
                selected: 5,
                total: 10,
                true_positives: 1,
                false_positives: 1,
                true_negatives: 4,
                false_negatives: 4,
              },
              {
                name: 'b',
                selected: 2,
                total: 10,
                true_positives: 1,
                false_positives: 1,
                true_negatives: 4,
                false_negatives: 4,
              },
            ],
          },
        },
      },
      400,
      ['body', 'evidence', 'fairness', 'groups', '0', 'selected'],
    ],
    [
      'a camelCase evidence key',
      { checks: ['AI_ACT'], evidence: { aiAct: {} } },
      400,
      ['body', 'evidence'],
    ],
    ['an unknown version', { version_id: 'unknown' }, 404, ['body', 'version_id']],
  ])('answers %s with %s on the field and writes nothing', async (_name, patch, status, path) => {
    const org = await createTestOrg();
    const { versionId } = await seedVersionOf(org);
    const before = await apiRowCounts(org.orgId);
    const body = { version_id: versionId, checks: ['GDPR'], ...patch };
    if (body.version_id === 'unknown') body.version_id = unknownId('ModelVersion');
    const response = await api<ApiErrorBody>(
      org.tokens.EDITOR,
      'POST',
      '/api/governance/approvals',
      body,
    );
    expect(response.status).toBe(status);
    expect(response.body.error.path).toEqual(path);
    await expectApiNothingWritten(org.orgId, before);
  });

  it('answers another organization’s version with 404, a second pending request with 409, a VIEWER with 403', async () => {
    const org = await createTestOrg();
    const other = await createTestOrg('other');
    const { versionId } = await seedVersionOf(org);
    const foreign = await seedVersionOf(other, 'foreign');
    await requestApprovalOf(org, versionId);
    const before = await apiRowCounts(org.orgId);
    const foreignResponse = await requestApprovalOf(org, foreign.versionId);
    expect(foreignResponse.status).toBe(404);
    const again = await requestApprovalOf(org, versionId);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('CONFLICT');
    const viewer = await requestApprovalOf(org, versionId, org.tokens.VIEWER);
    expect(viewer.status).toBe(403);
    await expectApiNothingWritten(org.orgId, before);
  });
});

describe('POST /api/governance/approvals/:id/review', () => {
  it('lets a reviewer approve, writing the decision and the APPROVED_BY edge', async () => {
    const org = await createTestOrg();
    const { version, versionId } = await seedVersionOf(org);
    const request = await requestApprovalOf(org, versionId);
    const response = await api(
      org.tokens.REVIEWER,
      'POST',
      `/api/governance/approvals/${request.body.id}/review`,
      { decision: 'approve', notes: 'checked' },
    );
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      state: 'APPROVED',
      reviewed_by: globalId('User', org.userIds.REVIEWER),
      review_notes: 'checked',
    });
    expect(response.body.checks).toHaveLength(2);
    const edge = await testDb()
      .selectFrom('edge')
      .selectAll()
      .where('type', '=', 'APPROVED_BY')
      .where('src_id', '=', version.id)
      .executeTakeFirst();
    expect(edge?.dst_id).toBe(org.userIds.REVIEWER);

    const again = await api<ApiErrorBody>(
      org.tokens.REVIEWER,
      'POST',
      `/api/governance/approvals/${request.body.id}/review`,
      { decision: 'REJECT', notes: 'changed my mind' },
    );
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'CONFLICT', path: ['params', 'id'] });
  });

  it('refuses the requester (403), an EDITOR (403), a rejection without notes (400) and unknown ids (404), writing nothing', async () => {
    const org = await createTestOrg();
    const other = await createTestOrg('other');
    const { versionId } = await seedVersionOf(org);
    const ownRequest = await requestApprovalOf(org, versionId, org.tokens.ADMIN);
    const foreign = await seedVersionOf(other, 'foreign');
    const foreignRequest = await requestApprovalOf(other, foreign.versionId);
    const before = await apiRowCounts(org.orgId);
    const review = (token: string, id: string, body: unknown) =>
      api<ApiErrorBody>(token, 'POST', `/api/governance/approvals/${id}/review`, body);

    const own = await review(org.tokens.ADMIN, ownRequest.body.id, { decision: 'APPROVE' });
    expect(own.status).toBe(403);
    expect(own.body.error).toMatchObject({ code: 'FORBIDDEN', path: ['params', 'id'] });
    const editor = await review(org.tokens.EDITOR, ownRequest.body.id, { decision: 'APPROVE' });
    expect(editor.status).toBe(403);
    const noNotes = await review(org.tokens.REVIEWER, ownRequest.body.id, { decision: 'REJECT' });
    expect(noNotes.status).toBe(400);
    expect(noNotes.body.error.path).toEqual(['body', 'notes']);
    const badDecision = await review(org.tokens.REVIEWER, ownRequest.body.id, {
      decision: 'maybe',
    });
    expect(badDecision.status).toBe(400);
    expect(badDecision.body.error.path).toEqual(['body', 'decision']);
    for (const id of [unknownId('Approval'), foreignRequest.body.id, versionId]) {
      const missing = await review(org.tokens.REVIEWER, id, { decision: 'APPROVE' });
      expect(missing.status, id).toBe(404);
      expect(missing.body.error.path).toEqual(['params', 'id']);
    }
    await expectApiNothingWritten(org.orgId, before);
  });
});

describe('GET /api/governance/approvals/pending and /:modelId/history', () => {
  it('lists pending requests of the organization only, a page at a time, and a model’s history', async () => {
    const org = await createTestOrg();
    const other = await createTestOrg('other');
    const a = await seedVersionOf(org, 'a');
    const b = await seedVersionOf(org, 'b');
    const foreign = await seedVersionOf(other, 'foreign');
    const first = await requestApprovalOf(org, a.versionId);
    const second = await requestApprovalOf(org, b.versionId);
    await requestApprovalOf(other, foreign.versionId);

    const page = await api(org.tokens.VIEWER, 'GET', '/api/governance/approvals/pending?limit=1');
    expect(page.status).toBe(200);
    expect(page.body.approvals.map((x: { id: string }) => x.id)).toEqual([first.body.id]);
    expect(page.body.approvals[0].checks).toHaveLength(2);
    expect(page.body.next_cursor).toBe(first.body.id);
    const next = await api(
      org.tokens.VIEWER,
      'GET',
      `/api/governance/approvals/pending?limit=1&after=${encodeURIComponent(page.body.next_cursor)}`,
    );
    expect(next.body.approvals.map((x: { id: string }) => x.id)).toEqual([second.body.id]);
    expect(next.body.next_cursor).toBeNull();
    const viaGraphql = await gql(
      org.tokens.VIEWER,
      '{ pendingApprovals { edges { node { id } } } }',
    );
    expect(
      viaGraphql.data?.pendingApprovals.edges.map((e: { node: { id: string } }) => e.node.id),
    ).toEqual([first.body.id, second.body.id]);

    await api(org.tokens.REVIEWER, 'POST', `/api/governance/approvals/${first.body.id}/review`, {
      decision: 'APPROVE',
    });
    const pending = await api(org.tokens.VIEWER, 'GET', '/api/governance/approvals/pending');
    expect(pending.body.approvals.map((x: { id: string }) => x.id)).toEqual([second.body.id]);

    const history = await api(
      org.tokens.VIEWER,
      'GET',
      `/api/governance/${globalId('Model', a.model.id)}/history`,
    );
    expect(history.status).toBe(200);
    expect(history.body.approvals).toEqual([
      expect.objectContaining({ id: first.body.id, state: 'APPROVED' }),
    ]);
    const foreignHistory = await api<ApiErrorBody>(
      org.tokens.VIEWER,
      'GET',
      `/api/governance/${globalId('Model', foreign.model.id)}/history`,
    );
    expect(foreignHistory.status).toBe(404);
    expect(foreignHistory.body.error.path).toEqual(['params', 'modelId']);
    const badCursor = await api<ApiErrorBody>(
      org.tokens.VIEWER,
      'GET',
      '/api/governance/approvals/pending?after=nope',
    );
    expect(badCursor.status).toBe(404);
    expect(badCursor.body.error.path).toEqual(['query', 'after']);
  });
});

describe('POST /api/governance/:modelId/check', () => {
  it('runs checks on a version of the model and appends the results', async () => {
    const org = await createTestOrg();
    const { model, versionId } = await seedVersionOf(org);
    const response = await api(
      org.tokens.EDITOR,
      'POST',
      `/api/governance/${globalId('Model', model.id)}/check`,
      {
        version_id: versionId,
        checks: ['GDPR'],
      },
    );
    expect(response.status).toBe(200);
    expect(response.body.approval).toBeNull();
    expect(response.body.version).toMatchObject({ id: versionId, version: '1.0.0' });
    expect(response.body.checks).toEqual([
      expect.objectContaining({ type: 'GDPR', approval_id: null }),
    ]);
    const rows = await testDb()
      .selectFrom('compliance_check')
      .select('id')
      .where('org_id', '=', org.orgId)
      .execute();
    expect(rows.map((row: { id: string }) => row.id)).toEqual([response.body.checks[0].id]);
  });

  it('re-runs the checks of a pending request of the model', async () => {
    const org = await createTestOrg();
    const { model, versionId } = await seedVersionOf(org);
    const request = await requestApprovalOf(org, versionId);
    const response = await api(
      org.tokens.EDITOR,
      'POST',
      `/api/governance/${globalId('Model', model.id)}/check`,
      {
        approval_id: request.body.id,
      },
    );
    expect(response.status).toBe(200);
    expect(response.body.approval).toMatchObject({ id: request.body.id, state: 'PENDING' });
    expect(response.body.checks).toHaveLength(2);
  });

  it('refuses a version of another model (404), neither id (400), a VIEWER (403), writing nothing', async () => {
    const org = await createTestOrg();
    const { model } = await seedVersionOf(org, 'a');
    const otherModel = await seedVersionOf(org, 'b');
    const before = await apiRowCounts(org.orgId);
    const path = `/api/governance/${globalId('Model', model.id)}/check`;
    const wrongModel = await api<ApiErrorBody>(org.tokens.EDITOR, 'POST', path, {
      version_id: otherModel.versionId,
      checks: ['GDPR'],
    });
    expect(wrongModel.status).toBe(404);
    expect(wrongModel.body.error.path).toEqual(['body', 'version_id']);
    const neither = await api<ApiErrorBody>(org.tokens.EDITOR, 'POST', path, { checks: ['GDPR'] });
    expect(neither.status).toBe(400);
    expect(neither.body.error.path).toEqual(['body']);
    const viewer = await api<ApiErrorBody>(org.tokens.VIEWER, 'POST', path, {
      version_id: otherModel.versionId,
      checks: ['GDPR'],
    });
    expect(viewer.status).toBe(403);
    const unknownModel = await api<ApiErrorBody>(
      org.tokens.EDITOR,
      'POST',
      `/api/governance/${unknownId('Model')}/check`,
      {
        version_id: otherModel.versionId,
        checks: ['GDPR'],
      },
    );
    expect(unknownModel.status).toBe(404);
    expect(unknownModel.body.error.path).toEqual(['params', 'modelId']);
    await expectApiNothingWritten(org.orgId, before);
  });
});

import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { registerDataset } from '../../src/registry/dataset/dataset.service.ts';
import { uploadFile } from '../artifacts/artifact-client.ts';
import {
  auditEvents,
  expectNothingWritten,
  fieldOf,
  globalId,
  rowCounts,
  rowId,
  seedDeployment,
  seedModel,
  seedVersion,
  serviceDeps,
  topLevelError,
  viewerOf,
} from '../helpers/fixtures.ts';
import { createTestOrg, gql, type TestOrg, testDb } from '../helpers/graphql.ts';

const ApprovalRequest = /* GraphQL */ `
  mutation ApprovalRequest($input: ApprovalRequestInput!) {
    approvalRequest(input: $input) {
      __typename
      ... on ApprovalRequestPayload {
        approval { id state requestedChecks requester { id } }
        checks {
          type status summary
          findings { code message subjectId }
          fairness { metrics { name value threshold verdict } }
          aiAct { tier obligations { obligation satisfied } }
        }
      }
      ... on Error { message path }
    }
  }
`;

const ApprovalReview = /* GraphQL */ `
  mutation ApprovalReview($input: ApprovalReviewInput!) {
    approvalReview(input: $input) {
      __typename
      ... on ApprovalReviewPayload { approval { id state notes reviewer { id } reviewedAt } }
      ... on Error { message path }
    }
  }
`;

const ComplianceCheckRun = /* GraphQL */ `
  mutation ComplianceCheckRun($input: ComplianceCheckRunInput!) {
    complianceCheckRun(input: $input) {
      __typename
      ... on ComplianceCheckRunPayload {
        approval { id checks { type status } }
        checks { type status findings { code } }
      }
      ... on Error { message path }
    }
  }
`;

const ModelVersionPromote = /* GraphQL */ `
  mutation ModelVersionPromote($input: ModelVersionPromoteInput!) {
    modelVersionPromote(input: $input) {
      __typename
      ... on ModelVersionPromotePayload { modelVersion { version isProduction approvedBy { id } } }
      ... on ApprovalRequiredError {
        missingChecks approvedRequestExists pendingApprovalId checkStatuses { type status }
      }
      ... on Error { message path }
    }
  }
`;

const History = /* GraphQL */ `
  query History($modelId: ID!, $at: DateTime!) {
    model(id: $modelId) {
      aliasHistory(alias: "production") {
        edges { node { alias version { version } previousVersion { version } movedBy { id } reason approvalId } }
      }
      aliasAt(at: $at) { version { version } movedBy { id } reason }
      governanceHistory { edges { node { id state modelVersion { version } } } }
      versions { edges { node { version approvals { edges { node { state } } } } } }
    }
    pendingApprovals { edges { node { id } } }
  }
`;

const AuditTrail = /* GraphQL */ `
  query AuditTrail($subject: ID) {
    auditEvents(subject: $subject, first: 50) {
      edges { node { action actor { id } subjectId before after reason createdAt } }
    }
  }
`;

const FAIR_GROUPS = [
  {
    name: 'A',
    selected: 50,
    total: 100,
    truePositives: 40,
    falsePositives: 10,
    trueNegatives: 40,
    falseNegatives: 10,
  },
  {
    name: 'B',
    selected: 45,
    total: 100,
    truePositives: 37,
    falsePositives: 8,
    trueNegatives: 42,
    falseNegatives: 13,
  },
];
const UNFAIR_GROUPS = [
  FAIR_GROUPS[0],
  {
    name: 'B',
    selected: 30,
    total: 100,
    truePositives: 25,
    falsePositives: 5,
    trueNegatives: 45,
    falseNegatives: 25,
  },
];

const ALL_CHECKS = ['GDPR', 'AI_ACT', 'FAIRNESS', 'SECURITY'];

const fairEvidence = (groups = FAIR_GROUPS) => ({
  fairness: { protectedAttribute: 'gender', groups },
  aiAct: { intendedUse: 'Route support tickets to the right team', uses: [] },
});

/**
 * A version that passes GDPR and SECURITY: declared datasets, an artifact uploaded through the
 * artifact routes (so present in R2 with its checksum), an owner.
 */
async function givenCompliantVersion(org: TestOrg, name = 'triage') {
  const dataset = await registerDataset(serviceDeps(), viewerOf(org), {
    name: `${name}-tickets`,
    governance: {
      containsPersonalData: true,
      lawfulBasis: 'LEGITIMATE_INTERESTS',
      retentionDays: 365,
      columns: [{ name: 'customer_email', sampleValues: ['ana@example.com'] }],
    },
  });
  const model = await seedModel(org, name, { metadata: { modelCard: { owner: 'ml-platform' } } });
  const version = await seedVersion(org, model.id, '1.0.0', {
    trainedOn: [{ datasetId: dataset.id }],
  });
  const versionGid = globalId('ModelVersion', version.id);
  const bytes = new TextEncoder().encode(`weights of ${name} ${crypto.randomUUID()}`);
  await uploadFile(org.tokens.EDITOR, versionGid, 'model.bin', bytes);
  return { model, version, dataset, versionGid };
}

async function request(
  org: TestOrg,
  versionGid: string,
  evidence = fairEvidence(),
  token = org.tokens.EDITOR,
) {
  return fieldOf(
    await gql(token, ApprovalRequest, {
      input: { versionId: versionGid, checks: ALL_CHECKS, evidence, notes: 'ready for prod' },
    }),
    'approvalRequest',
  );
}

describe('the governance workflow', () => {
  it('requests, checks, reviews, promotes, and answers who moved production, when and why', async () => {
    // given
    const org = await createTestOrg();
    const { model, version, versionGid } = await givenCompliantVersion(org);

    // when the developer requests approval
    const requested = await request(org, versionGid);

    // then the request is pending with four passing checks
    expect(requested.approval).toMatchObject({
      state: 'PENDING',
      requestedChecks: ALL_CHECKS,
      requester: { id: globalId('User', org.userIds.EDITOR) },
    });
    expect(
      requested.checks.map((c: { type: string; status: string }) => [c.type, c.status]),
    ).toEqual([
      ['GDPR', 'PASSED'],
      ['AI_ACT', 'PASSED'],
      ['FAIRNESS', 'PASSED'],
      ['SECURITY', 'PASSED'],
    ]);

    // when promoted before review
    const early = fieldOf(
      await gql(org.tokens.EDITOR, ModelVersionPromote, { input: { versionId: versionGid } }),
      'modelVersionPromote',
    );

    // then the gate says what is missing
    expect(early).toMatchObject({
      __typename: 'ApprovalRequiredError',
      missingChecks: ALL_CHECKS,
      approvedRequestExists: false,
      pendingApprovalId: requested.approval.id,
      path: ['input', 'versionId'],
    });

    // when a reviewer approves
    const reviewed = fieldOf(
      await gql(org.tokens.REVIEWER, ApprovalReview, {
        input: {
          approvalId: requested.approval.id,
          decision: 'APPROVE',
          notes: 'checks are clean',
        },
      }),
      'approvalReview',
    );
    expect(reviewed.approval).toMatchObject({
      state: 'APPROVED',
      notes: 'checks are clean',
      reviewer: { id: globalId('User', org.userIds.REVIEWER) },
    });

    // and the developer promotes
    const promoted = fieldOf(
      await gql(org.tokens.EDITOR, ModelVersionPromote, {
        input: { versionId: versionGid, reason: 'approved for launch' },
      }),
      'modelVersionPromote',
    );

    // then it is production, approved by the reviewer
    expect(promoted).toEqual({
      __typename: 'ModelVersionPromotePayload',
      modelVersion: {
        version: '1.0.0',
        isProduction: true,
        approvedBy: [{ id: globalId('User', org.userIds.REVIEWER) }],
      },
    });
    const edges = await testDb()
      .selectFrom('edge')
      .select(['type', 'src_id', 'dst_id'])
      .where('type', '=', 'APPROVED_BY')
      .where('org_id', '=', org.orgId)
      .execute();
    expect(edges).toEqual([
      { type: 'APPROVED_BY', src_id: version.id, dst_id: org.userIds.REVIEWER },
    ]);

    // and the history answers who, when and why
    const history = fieldOf(
      await gql(org.tokens.VIEWER, History, {
        modelId: globalId('Model', model.id),
        at: new Date(Date.now() + 1000).toISOString(),
      }),
      'model',
    );
    expect(history.aliasHistory.edges).toEqual([
      {
        node: {
          alias: 'production',
          version: { version: '1.0.0' },
          previousVersion: null,
          movedBy: { id: globalId('User', org.userIds.EDITOR) },
          reason: 'approved for launch',
          approvalId: requested.approval.id,
        },
      },
    ]);
    expect(history.aliasAt).toEqual({
      version: { version: '1.0.0' },
      movedBy: { id: globalId('User', org.userIds.EDITOR) },
      reason: 'approved for launch',
    });
    expect(history.governanceHistory.edges).toEqual([
      {
        node: { id: requested.approval.id, state: 'APPROVED', modelVersion: { version: '1.0.0' } },
      },
    ]);
    expect(history.versions.edges[0].node.approvals.edges).toEqual([
      { node: { state: 'APPROVED' } },
    ]);
    const before = fieldOf(
      await gql(org.tokens.VIEWER, History, {
        modelId: globalId('Model', model.id),
        at: '2000-01-01T00:00:00Z',
      }),
      'model',
    );
    expect(before.aliasAt).toBeNull();
    const trail = fieldOf(
      await gql(org.tokens.VIEWER, AuditTrail, { subject: requested.approval.id }),
      'auditEvents',
    );
    expect(trail.edges.map((e: { node: { action: string } }) => e.node.action)).toEqual([
      'approval.request',
      'complianceCheck.run',
      'approval.approve',
    ]);
    expect(trail.edges[2].node).toMatchObject({
      actor: { id: globalId('User', org.userIds.REVIEWER) },
      before: { state: 'PENDING' },
      reason: 'checks are clean',
    });
  });

  it('refuses promotion after a rejection, and counts only PASSED or reviewed checks', async () => {
    // given a request whose fairness check fails, rejected
    const org = await createTestOrg();
    const { versionGid } = await givenCompliantVersion(org);
    const first = await request(org, versionGid, fairEvidence(UNFAIR_GROUPS as never));
    expect(first.checks[2]).toMatchObject({ type: 'FAIRNESS', status: 'FAILED' });
    expect(first.checks[2].fairness.metrics[0]).toEqual({
      name: 'DISPARATE_IMPACT_RATIO',
      value: 0.6,
      threshold: 0.8,
      verdict: 'FAILED',
    });
    fieldOf(
      await gql(org.tokens.REVIEWER, ApprovalReview, {
        input: { approvalId: first.approval.id, decision: 'REJECT', notes: 'unfair to B' },
      }),
      'approvalReview',
    );
    const rejected = await gql(org.tokens.EDITOR, ModelVersionPromote, {
      input: { versionId: versionGid },
    });
    expect(fieldOf(rejected, 'modelVersionPromote')).toMatchObject({
      __typename: 'ApprovalRequiredError',
      approvedRequestExists: false,
    });

    // when a second request with the same failing evidence is approved anyway
    const second = await request(org, versionGid, fairEvidence(UNFAIR_GROUPS as never));
    fieldOf(
      await gql(org.tokens.ADMIN, ApprovalReview, {
        input: { approvalId: second.approval.id, decision: 'APPROVE' },
      }),
      'approvalReview',
    );
    const before = await rowCounts(org.orgId);
    const result = await gql(org.tokens.EDITOR, ModelVersionPromote, {
      input: { versionId: versionGid },
    });

    // then the FAILED check still blocks promotion, and nothing is written
    expect(fieldOf(result, 'modelVersionPromote')).toMatchObject({
      __typename: 'ApprovalRequiredError',
      missingChecks: ['FAIRNESS'],
      approvedRequestExists: true,
      checkStatuses: [
        { type: 'GDPR', status: 'PASSED' },
        { type: 'AI_ACT', status: 'PASSED' },
        { type: 'FAIRNESS', status: 'FAILED' },
        { type: 'SECURITY', status: 'PASSED' },
      ],
    });
    await expectNothingWritten(org.orgId, before);
  });

  it('follows the organization’s policy: only the checks it requires must pass', async () => {
    // given a policy requiring SECURITY only, and an approved request that fails FAIRNESS
    const org = await createTestOrg();
    const policy = await gql(
      org.tokens.ADMIN,
      /* GraphQL */ `
      mutation { promotionPolicySet(input: { requireApproval: true, requiredChecks: [SECURITY] }) {
        __typename ... on PromotionPolicySetPayload { policy { requiredChecks isDefault } } } }
    `,
    );
    expect(fieldOf(policy, 'promotionPolicySet').policy).toEqual({
      requiredChecks: ['SECURITY'],
      isDefault: false,
    });
    const { versionGid } = await givenCompliantVersion(org);
    const requested = await request(org, versionGid, fairEvidence(UNFAIR_GROUPS as never));
    await gql(org.tokens.REVIEWER, ApprovalReview, {
      input: { approvalId: requested.approval.id, decision: 'APPROVE' },
    });

    // when
    const result = await gql(org.tokens.EDITOR, ModelVersionPromote, {
      input: { versionId: versionGid },
    });

    // then
    expect(fieldOf(result, 'modelVersionPromote').__typename).toBe('ModelVersionPromotePayload');
    const audits = await auditEvents(org.orgId, { action: 'promotionPolicy.set' });
    expect(audits[0]).toMatchObject({
      before: { requireApproval: true, requiredChecks: ALL_CHECKS, isDefault: true },
      after: { requireApproval: true, requiredChecks: ['SECURITY'] },
    });
  });

  it('fails a high-risk version until evidence is attached by a re-run', async () => {
    // given a request for an employment use with no obligation evidence
    const org = await createTestOrg();
    const { versionGid } = await givenCompliantVersion(org);
    const requested = fieldOf(
      await gql(org.tokens.EDITOR, ApprovalRequest, {
        input: {
          versionId: versionGid,
          checks: ['AI_ACT'],
          evidence: { aiAct: { intendedUse: 'Rank job applicants', uses: ['EMPLOYMENT'] } },
        },
      }),
      'approvalRequest',
    );
    expect(requested.checks[0]).toMatchObject({
      status: 'FAILED',
      aiAct: { tier: 'HIGH_RISK' },
    });
    expect(requested.checks[0].findings).toHaveLength(7);

    // when the evidence is attached and the check re-run
    const obligations = [
      'RISK_MANAGEMENT',
      'DATA_GOVERNANCE',
      'TECHNICAL_DOCUMENTATION',
      'RECORD_KEEPING',
      'TRANSPARENCY',
      'HUMAN_OVERSIGHT',
      'ACCURACY_ROBUSTNESS',
    ].map((obligation) => ({ obligation, evidence: `https://docs.example/${obligation}` }));
    const rerun = fieldOf(
      await gql(org.tokens.EDITOR, ComplianceCheckRun, {
        input: {
          approvalId: requested.approval.id,
          evidence: {
            aiAct: { intendedUse: 'Rank job applicants', uses: ['EMPLOYMENT'], obligations },
          },
        },
      }),
      'complianceCheckRun',
    );

    // then the latest result is the approval's current one
    expect(rerun.checks).toEqual([{ type: 'AI_ACT', status: 'PASSED', findings: [] }]);
    expect(rerun.approval.checks).toEqual([{ type: 'AI_ACT', status: 'PASSED' }]);
    const stored = await testDb()
      .selectFrom('compliance_check')
      .select(['status'])
      .where('approval_id', '=', rowId(requested.approval.id))
      .orderBy('id')
      .execute();
    expect(stored.map((row) => row.status)).toEqual(['FAILED', 'PASSED']);
  });

  it('fails GDPR for a version derived from one trained on a dataset under erasure, and lists the work', async () => {
    // given base trained on a dataset, a fine-tune derived from it, deployed
    const org = await createTestOrg();
    const { model, version: base, dataset } = await givenCompliantVersion(org, 'base');
    const tuned = await seedVersion(org, model.id, '1.1.0', { derivedFrom: [base.id] });
    const deployment = await seedDeployment(org, 'serving', [{ versionId: tuned.id }]);

    // when an erasure is requested
    const erasure = fieldOf(
      await gql(
        org.tokens.EDITOR,
        /* GraphQL */ `
        mutation ($input: DatasetErasureRequestInput!) { datasetErasureRequest(input: $input) {
          __typename
          ... on DatasetErasureRequestPayload {
            erasureRequest { reason dataset { erasureRequest { reason } } }
            affectedModelVersions { version } affectedDeployments { id }
          }
          ... on Error { message path } } }
      `,
        { input: { datasetId: globalId('Dataset', dataset.id), reason: 'subject request #42' } },
      ),
      'datasetErasureRequest',
    );

    // then the work list holds both versions and the deployment
    expect(erasure.affectedModelVersions.map((v: { version: string }) => v.version).sort()).toEqual(
      ['1.0.0', '1.1.0'],
    );
    expect(erasure.affectedDeployments).toEqual([{ id: globalId('Deployment', deployment.id) }]);
    expect(erasure.erasureRequest.dataset.erasureRequest).toEqual({
      reason: 'subject request #42',
    });

    // and GDPR fails the derived version
    const check = fieldOf(
      await gql(org.tokens.EDITOR, ComplianceCheckRun, {
        input: { versionId: globalId('ModelVersion', tuned.id), checks: ['GDPR'] },
      }),
      'complianceCheckRun',
    );
    expect(check.checks).toEqual([
      { type: 'GDPR', status: 'FAILED', findings: [{ code: 'ERASURE_REQUESTED' }] },
    ]);

    // and a second request is a conflict that writes nothing
    const before = await rowCounts(org.orgId);
    const again = await gql(
      org.tokens.EDITOR,
      /* GraphQL */ `
      mutation ($input: DatasetErasureRequestInput!) { datasetErasureRequest(input: $input) {
        __typename ... on Error { path } } }
    `,
      { input: { datasetId: globalId('Dataset', dataset.id) } },
    );
    expect(fieldOf(again, 'datasetErasureRequest')).toEqual({
      __typename: 'ConflictError',
      path: ['input', 'datasetId'],
    });
    await expectNothingWritten(org.orgId, before);
  });

  it('fails GDPR for undeclared datasets and undeclared personal data, and SECURITY for what is missing', async () => {
    // given one undeclared dataset and one declared clean but holding emails; no artifact, no owner
    const org = await createTestOrg();
    const undeclared = await registerDataset(serviceDeps(), viewerOf(org), { name: 'raw' });
    const mislabelled = await registerDataset(serviceDeps(), viewerOf(org), {
      name: 'clean',
      governance: {
        containsPersonalData: false,
        columns: [{ name: 'contact', sampleValues: ['ana@example.com'] }],
      },
    });
    const model = await seedModel(org, 'bare');
    const version = await seedVersion(org, model.id, '1.0.0', {
      trainedOn: [{ datasetId: undeclared.id }],
      evaluatedOn: [{ datasetId: mislabelled.id }],
    });

    // when
    const result = fieldOf(
      await gql(org.tokens.EDITOR, ComplianceCheckRun, {
        input: { versionId: globalId('ModelVersion', version.id), checks: ['GDPR', 'SECURITY'] },
      }),
      'complianceCheckRun',
    );

    // then
    expect(result.checks).toEqual([
      {
        type: 'GDPR',
        status: 'FAILED',
        findings: [{ code: 'UNDECLARED_DATASET' }, { code: 'UNDECLARED_PERSONAL_DATA' }],
      },
      {
        type: 'SECURITY',
        status: 'FAILED',
        findings: [{ code: 'NO_ARTIFACT' }, { code: 'NO_OWNER' }],
      },
    ]);
  });
});

describe('separation of duties and review rules', () => {
  it('never lets the requester review their own request, writing nothing', async () => {
    // given an ADMIN (who may review) requests
    const org = await createTestOrg();
    const { versionGid } = await givenCompliantVersion(org);
    const requested = await request(org, versionGid, fairEvidence(), org.tokens.ADMIN);
    const before = await rowCounts(org.orgId);

    // when the same ADMIN reviews
    const result = await gql(org.tokens.ADMIN, ApprovalReview, {
      input: { approvalId: requested.approval.id, decision: 'APPROVE' },
    });

    // then
    expect(fieldOf(result, 'approvalReview')).toMatchObject({
      __typename: 'ForbiddenError',
      path: ['input', 'approvalId'],
    });
    await expectNothingWritten(org.orgId, before);
  });

  it('refuses a second decision with a ConflictError, writing nothing', async () => {
    const org = await createTestOrg();
    const { versionGid } = await givenCompliantVersion(org);
    const requested = await request(org, versionGid);
    const input = { approvalId: requested.approval.id, decision: 'APPROVE' };
    fieldOf(await gql(org.tokens.REVIEWER, ApprovalReview, { input }), 'approvalReview');
    const before = await rowCounts(org.orgId);

    const again = await gql(org.tokens.ADMIN, ApprovalReview, {
      input: { ...input, decision: 'REJECT', notes: 'changed my mind' },
    });

    expect(fieldOf(again, 'approvalReview')).toMatchObject({ __typename: 'ConflictError' });
    await expectNothingWritten(org.orgId, before);
    const rerun = await gql(org.tokens.EDITOR, ComplianceCheckRun, {
      input: { approvalId: requested.approval.id },
    });
    expect(fieldOf(rerun, 'complianceCheckRun')).toMatchObject({ __typename: 'ConflictError' });
    await expectNothingWritten(org.orgId, before);
  });

  it('refuses a review by an EDITOR with a top-level FORBIDDEN error', async () => {
    const org = await createTestOrg();
    const { versionGid } = await givenCompliantVersion(org);
    const requested = await request(org, versionGid);
    const before = await rowCounts(org.orgId);

    const result = await gql(org.tokens.EDITOR, ApprovalReview, {
      input: { approvalId: requested.approval.id, decision: 'APPROVE' },
    });

    expect(topLevelError(result).extensions?.code).toBe('FORBIDDEN');
    await expectNothingWritten(org.orgId, before);
  });

  it('refuses a rejection without notes, and a second pending request', async () => {
    const org = await createTestOrg();
    const { versionGid } = await givenCompliantVersion(org);
    const requested = await request(org, versionGid);
    const before = await rowCounts(org.orgId);

    const rejection = await gql(org.tokens.REVIEWER, ApprovalReview, {
      input: { approvalId: requested.approval.id, decision: 'REJECT' },
    });
    const duplicate = await gql(org.tokens.EDITOR, ApprovalRequest, {
      input: { versionId: versionGid, checks: ['GDPR'] },
    });

    expect(fieldOf(rejection, 'approvalReview')).toMatchObject({
      __typename: 'ValidationError',
      path: ['input', 'notes'],
    });
    expect(fieldOf(duplicate, 'approvalRequest')).toMatchObject({
      __typename: 'ConflictError',
      path: ['input', 'versionId'],
    });
    await expectNothingWritten(org.orgId, before);
  });

  it.each([
    ['no checks', { checks: [] }, ['input', 'checks']],
    ['a check twice', { checks: ['GDPR', 'GDPR'] }, ['input', 'checks', '1']],
    ['FAIRNESS without evidence', { checks: ['FAIRNESS'] }, ['input', 'evidence', 'fairness']],
    [
      'evidence for a check not requested',
      { checks: ['GDPR'], evidence: { aiAct: { intendedUse: 'x' } } },
      ['input', 'evidence', 'aiAct'],
    ],
    [
      'fairness counts that do not add up',
      {
        checks: ['FAIRNESS'],
        evidence: {
          fairness: {
            protectedAttribute: 'g',
            groups: [FAIR_GROUPS[0], { ...FAIR_GROUPS[1], total: 7 }],
          },
        },
      },
      ['input', 'evidence', 'fairness', 'groups', '1', 'total'],
    ],
  ])('refuses %s as a ValidationError, writing nothing', async (_, input, path) => {
    const org = await createTestOrg();
    const { versionGid } = await givenCompliantVersion(org);
    const before = await rowCounts(org.orgId);

    const result = await gql(org.tokens.EDITOR, ApprovalRequest, {
      input: { versionId: versionGid, ...input },
    });

    expect(fieldOf(result, 'approvalRequest')).toMatchObject({
      __typename: 'ValidationError',
      path,
    });
    await expectNothingWritten(org.orgId, before);
  });
});

describe('organizations are walled off', () => {
  it('hides requests from other organizations and refuses to act on them', async () => {
    // given a pending request in organization A
    const orgA = await createTestOrg('a');
    const orgB = await createTestOrg('b');
    const { versionGid } = await givenCompliantVersion(orgA);
    const requested = await request(orgA, versionGid);
    const beforeA = await rowCounts(orgA.orgId);
    const beforeB = await rowCounts(orgB.orgId);

    // when B looks and acts
    const pending = await gql(orgB.tokens.ADMIN, '{ pendingApprovals { edges { node { id } } } }');
    const node = await gql(
      orgB.tokens.ADMIN,
      'query ($id: ID!) { auditEvents(subject: $id) { edges { node { action } } } }',
      {
        id: requested.approval.id,
      },
    );
    const review = await gql(orgB.tokens.ADMIN, ApprovalReview, {
      input: { approvalId: requested.approval.id, decision: 'APPROVE' },
    });
    const ask = await gql(orgB.tokens.ADMIN, ApprovalRequest, {
      input: { versionId: versionGid, checks: ['GDPR'] },
    });
    const promote = await gql(orgB.tokens.ADMIN, ModelVersionPromote, {
      input: { versionId: versionGid },
    });

    // then
    expect(fieldOf(pending, 'pendingApprovals').edges).toEqual([]);
    expect(fieldOf(node, 'auditEvents').edges).toEqual([]);
    expect(fieldOf(review, 'approvalReview')).toMatchObject({
      __typename: 'NotFoundError',
      path: ['input', 'approvalId'],
    });
    expect(fieldOf(ask, 'approvalRequest')).toMatchObject({
      __typename: 'NotFoundError',
      path: ['input', 'versionId'],
    });
    expect(fieldOf(promote, 'modelVersionPromote')).toMatchObject({ __typename: 'NotFoundError' });
    await expectNothingWritten(orgA.orgId, beforeA);
    await expectNothingWritten(orgB.orgId, beforeB);
    const own = await gql(orgA.tokens.VIEWER, '{ pendingApprovals { edges { node { id } } } }');
    expect(fieldOf(own, 'pendingApprovals').edges).toEqual([
      { node: { id: requested.approval.id } },
    ]);
  });
});

describe('records cannot be edited', () => {
  it('refuses to update or delete audit events, decided approvals and check results', async () => {
    const org = await createTestOrg();
    const { versionGid } = await givenCompliantVersion(org);
    const requested = await request(org, versionGid);
    await gql(org.tokens.REVIEWER, ApprovalReview, {
      input: { approvalId: requested.approval.id, decision: 'APPROVE' },
    });
    const before = await rowCounts(org.orgId);
    for (const statement of [
      "UPDATE audit_event SET reason = 'x' WHERE org_id = ?",
      'DELETE FROM audit_event WHERE org_id = ?',
      "UPDATE approval SET review_notes = 'x' WHERE org_id = ?",
      'DELETE FROM approval WHERE org_id = ?',
      "UPDATE compliance_check SET summary = 'x' WHERE org_id = ?",
      'DELETE FROM compliance_check WHERE org_id = ?',
    ]) {
      await expect(env.DB.prepare(statement).bind(org.orgId).run()).rejects.toThrow(
        /append-only|a record|is decided/,
      );
    }
    await expectNothingWritten(org.orgId, before);
  });
});

describe('cost', () => {
  const PendingWithEverything = /* GraphQL */ `
    query PendingWithEverything {
      pendingApprovals(first: 100) {
        edges { node {
          state requester { name } modelVersion { version model { name } }
          checks { type status runBy { name } }
        } }
      }
    }
  `;

  async function givenPending(org: TestOrg, count: number) {
    for (let index = 0; index < count; index += 1) {
      const model = await seedModel(org, `m-${index}`);
      const version = await seedVersion(org, model.id, '1.0.0');
      fieldOf(
        await gql(org.tokens.EDITOR, ApprovalRequest, {
          input: { versionId: globalId('ModelVersion', version.id), checks: ['SECURITY'] },
        }),
        'approvalRequest',
      );
    }
  }

  it('reads a page of pending requests with their checks in a constant number of statements', async () => {
    // given
    const small = await createTestOrg();
    const large = await createTestOrg();
    await givenPending(small, 2);
    await givenPending(large, 6);
    await gql(small.tokens.VIEWER, '{ viewer { id } }');
    await gql(large.tokens.VIEWER, '{ viewer { id } }');

    // when
    const few = await gql(small.tokens.VIEWER, PendingWithEverything);
    const many = await gql(large.tokens.VIEWER, PendingWithEverything);

    // then
    expect(fieldOf(few, 'pendingApprovals').edges).toHaveLength(2);
    expect(fieldOf(many, 'pendingApprovals').edges).toHaveLength(6);
    expect(many.statements).toBe(few.statements);
  });
});

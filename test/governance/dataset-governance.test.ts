// datasetGovernanceSet: declaring or changing the GDPR facts of a dataset that already exists.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { runBatch } from '../../src/db/batch.ts';
import { insertAuditEventWhere } from '../../src/registry/audit/audit.repository.ts';
import {
  datasetGovernanceUnchangedSince,
  upsertDatasetGovernanceWhere,
} from '../../src/registry/governance/governance.repository.ts';
import {
  auditEvents,
  expectNothingWritten,
  fieldOf,
  globalId,
  rowCounts,
  seedDataset,
  seedModel,
  seedVersion,
  unknownId,
} from '../helpers/fixtures.ts';
import { createTestOrg, gql, type TestOrg, testDb } from '../helpers/graphql.ts';

const DatasetGovernanceSet = /* GraphQL */ `
  mutation DatasetGovernanceSet($input: DatasetGovernanceSetInput!) {
    datasetGovernanceSet(input: $input) {
      __typename
      ... on DatasetGovernanceSetPayload {
        dataset { id name governance { containsPersonalData lawfulBasis retentionDays } }
        governance {
          containsPersonalData lawfulBasis retentionDays
          columns { name sampleValues } declaredBy { id }
        }
        previousGovernance { containsPersonalData lawfulBasis retentionDays columns { name } }
      }
      ... on Error { message path }
    }
  }
`;

const GdprCheck = /* GraphQL */ `
  mutation GdprCheck($versionId: ID!) {
    complianceCheckRun(input: { versionId: $versionId, checks: [GDPR] }) {
      ... on ComplianceCheckRunPayload { checks { status findings { code } } }
    }
  }
`;

const PERSONAL = {
  containsPersonalData: true,
  lawfulBasis: 'CONTRACT',
  retentionDays: 730,
  columns: [
    { name: 'email', sampleValues: ['ana@example.com'] },
    { name: 'plan', sampleValues: ['pro'] },
  ],
};

function governanceRow(datasetId: string) {
  return env.DB.prepare('SELECT * FROM dataset_governance WHERE dataset_id = ?')
    .bind(datasetId)
    .first();
}

function setGovernance(org: TestOrg, input: Record<string, unknown>, token = org.tokens.EDITOR) {
  return gql(token, DatasetGovernanceSet, { input }).then((result) =>
    fieldOf(result, 'datasetGovernanceSet'),
  );
}

describe('datasetGovernanceSet', () => {
  it('declares the facts of a dataset registered without them, audited, and GDPR then passes', async () => {
    // given a version trained on an undeclared dataset, which fails GDPR
    const org = await createTestOrg();
    const dataset = await seedDataset(org, 'crm-export');
    const model = await seedModel(org, 'churn');
    const version = await seedVersion(org, model.id, '1.0.0', {
      trainedOn: [{ datasetId: dataset.id }],
    });
    const versionGid = globalId('ModelVersion', version.id);
    const failing = fieldOf(
      await gql(org.tokens.EDITOR, GdprCheck, { versionId: versionGid }),
      'complianceCheckRun',
    );
    expect(failing.checks[0]).toEqual({
      status: 'FAILED',
      findings: [{ code: 'UNDECLARED_DATASET' }],
    });

    // when the facts are declared
    const result = await setGovernance(org, {
      datasetId: globalId('Dataset', dataset.id),
      governance: PERSONAL,
      reason: 'DPO review 2024-05',
    });

    // then the payload, the row and the audit event agree
    expect(result).toEqual({
      __typename: 'DatasetGovernanceSetPayload',
      dataset: {
        id: globalId('Dataset', dataset.id),
        name: 'crm-export',
        governance: { containsPersonalData: true, lawfulBasis: 'CONTRACT', retentionDays: 730 },
      },
      governance: {
        containsPersonalData: true,
        lawfulBasis: 'CONTRACT',
        retentionDays: 730,
        columns: PERSONAL.columns,
        declaredBy: { id: globalId('User', org.userIds.EDITOR) },
      },
      previousGovernance: null,
    });
    expect(await governanceRow(dataset.id)).toMatchObject({
      contains_personal_data: 1,
      lawful_basis: 'CONTRACT',
      retention_days: 730,
      columns: JSON.stringify(PERSONAL.columns),
      declared_by: org.userIds.EDITOR,
    });
    const events = await auditEvents(org.orgId, { action: 'dataset.governanceSet' });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      actor_id: org.userIds.EDITOR,
      subject_id: dataset.id,
      subject_kind: 'Dataset',
      before: null,
      after: {
        containsPersonalData: true,
        lawfulBasis: 'CONTRACT',
        retentionDays: 730,
        columns: ['email', 'plan'],
      },
      reason: 'DPO review 2024-05',
    });
    // sample values may be personal data: they never enter the append-only audit trail
    expect(JSON.stringify(events[0])).not.toContain('ana@example.com');

    // and the GDPR check reads the new declaration
    const passing = fieldOf(
      await gql(org.tokens.EDITOR, GdprCheck, { versionId: versionGid }),
      'complianceCheckRun',
    );
    expect(passing.checks[0]).toEqual({ status: 'PASSED', findings: [] });
  });

  it('replaces an existing declaration whole, returning the one it replaced', async () => {
    // given a dataset declared with personal data
    const org = await createTestOrg();
    const dataset = await seedDataset(org, 'crm-export');
    const datasetId = globalId('Dataset', dataset.id);
    await setGovernance(org, { datasetId, governance: PERSONAL });

    // when it is re-declared as anonymised, without columns
    const result = await setGovernance(org, {
      datasetId,
      governance: { containsPersonalData: false },
    });

    // then
    expect(result.previousGovernance).toEqual({
      containsPersonalData: true,
      lawfulBasis: 'CONTRACT',
      retentionDays: 730,
      columns: [{ name: 'email' }, { name: 'plan' }],
    });
    expect(result.governance).toMatchObject({
      containsPersonalData: false,
      lawfulBasis: null,
      retentionDays: null,
      columns: [],
    });
    expect(await governanceRow(dataset.id)).toMatchObject({
      contains_personal_data: 0,
      lawful_basis: null,
      retention_days: null,
      columns: '[]',
    });
    const events = await auditEvents(org.orgId, { action: 'dataset.governanceSet' });
    expect(events.map((event) => [event.before, event.after])).toEqual([
      [
        null,
        {
          containsPersonalData: true,
          lawfulBasis: 'CONTRACT',
          retentionDays: 730,
          columns: ['email', 'plan'],
        },
      ],
      [
        {
          containsPersonalData: true,
          lawfulBasis: 'CONTRACT',
          retentionDays: 730,
          columns: ['email', 'plan'],
        },
        { containsPersonalData: false, lawfulBasis: null, retentionDays: null, columns: [] },
      ],
    ]);
  });

  const badInputs: [string, (datasetId: string) => Record<string, unknown>, string, string[]][] = [
    [
      'a retention of 0 days',
      (datasetId) => ({ datasetId, governance: { ...PERSONAL, retentionDays: 0 } }),
      'ValidationError',
      ['input', 'governance', 'retentionDays'],
    ],
    [
      'a retention over 100 years',
      (datasetId) => ({ datasetId, governance: { ...PERSONAL, retentionDays: 36_501 } }),
      'ValidationError',
      ['input', 'governance', 'retentionDays'],
    ],
    [
      'a column listed twice',
      (datasetId) => ({
        datasetId,
        governance: { ...PERSONAL, columns: [{ name: 'email' }, { name: 'email' }] },
      }),
      'ValidationError',
      ['input', 'governance', 'columns', '1', 'name'],
    ],
    [
      'a blank column name',
      (datasetId) => ({ datasetId, governance: { ...PERSONAL, columns: [{ name: '  ' }] } }),
      'ValidationError',
      ['input', 'governance', 'columns', '0', 'name'],
    ],
    [
      'more than 20 sample values',
      (datasetId) => ({
        datasetId,
        governance: {
          ...PERSONAL,
          columns: [{ name: 'email', sampleValues: Array.from({ length: 21 }, (_, i) => `${i}`) }],
        },
      }),
      'ValidationError',
      ['input', 'governance', 'columns', '0', 'sampleValues'],
    ],
    [
      'a reason over 2,000 characters',
      (datasetId) => ({ datasetId, governance: PERSONAL, reason: 'x'.repeat(2001) }),
      'ValidationError',
      ['input', 'reason'],
    ],
    [
      'an unknown dataset',
      () => ({ datasetId: unknownId('Dataset'), governance: PERSONAL }),
      'NotFoundError',
      ['input', 'datasetId'],
    ],
    [
      'the id of a model',
      () => ({ datasetId: unknownId('Model'), governance: PERSONAL }),
      'NotFoundError',
      ['input', 'datasetId'],
    ],
    [
      'a malformed id',
      () => ({ datasetId: 'not-an-id', governance: PERSONAL }),
      'NotFoundError',
      ['input', 'datasetId'],
    ],
  ];

  it.each(badInputs)(
    'refuses %s as a typed error with its path, writing nothing',
    async (_, input, typename, path) => {
      // given a declared dataset
      const org = await createTestOrg();
      const dataset = await seedDataset(org, 'crm-export');
      const datasetId = globalId('Dataset', dataset.id);
      await setGovernance(org, { datasetId, governance: { containsPersonalData: false } });
      const before = await rowCounts(org.orgId);
      const declaration = await governanceRow(dataset.id);

      // when
      const result = await setGovernance(org, input(datasetId));

      // then
      expect(result).toMatchObject({ __typename: typename, path });
      await expectNothingWritten(org.orgId, before);
      expect(await governanceRow(dataset.id)).toEqual(declaration);
    },
  );

  it('refuses an unknown lawful basis before it runs', async () => {
    // given
    const org = await createTestOrg();
    const dataset = await seedDataset(org, 'crm-export');
    const before = await rowCounts(org.orgId);

    // when
    const result = await gql(org.tokens.EDITOR, DatasetGovernanceSet, {
      input: {
        datasetId: globalId('Dataset', dataset.id),
        governance: { containsPersonalData: true, lawfulBasis: 'BECAUSE' },
      },
    });

    // then
    expect(result.data ?? null).toBeNull();
    expect(result.errors?.[0]?.message).toContain('BECAUSE');
    await expectNothingWritten(org.orgId, before);
    expect(await governanceRow(dataset.id)).toBeNull();
  });

  it('cannot touch another organization’s dataset, writing nothing in either', async () => {
    // given
    const owner = await createTestOrg('owner');
    const intruder = await createTestOrg('intruder');
    const dataset = await seedDataset(owner, 'crm-export');
    const beforeOwner = await rowCounts(owner.orgId);
    const beforeIntruder = await rowCounts(intruder.orgId);

    // when
    const result = await setGovernance(
      intruder,
      { datasetId: globalId('Dataset', dataset.id), governance: PERSONAL },
      intruder.tokens.ADMIN,
    );

    // then
    expect(result).toMatchObject({ __typename: 'NotFoundError', path: ['input', 'datasetId'] });
    await expectNothingWritten(owner.orgId, beforeOwner);
    await expectNothingWritten(intruder.orgId, beforeIntruder);
    expect(await governanceRow(dataset.id)).toBeNull();
  });

  it('writes neither the declaration nor its audit row when another declaration landed since the read', async () => {
    // given a declaration read at one time, then replaced by another
    const org = await createTestOrg();
    const dataset = await seedDataset(org, 'crm-export');
    const datasetId = globalId('Dataset', dataset.id);
    await setGovernance(org, { datasetId, governance: PERSONAL });
    const read = (await governanceRow(dataset.id)) as { declared_at: string };
    await setGovernance(org, { datasetId, governance: { containsPersonalData: false } });
    const current = await governanceRow(dataset.id);
    const before = await rowCounts(org.orgId);

    // when a write based on the first read is sent, as the service sends it
    const db = testDb();
    const stale = datasetGovernanceUnchangedSince(dataset.id, read.declared_at);
    const results = await runBatch(env.DB, [
      insertAuditEventWhere(
        db,
        {
          orgId: org.orgId,
          actorId: org.userIds.EDITOR,
          action: 'dataset.governanceSet',
          subjectId: dataset.id,
          subjectKind: 'Dataset',
        },
        stale,
      ),
      upsertDatasetGovernanceWhere(
        db,
        {
          dataset_id: dataset.id,
          org_id: org.orgId,
          contains_personal_data: 1,
          lawful_basis: 'CONSENT',
          retention_days: 1,
          columns: '[]',
          declared_at: new Date().toISOString(),
          declared_by: org.userIds.EDITOR,
        },
        stale,
      ),
    ]);

    // then
    expect(results.map((result) => result.meta.changes)).toEqual([0, 0]);
    await expectNothingWritten(org.orgId, before);
    expect(await governanceRow(dataset.id)).toEqual(current);
  });
});

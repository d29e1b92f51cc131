import { type RawBuilder, sql } from 'kysely';
import type { Db } from '../../db/db.ts';
import type { DatasetGovernanceTable } from '../dataset/dataset.table.ts';
import { selectGroupedPages } from '../grouped-pages.ts';
import { jsonKeys } from '../keys.ts';
import type { PageRequest } from '../paging.ts';
import type {
  ApprovalTable,
  ComplianceCheckTable,
  ErasureRequestTable,
  PromotionPolicyTable,
} from './governance.table.ts';

// Approvals

export function insertApproval(db: Db, row: ApprovalTable) {
  return db.insertInto('approval').values(row);
}

export function findApprovalsByIds(db: Db, orgId: string, ids: readonly string[]) {
  return db
    .selectFrom('approval')
    .selectAll()
    .where('id', 'in', jsonKeys(ids))
    .where('org_id', '=', orgId)
    .execute();
}

/** Pending requests of an organization, oldest first (ids are time-ordered). */
export function findPendingApprovalPage(db: Db, orgId: string, page: PageRequest) {
  let query = db
    .selectFrom('approval')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('state', '=', 'PENDING');
  if (page.after) query = query.where('id', '>', page.after);
  if (page.before) query = query.where('id', '<', page.before);
  return query
    .orderBy('id', page.inverted ? 'desc' : 'asc')
    .limit(page.limit)
    .execute();
}

/** One page of approvals per version (or per model), for a whole level of parents at once. */
export function findApprovalPages(
  db: Db,
  orgId: string,
  query: { groupBy: 'model_version_id' | 'model_id'; ids: readonly string[] },
  page: PageRequest,
) {
  return selectGroupedPages<ApprovalTable>(
    db,
    db
      .selectFrom('approval')
      .selectAll()
      .where(query.groupBy, 'in', jsonKeys(query.ids))
      .where('org_id', '=', orgId),
    { group: query.groupBy, id: 'id' },
    page,
  );
}

export function findApprovalsOfVersion(
  db: Db,
  orgId: string,
  versionId: string,
  states: readonly string[],
) {
  return db
    .selectFrom('approval')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('model_version_id', '=', versionId)
    .where('state', 'in', jsonKeys(states))
    .orderBy('id')
    .execute();
}

/** True while the approval is still pending, evaluated when the statement runs. */
export function approvalIsPending(approvalId: string): RawBuilder<unknown> {
  return sql`EXISTS (SELECT 1 FROM approval WHERE id = ${approvalId} AND state = 'PENDING')`;
}

/** Records the decision, only if nobody decided first (the compare-and-set of a review). */
export function decideApproval(
  db: Db,
  decision: {
    id: string;
    state: 'APPROVED' | 'REJECTED';
    reviewedBy: string;
    reviewedByName: string | null;
    reviewedAt: string;
    notes: string | null;
  },
) {
  return db
    .updateTable('approval')
    .set({
      state: decision.state,
      reviewed_by: decision.reviewedBy,
      reviewed_by_name: decision.reviewedByName,
      reviewed_at: decision.reviewedAt,
      review_notes: decision.notes,
    })
    .where('id', '=', decision.id)
    .where('state', '=', 'PENDING');
}

export function updateApprovalEvidence(db: Db, approvalId: string, evidence: string) {
  return db
    .updateTable('approval')
    .set({ evidence })
    .where('id', '=', approvalId)
    .where('state', '=', 'PENDING');
}

/**
 * The APPROVED_BY edge of a decision, inserted only while the approval is still pending (so a lost
 * race writes no edge) and only if the reviewer has no live APPROVED_BY edge to the version yet
 * (an earlier approval by the same reviewer already records it).
 */
export function insertApprovedByEdgeWhilePending(
  db: Db,
  edge: {
    id: string;
    orgId: string;
    versionId: string;
    reviewerId: string;
    approvalId: string;
    createdAt: string;
  },
) {
  return sql`
    INSERT INTO edge (id, org_id, type, src_id, src_kind, dst_id, dst_kind, properties, created_at, created_by)
    SELECT ${edge.id}, ${edge.orgId}, 'APPROVED_BY', ${edge.versionId}, 'ModelVersion',
      ${edge.reviewerId}, 'User', ${JSON.stringify({ approvalId: edge.approvalId })},
      ${edge.createdAt}, ${edge.reviewerId}
    WHERE ${approvalIsPending(edge.approvalId)}
      AND NOT EXISTS (
        SELECT 1 FROM edge WHERE src_id = ${edge.versionId} AND type = 'APPROVED_BY'
          AND dst_id = ${edge.reviewerId} AND removed_at IS NULL
      )
  `.compile(db);
}

// Compliance checks

export function insertComplianceCheck(db: Db, row: ComplianceCheckTable) {
  return db.insertInto('compliance_check').values(row);
}

/** A check row written only while its approval is still pending (re-runs race with reviews). */
export function insertComplianceCheckWhilePending(db: Db, row: ComplianceCheckTable) {
  return sql`
    INSERT INTO compliance_check (id, org_id, model_version_id, approval_id, check_type, status, summary, findings, details, run_by, created_at)
    SELECT ${row.id}, ${row.org_id}, ${row.model_version_id}, ${row.approval_id}, ${row.check_type},
      ${row.status}, ${row.summary}, ${row.findings}, ${row.details}, ${row.run_by}, ${row.created_at}
    WHERE ${approvalIsPending(row.approval_id ?? '')}
  `.compile(db);
}

/** The latest result of each check type of each approval, in one statement for many approvals. */
export function findLatestChecksByApprovalIds(db: Db, orgId: string, ids: readonly string[]) {
  const inner = db
    .selectFrom('compliance_check')
    .selectAll()
    .select((eb) =>
      eb.fn
        .agg<number>('row_number')
        .over((over) => over.partitionBy(['approval_id', 'check_type']).orderBy('id', 'desc'))
        .as('rn'),
    )
    .where('approval_id', 'in', jsonKeys(ids))
    .where('org_id', '=', orgId);
  return db
    .selectFrom(inner.as('c'))
    .selectAll()
    .where('rn', '=', 1)
    .orderBy('approval_id')
    .orderBy('check_type')
    .orderBy('id')
    .execute() as Promise<(ComplianceCheckTable & { rn: number })[]>;
}

/** One page of every check run of each version, oldest first. */
export function findCheckPagesByVersionIds(
  db: Db,
  orgId: string,
  ids: readonly string[],
  page: PageRequest,
) {
  return selectGroupedPages<ComplianceCheckTable>(
    db,
    db
      .selectFrom('compliance_check')
      .selectAll()
      .where('model_version_id', 'in', jsonKeys(ids))
      .where('org_id', '=', orgId),
    { group: 'model_version_id', id: 'id' },
    page,
  );
}

// Promotion policy

export function findPromotionPolicy(db: Db, orgId: string) {
  return db
    .selectFrom('promotion_policy')
    .selectAll()
    .where('org_id', '=', orgId)
    .executeTakeFirst();
}

export function upsertPromotionPolicy(db: Db, row: PromotionPolicyTable) {
  return db
    .insertInto('promotion_policy')
    .values(row)
    .onConflict((oc) =>
      oc.column('org_id').doUpdateSet({
        require_approval: row.require_approval,
        required_checks: row.required_checks,
        updated_at: row.updated_at,
        updated_by: row.updated_by,
      }),
    );
}

// Dataset governance and erasure

export function findDatasetGovernanceByIds(db: Db, orgId: string, ids: readonly string[]) {
  return db
    .selectFrom('dataset_governance')
    .selectAll()
    .where('dataset_id', 'in', jsonKeys(ids))
    .where('org_id', '=', orgId)
    .orderBy('dataset_id')
    .execute();
}

/**
 * True while a dataset's declaration is still the one read at `declaredAt` (none, when null): the
 * guard that makes a re-declaration fail, rather than overwrite, when another landed meanwhile.
 */
export function datasetGovernanceUnchangedSince(datasetId: string, declaredAt: string | null) {
  return declaredAt === null
    ? sql<boolean>`NOT EXISTS (SELECT 1 FROM dataset_governance WHERE dataset_id = ${datasetId})`
    : sql<boolean>`EXISTS (SELECT 1 FROM dataset_governance WHERE dataset_id = ${datasetId} AND declared_at = ${declaredAt})`;
}

/** Writes (or replaces) a declaration only when `condition` holds as the statement runs. */
export function upsertDatasetGovernanceWhere(
  db: Db,
  row: DatasetGovernanceTable,
  condition: RawBuilder<unknown>,
) {
  return sql`
    INSERT INTO dataset_governance
      (dataset_id, org_id, contains_personal_data, lawful_basis, retention_days, columns, declared_at, declared_by)
    SELECT ${row.dataset_id}, ${row.org_id}, ${row.contains_personal_data}, ${row.lawful_basis},
      ${row.retention_days}, ${row.columns}, ${row.declared_at}, ${row.declared_by}
    WHERE ${condition}
    ON CONFLICT (dataset_id) DO UPDATE SET
      contains_personal_data = excluded.contains_personal_data, lawful_basis = excluded.lawful_basis,
      retention_days = excluded.retention_days, columns = excluded.columns,
      declared_at = excluded.declared_at, declared_by = excluded.declared_by
  `.compile(db);
}

export function findErasureRequestsByDatasetIds(db: Db, orgId: string, ids: readonly string[]) {
  return db
    .selectFrom('erasure_request')
    .selectAll()
    .where('dataset_id', 'in', jsonKeys(ids))
    .where('org_id', '=', orgId)
    .orderBy('id')
    .execute();
}

export function insertErasureRequest(db: Db, row: ErasureRequestTable) {
  return db.insertInto('erasure_request').values(row);
}

// Artifacts, as the SECURITY check sees them

/**
 * A version's artifacts for the SECURITY check, in one statement: up to `limit` of each status
 * (oldest first), each row carrying how many of its status there are in all.
 */
export function findVersionArtifactsForCheck(
  db: Db,
  orgId: string,
  versionId: string,
  limit: number,
) {
  const inner = db
    .selectFrom('artifact')
    .select(['id', 'name', 'sha256', 'size_bytes', 'r2_key', 'status'])
    .select((eb) => [
      eb.fn
        .agg<number>('row_number')
        .over((over) => over.partitionBy('status').orderBy('id'))
        .as('rn'),
      eb.fn
        .countAll<number>()
        .over((over) => over.partitionBy('status'))
        .as('of_status'),
    ])
    .where('version_id', '=', versionId)
    .where('org_id', '=', orgId);
  return db
    .selectFrom(inner.as('a'))
    .selectAll()
    .where('rn', '<=', limit)
    .orderBy('status')
    .orderBy('id')
    .execute();
}

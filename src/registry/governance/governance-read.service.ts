// Reads of approvals, check results and dataset declarations for both APIs, as domain objects; lists
// of many parents are one statement each, answered in the order of the ids asked for.
import type { Viewer } from '../../auth/viewer.ts';
import type { Deps } from '../deps.ts';
import { groupRows, type PageRequest } from '../paging.ts';
import {
  findApprovalPages,
  findApprovalsByIds,
  findCheckPagesByVersionIds,
  findDatasetGovernanceByIds,
  findErasureRequestsByDatasetIds,
  findLatestChecksByApprovalIds,
  findPendingApprovalPage,
} from './governance.repository.ts';
import {
  type Approval,
  type ComplianceCheck,
  type DatasetGovernance,
  type ErasureRequest,
  toApproval,
  toComplianceCheck,
  toDatasetGovernance,
  toErasureRequest,
} from './governance.ts';

/** The caller's approval requests among `ids` (others are missing). */
export async function approvalsByIds(
  deps: Pick<Deps, 'db'>,
  viewer: Viewer,
  ids: readonly string[],
): Promise<Approval[]> {
  return (await findApprovalsByIds(deps.db, viewer.orgId, ids)).map(toApproval);
}

/** One page of requests waiting for a reviewer in the caller's organization, oldest first. */
export async function pendingApprovalPage(
  deps: Pick<Deps, 'db'>,
  viewer: Viewer,
  page: PageRequest,
): Promise<Approval[]> {
  return (await findPendingApprovalPage(deps.db, viewer.orgId, page)).map(toApproval);
}

/** One page of approval requests of each version (or of all the versions of each model). */
export async function approvalPagesOf(
  deps: Pick<Deps, 'db'>,
  viewer: Viewer,
  query: { of: 'version' | 'model'; ids: readonly string[] },
  page: PageRequest,
): Promise<Approval[][]> {
  const groupBy = query.of === 'version' ? 'model_version_id' : 'model_id';
  const rows = await findApprovalPages(deps.db, viewer.orgId, { groupBy, ids: query.ids }, page);
  return groupRows(query.ids, rows, (row) => row.group_id).map((group) => group.map(toApproval));
}

/** The latest result of each check type of each request, by check type. */
export async function latestChecksOf(
  deps: Pick<Deps, 'db'>,
  viewer: Viewer,
  approvalIds: readonly string[],
): Promise<ComplianceCheck[][]> {
  if (approvalIds.length === 0) return [];
  const rows = await findLatestChecksByApprovalIds(deps.db, viewer.orgId, approvalIds);
  return groupRows(approvalIds, rows, (row) => row.approval_id ?? '').map((group) =>
    group.map(toComplianceCheck),
  );
}

/** One page of every check run of each version, with or without a request, oldest first. */
export async function checkPagesOfVersions(
  deps: Pick<Deps, 'db'>,
  viewer: Viewer,
  versionIds: readonly string[],
  page: PageRequest,
): Promise<ComplianceCheck[][]> {
  const rows = await findCheckPagesByVersionIds(deps.db, viewer.orgId, versionIds, page);
  return groupRows(versionIds, rows, (row) => row.group_id).map((group) =>
    group.map(toComplianceCheck),
  );
}

/** Each dataset's GDPR declaration, or null when it declared none. */
export async function datasetGovernanceOf(
  deps: Pick<Deps, 'db'>,
  viewer: Viewer,
  datasetIds: readonly string[],
): Promise<(DatasetGovernance | null)[]> {
  const rows = await findDatasetGovernanceByIds(deps.db, viewer.orgId, datasetIds);
  return groupRows(datasetIds, rows, (row) => row.dataset_id).map((group) =>
    group[0] ? toDatasetGovernance(group[0]) : null,
  );
}

/** Each dataset's erasure request (the first one filed), or null. */
export async function erasureRequestsOf(
  deps: Pick<Deps, 'db'>,
  viewer: Viewer,
  datasetIds: readonly string[],
): Promise<(ErasureRequest | null)[]> {
  const rows = await findErasureRequestsByDatasetIds(deps.db, viewer.orgId, datasetIds);
  return groupRows(datasetIds, rows, (row) => row.dataset_id).map((group) =>
    group[0] ? toErasureRequest(group[0]) : null,
  );
}

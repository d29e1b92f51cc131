// Reads of the audit trail for both APIs, as domain objects.
import type { Viewer } from '../../auth/viewer.ts';
import type { Deps } from '../deps.ts';
import { groupRows, type PageRequest } from '../paging.ts';
import {
  findAliasMovePages,
  findAliasMovesInEffect,
  findAuditEventPage,
} from './audit.repository.ts';
import { type AuditEvent, toAuditEvent } from './audit.ts';

/** One page of the caller's organization's audit trail (or one subject's), oldest first. */
export async function auditEventPage(
  deps: Pick<Deps, 'db'>,
  viewer: Viewer,
  filter: { subjectId: string | null; actions: readonly string[] | null },
  page: PageRequest,
): Promise<AuditEvent[]> {
  return (await findAuditEventPage(deps.db, viewer.orgId, filter, page)).map(toAuditEvent);
}

/** One page of the alias moves of each model (or of one of its aliases), oldest first. */
export async function aliasMovePagesOf(
  deps: Pick<Deps, 'db'>,
  viewer: Viewer,
  query: { modelIds: readonly string[]; alias: string | null },
  page: PageRequest,
): Promise<AuditEvent[][]> {
  const rows = await findAliasMovePages(deps.db, viewer.orgId, query, page);
  return groupRows(query.modelIds, rows, (row) => row.subject_id).map((group) =>
    group.map(toAuditEvent),
  );
}

/** For each model, the move of `alias` in effect at `at` (its last one by then), or null. */
export async function aliasMovesInEffect(
  deps: Pick<Deps, 'db'>,
  viewer: Viewer,
  query: { modelIds: readonly string[]; alias: string; at: Date },
): Promise<(AuditEvent | null)[]> {
  const rows = await findAliasMovesInEffect(deps.db, viewer.orgId, {
    modelIds: query.modelIds,
    alias: query.alias,
    at: query.at.toISOString(),
  });
  return groupRows(query.modelIds, rows, (row) => row.subject_id).map((group) =>
    group[0] ? toAuditEvent(group[0]) : null,
  );
}

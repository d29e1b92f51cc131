import { sql } from 'kysely';
import type { Db } from '../../db/db.ts';
import type { MetricAlertTable } from './metrics.table.ts';

/** Organizations the alert job looks at: metric points in its windows, or an alert still open. */
export async function findOrganizationsToEvaluate(db: Db, from: string, to: string) {
  const rows = await sql<{ org_id: string }>`
    SELECT DISTINCT org_id FROM metric_point WHERE recorded_at >= ${from} AND recorded_at < ${to}
    UNION
    SELECT org_id FROM metric_alert WHERE status = 'OPEN'
    ORDER BY org_id
  `.execute(db);
  return rows.rows.map((row) => row.org_id);
}

export function findOpenAlerts(db: Db, orgId: string) {
  return db
    .selectFrom('metric_alert')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('status', '=', 'OPEN')
    .orderBy('opened_at')
    .orderBy('id')
    .execute();
}

/** The organization's open alerts and those cleared at or after `clearedSince`, newest first. */
export function findRecordedAlerts(
  db: Db,
  orgId: string,
  clearedSince: string,
  modelId: string | null,
) {
  let query = db
    .selectFrom('metric_alert')
    .selectAll()
    .where('org_id', '=', orgId)
    .where((eb) =>
      eb.or([
        eb('status', '=', 'OPEN'),
        eb.and([eb('status', '=', 'CLEARED'), eb('cleared_at', '>=', clearedSince)]),
      ]),
    );
  if (modelId !== null) query = query.where('model_id', '=', modelId);
  return query.orderBy('opened_at', 'desc').orderBy('id', 'desc').limit(500).execute();
}

export function insertAlert(db: Db, row: MetricAlertTable) {
  return db.insertInto('metric_alert').values(row);
}

/** An open alert found again: its statistics are refreshed, nothing is announced. */
export function refreshAlert(db: Db, id: string, statistics: string, at: string) {
  return db
    .updateTable('metric_alert')
    .set({ statistics, evaluated_at: at })
    .where('id', '=', id)
    .where('status', '=', 'OPEN');
}

export function clearAlert(db: Db, id: string, at: string) {
  return db
    .updateTable('metric_alert')
    .set({ status: 'CLEARED', cleared_at: at, evaluated_at: at })
    .where('id', '=', id)
    .where('status', '=', 'OPEN');
}

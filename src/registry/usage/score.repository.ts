import { sql } from 'kysely';
import type { Db } from '../../db/db.ts';
import { jsonKeys } from '../keys.ts';
import type { InferenceScoreTable } from './usage.table.ts';

/** The score's name in SQL that feeds inference_request.quality (docs/usage.md). */
export const QUALITY_SCORE_NAME = 'quality';

/** Sets the score of (request, name, source); the row keeps its id when it existed. */
export function upsertScore(db: Db, row: InferenceScoreTable) {
  return db
    .insertInto('inference_score')
    .values(row)
    .onConflict((oc) =>
      oc.columns(['request_id', 'name', 'source']).doUpdateSet({
        value: row.value,
        comment: row.comment,
        created_at: row.created_at,
        created_by: row.created_by,
      }),
    );
}

/** The request's quality becomes the mean of its "quality" scores (after the upsert, same batch). */
export function setQualityFromScores(db: Db, orgId: string, requestId: string) {
  return sql`
    UPDATE inference_request SET quality = (
      SELECT avg(value) FROM inference_score
      WHERE request_id = ${requestId} AND name = ${QUALITY_SCORE_NAME}
    )
    WHERE id = ${requestId} AND org_id = ${orgId}
  `.compile(db);
}

export function findScoresByRequestIds(db: Db, orgId: string, requestIds: readonly string[]) {
  return db
    .selectFrom('inference_score')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('request_id', 'in', jsonKeys(requestIds))
    .orderBy('request_id')
    .orderBy('name')
    .orderBy('source')
    .orderBy('id')
    .execute();
}

export function findRequestById(db: Db, orgId: string, id: string) {
  return db
    .selectFrom('inference_request')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
}

export function findRequestBySpan(db: Db, orgId: string, traceId: string, spanId: string) {
  return db
    .selectFrom('inference_request')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('trace_id', '=', traceId)
    .where('span_id', '=', spanId)
    .executeTakeFirst();
}

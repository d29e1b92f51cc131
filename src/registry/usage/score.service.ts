// Scores after the fact (inferenceScore): a request, found by its id or by the span it was recorded
// from, gets named scores from its end user, a model judge or a human reviewer. Scores named
// "quality" feed the request's quality (their mean), which usage, ROI and A/B reports read.
import type { Viewer } from '../../auth/viewer.ts';
import { runBatch } from '../../db/batch.ts';
import type { Deps } from '../deps.ts';
import { NotFoundError, ValidationError } from '../errors.ts';
import { claimWrites, type IdempotencyClaim } from '../idempotency/idempotency.service.ts';
import { newId } from '../ids.ts';
import { requireFinite } from '../metrics/metrics.service.ts';
import { requireName } from '../validate.ts';
import {
  findRequestById,
  findRequestBySpan,
  findScoresByRequestIds,
  QUALITY_SCORE_NAME,
  setQualityFromScores,
  upsertScore,
} from './score.repository.ts';
import type { InferenceScoreTable } from './usage.table.ts';
import {
  type InferenceRequest,
  type InferenceScore,
  SCORE_SOURCES,
  type ScoreSource,
  toInferenceRequest,
  toInferenceScore,
} from './usage.ts';

export interface InferenceScoreInput {
  requestId?: string | null;
  traceId?: string | null;
  spanId?: string | null;
  name: string;
  value: number;
  comment?: string | null;
  source: ScoreSource;
}

export interface ScoredInference {
  score: InferenceScore;
  /** The request after the score (its quality changed when the score is named "quality"). */
  request: InferenceRequest;
}

const MAX_COMMENT = 2000;

/** Sets the score of (request, name, source) in one batch with the quality it feeds. */
export async function scoreInference(
  deps: Pick<Deps, 'db' | 'd1'>,
  viewer: Viewer,
  input: InferenceScoreInput,
  claim?: IdempotencyClaim,
): Promise<ScoredInference> {
  const bySpan = !!(input.traceId || input.spanId);
  if (!!input.requestId === bySpan) {
    throw new ValidationError('Give requestId, or traceId with spanId', []);
  }
  if (bySpan && !(input.traceId && input.spanId)) {
    throw new ValidationError('Give both traceId and spanId', [
      input.traceId ? 'spanId' : 'traceId',
    ]);
  }
  const name = requireName(input.name, ['name'], { max: 100 });
  const value = requireFinite(input.value, ['value']);
  if (!(SCORE_SOURCES as readonly string[]).includes(input.source)) {
    throw new ValidationError(`Must be one of ${SCORE_SOURCES.join(', ')}`, ['source']);
  }
  const comment = input.comment ?? null;
  if (comment !== null && comment.length > MAX_COMMENT) {
    throw new ValidationError(`Must be at most ${MAX_COMMENT} characters`, ['comment']);
  }
  const request = input.requestId
    ? await findRequestById(deps.db, viewer.orgId, input.requestId)
    : await findRequestBySpan(
        deps.db,
        viewer.orgId,
        (input.traceId as string).toLowerCase(),
        (input.spanId as string).toLowerCase(),
      );
  if (!request) {
    throw input.requestId
      ? new NotFoundError('No request with this id', ['requestId'], input.requestId)
      : new NotFoundError('No request was recorded from this span', ['spanId'], input.spanId);
  }
  const scores = await findScoresByRequestIds(deps.db, viewer.orgId, [request.id]);
  const before = scores.find((s) => s.name === name && s.source === input.source);
  const row: InferenceScoreTable = {
    id: before?.id ?? newId(),
    org_id: viewer.orgId,
    request_id: request.id,
    name,
    value,
    comment,
    source: input.source,
    created_at: new Date().toISOString(),
    created_by: viewer.userId,
  };
  const feedsQuality = name === QUALITY_SCORE_NAME;
  // The quality the batch's UPDATE computes: the mean of the request's quality scores after this one.
  const qualities = [
    ...scores.filter((s) => s.name === QUALITY_SCORE_NAME && s.id !== row.id).map((s) => s.value),
    value,
  ];
  const quality = feedsQuality
    ? qualities.reduce((sum, v) => sum + v, 0) / qualities.length
    : request.quality;
  const result: ScoredInference = {
    score: toInferenceScore(row),
    request: toInferenceRequest({ ...request, quality }),
  };
  await runBatch(deps.d1, [
    ...claimWrites(deps.db, claim, result),
    upsertScore(deps.db, row),
    ...(feedsQuality ? [setQualityFromScores(deps.db, viewer.orgId, request.id)] : []),
  ]);
  return result;
}

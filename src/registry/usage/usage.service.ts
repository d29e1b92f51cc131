import type { Viewer } from '../../auth/viewer.ts';
import { runBatch } from '../../db/batch.ts';
import type { EventSink } from '../../ports/event-sink.ts';
import { insertAuditEvent } from '../audit/audit.repository.ts';
import { reserveBudgets } from '../budget/budget.service.ts';
import type { Deps } from '../deps.ts';
import { ConflictError, NotFoundError, RegistryError, ValidationError } from '../errors.ts';
import {
  claimWrites,
  hashCanonical,
  type IdempotencyClaim,
  requireIdempotencyKey,
  withoutKey,
} from '../idempotency/idempotency.service.ts';
import { newId, nowIso } from '../ids.ts';
import { requireFinite, requireTimestamp } from '../metrics/metrics.service.ts';
import { requireName } from '../validate.ts';
import {
  deleteRepricePending,
  findPrice,
  findPricesOfProviders,
  findRepricePending,
  findTrackingReferences,
  findUnpricedRequests,
  insertInferenceRequests,
  insertRepricePending,
  insertUnmatchedInferences,
  patternToGlob,
  REQUESTS_PER_STATEMENT,
  repriceRequests,
  upsertPrice,
} from './usage.repository.ts';
import type {
  InferenceRequestTable,
  ModelPriceTable,
  UnmatchedInferenceTable,
} from './usage.table.ts';
import {
  computeCost,
  type InferenceRequest,
  type InferenceStatus,
  type ModelPrice,
  pickPrice,
  toInferenceRequest,
  toModelPrice,
} from './usage.ts';

/** Requests per inferenceTrack call: one D1 batch of at most four INSERT statements. */
export const MAX_REQUESTS_PER_BATCH = 1000;
/** Largest token count of one request; above it the number is a bug, not a request. */
const MAX_TOKENS = 100_000_000;
/** Largest latency of one request: a day. */
const MAX_LATENCY_MS = 86_400_000;
/** Largest price per million tokens we accept (USD). */
const MAX_PRICE = 1_000_000;

export interface InferenceTrackInput {
  /** Null only through trackEachInference: the request is then kept as unmatched (no model). */
  modelId: string | null;
  versionId?: string | null;
  deploymentId?: string | null;
  experimentId?: string | null;
  provider: string;
  providerModel: string;
  latencyMs: number;
  inputTokens: number;
  outputTokens: number;
  cachedTokens?: number | null;
  reasoningTokens?: number | null;
  costUsd?: number | null;
  quality?: number | null;
  status: InferenceStatus;
  idempotencyKey?: string | null;
  timestamp?: Date | null;
  /** The W3C trace (32 hex digits) and span (16) it came from: recorded once per organization. */
  traceId?: string | null;
  spanId?: string | null;
  /** The application's end user, free text (1 to 200 characters). */
  endUserId?: string | null;
}

export interface TrackedInference {
  request: InferenceRequest;
  /** True when the idempotency key was already recorded: this is the first result, not a new row. */
  deduplicated: boolean;
}

/** What became of one input of trackEachInference. */
export type InferenceOutcome =
  | { status: 'RECORDED'; tracked: TrackedInference }
  /** No model: kept as unmatched usage (unmatchedUsage), recorded once per span. */
  | { status: 'UNMATCHED'; deduplicated: boolean }
  | { status: 'REJECTED'; error: RegistryError };

function tokens(value: number | null | undefined, path: readonly string[]): number {
  const count = value ?? 0;
  if (!Number.isInteger(count)) throw new ValidationError('Must be a whole number', path);
  return requireFinite(count, path, { min: 0, max: MAX_TOKENS });
}

/**
 * Records LLM requests, all or nothing, in one D1 batch. The cost is the one given, or computed
 * from the price table at the request's time, or left unpriced (null, never $0). A request whose
 * idempotency key (or trace and span id) is already recorded is not recorded again: the first
 * result is returned, with `deduplicated`. Each new request is also written to Analytics Engine
 * after the commit.
 */
export async function trackInferences(
  deps: Pick<Deps, 'db' | 'd1' | 'budgetCounters'>,
  viewer: Viewer,
  sink: EventSink,
  inputs: readonly InferenceTrackInput[],
  claim?: IdempotencyClaim,
): Promise<TrackedInference[]> {
  const outcomes = await trackWithRetry(deps, viewer, sink, inputs, claim, 'ALL');
  return outcomes.map((outcome) => {
    // ALL mode throws instead of rejecting and refuses a missing model.
    if (outcome.status !== 'RECORDED') throw new Error('Unexpected outcome in ALL mode');
    return outcome.tracked;
  });
}

/**
 * The same rules request by request, as OTLP exports need them: each input is recorded whole,
 * kept as unmatched (modelId null) or rejected with its error; the valid ones of the call land in
 * one D1 batch, and a rejected one writes nothing.
 */
export function trackEachInference(
  deps: Pick<Deps, 'db' | 'd1' | 'budgetCounters'>,
  viewer: Viewer,
  sink: EventSink,
  inputs: readonly InferenceTrackInput[],
): Promise<InferenceOutcome[]> {
  return trackWithRetry(deps, viewer, sink, inputs, undefined, 'EACH');
}

type TrackMode = 'ALL' | 'EACH';

async function trackWithRetry(
  deps: Pick<Deps, 'db' | 'd1' | 'budgetCounters'>,
  viewer: Viewer,
  sink: EventSink,
  inputs: readonly InferenceTrackInput[],
  claim: IdempotencyClaim | undefined,
  mode: TrackMode,
): Promise<InferenceOutcome[]> {
  // A key or span that a concurrent call stored between our read and our batch fails the batch
  // whole (the inserts have no ON CONFLICT): start over, and it is then replayed or refused.
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await trackInferencesOnce(deps, viewer, sink, inputs, claim, mode);
    } catch (error) {
      const collided = INFERENCE_COLLISIONS.some((message) => String(error).includes(message));
      if (attempt >= 3 || !collided) throw error;
    }
  }
}

const INFERENCE_COLLISIONS = [
  'UNIQUE constraint failed: inference_request.org_id, inference_request.idempotency_key',
  'UNIQUE constraint failed: inference_request.org_id, inference_request.trace_id',
  'UNIQUE constraint failed: unmatched_inference.org_id, unmatched_inference.trace_id',
];

const HEX_ID = { traceId: /^[0-9a-f]{32}$/, spanId: /^[0-9a-f]{16}$/ } as const;

/** A trace or span id as W3C Trace Context and OTLP define it: lowercase hex, not all zeros. */
function spanIdOf(value: string | null | undefined, field: 'traceId' | 'spanId', path: string[]) {
  if (value === null || value === undefined) return null;
  const digits = field === 'traceId' ? 32 : 16;
  if (!HEX_ID[field].test(value) || /^0+$/.test(value)) {
    throw new ValidationError(`Must be ${digits} lowercase hex digits, not all zero`, [
      ...path,
      field,
    ]);
  }
  return value;
}

async function trackInferencesOnce(
  deps: Pick<Deps, 'db' | 'd1' | 'budgetCounters'>,
  viewer: Viewer,
  sink: EventSink,
  inputs: readonly InferenceTrackInput[],
  claim: IdempotencyClaim | undefined,
  mode: TrackMode,
): Promise<InferenceOutcome[]> {
  if (inputs.length === 0) throw new ValidationError('Send at least one request', []);
  if (inputs.length > MAX_REQUESTS_PER_BATCH) {
    throw new ValidationError(
      `At most ${MAX_REQUESTS_PER_BATCH} requests per call (got ${inputs.length})`,
      [],
    );
  }
  const now = Date.now();
  const createdAt = new Date(now).toISOString();
  // ALL: the first bad input fails the call. EACH: it is that input's outcome, and the rest go on.
  const outcomes: (InferenceOutcome | null)[] = inputs.map(() => null);
  const attempt = <T>(index: number, check: () => T): T | null => {
    try {
      return check();
    } catch (error) {
      if (mode === 'ALL' || !(error instanceof RegistryError)) throw error;
      outcomes[index] = { status: 'REJECTED', error };
      return null;
    }
  };
  // The same key must come with the same request (its hash, key left out), as for every
  // idempotency key of the API; the stored row then is the first result.
  const hashes = await Promise.all(
    inputs.map((input) =>
      input.idempotencyKey === null || input.idempotencyKey === undefined
        ? null
        : hashCanonical(withoutKey(input)),
    ),
  );
  const drafts = inputs.flatMap((input, index) => {
    const draft = attempt(index, () => validateDraft(input, index, now, mode));
    return draft ? [{ ...draft, index, requestHash: hashes[index] ?? null }] : [];
  });

  // Every referenced node, price, stored key and span, in ONE statement scoped to the caller's
  // organization; a kind no request names is not read.
  const unique = (values: (string | null | undefined)[]) => [
    ...new Set(values.filter((value): value is string => !!value)),
  ];
  const {
    models,
    versions,
    deployments,
    experiments,
    prices,
    existing,
    spanRows,
    unmatchedRows,
    budgets,
  } = await findTrackingReferences(deps.db, viewer.orgId, {
    modelIds: unique(drafts.map((d) => d.input.modelId)),
    versionIds: unique(drafts.map((d) => d.input.versionId)),
    deploymentIds: unique(drafts.map((d) => d.input.deploymentId)),
    experimentIds: unique(drafts.map((d) => d.input.experimentId)),
    pricedProviders: unique(drafts.filter((d) => d.costUsd === null).map((d) => d.provider)),
    idempotencyKeys: unique(drafts.map((d) => d.idempotencyKey)),
    traceIds: unique(drafts.map((d) => d.traceId)),
    budgets: viewer.budgets,
  });
  const modelIds = new Set(models.map((row) => row.id));
  const versionModel = new Map(versions.map((row) => [row.id, row.model_id]));
  const deploymentIds = new Set(deployments.map((row) => row.id));
  const experimentIds = new Set(experiments.map((row) => row.id));
  const stored = new Map(existing.map((row) => [row.idempotency_key as string, row]));
  const spanKey = (traceId: string, spanId: string) => `${traceId}:${spanId}`;
  // A span is recorded once, as a request or as unmatched usage, whichever came first.
  const seenSpans = new Map<string, InferenceRequestTable | 'UNMATCHED'>([
    ...spanRows.map((row) => [spanKey(row.trace_id ?? '', row.span_id ?? ''), row] as const),
    ...unmatchedRows.map((row) => [spanKey(row.trace_id, row.span_id), 'UNMATCHED'] as const),
  ]);

  const fresh: InferenceRequestTable[] = [];
  const unmatched: UnmatchedInferenceTable[] = [];
  const batchKeys = new Map<string, InferenceRequestTable>();
  for (const draft of drafts) {
    const { input, path, index } = draft;
    const span = draft.traceId && draft.spanId ? spanKey(draft.traceId, draft.spanId) : null;
    const seen = span ? seenSpans.get(span) : undefined;
    if (seen) {
      outcomes[index] =
        seen === 'UNMATCHED'
          ? { status: 'UNMATCHED', deduplicated: true }
          : {
              status: 'RECORDED',
              tracked: { request: toInferenceRequest(seen), deduplicated: true },
            };
      continue;
    }
    const checked = attempt(index, () => {
      checkReferences(draft, { modelIds, versionModel, deploymentIds, experimentIds });
      const first = draft.idempotencyKey
        ? (stored.get(draft.idempotencyKey) ?? batchKeys.get(draft.idempotencyKey))
        : undefined;
      if (first && first.request_hash !== null && first.request_hash !== draft.requestHash) {
        throw new ConflictError('This idempotency key was already used for a different request', [
          ...path,
          'idempotencyKey',
        ]);
      }
      return first ?? null;
    });
    if (outcomes[index]) continue;
    if (checked) {
      outcomes[index] = {
        status: 'RECORDED',
        tracked: { request: toInferenceRequest(checked), deduplicated: true },
      };
      continue;
    }
    const attribution = {
      trace_id: draft.traceId,
      span_id: draft.spanId,
      token_id: viewer.tokenId || null,
      end_user_id: draft.endUserId,
    };
    if (input.modelId === null) {
      // Only EACH mode gets here (validateDraft refuses a missing model otherwise), always with a
      // span: the unmatched row is found again by it.
      unmatched.push({
        id: newId(),
        org_id: viewer.orgId,
        provider: draft.provider,
        provider_model: draft.providerModel,
        latency_ms: draft.latencyMs,
        input_tokens: draft.inputTokens,
        output_tokens: draft.outputTokens,
        cached_tokens: draft.cachedTokens,
        reasoning_tokens: draft.reasoningTokens,
        status: input.status,
        trace_id: draft.traceId as string,
        span_id: draft.spanId as string,
        token_id: attribution.token_id,
        end_user_id: attribution.end_user_id,
        requested_at: draft.requestedAt,
        created_at: createdAt,
        created_by: viewer.userId,
      });
      if (span) seenSpans.set(span, 'UNMATCHED');
      outcomes[index] = { status: 'UNMATCHED', deduplicated: false };
      continue;
    }
    const price =
      draft.costUsd === null
        ? pickPrice(prices, draft.provider, draft.providerModel, draft.requestedAt)
        : null;
    const row: InferenceRequestTable = {
      id: newId(),
      org_id: viewer.orgId,
      model_id: input.modelId,
      version_id: input.versionId ?? null,
      deployment_id: input.deploymentId ?? null,
      experiment_id: input.experimentId ?? null,
      provider: draft.provider,
      provider_model: draft.providerModel,
      latency_ms: draft.latencyMs,
      input_tokens: draft.inputTokens,
      output_tokens: draft.outputTokens,
      cached_tokens: draft.cachedTokens,
      reasoning_tokens: draft.reasoningTokens,
      cost_usd: draft.costUsd ?? (price ? computeCost(draft, price) : null),
      cost_source: draft.costUsd !== null ? 'PROVIDED' : price ? 'PRICE_TABLE' : null,
      price_id: price?.id ?? null,
      quality: draft.quality,
      status: input.status,
      idempotency_key: draft.idempotencyKey,
      request_hash: draft.requestHash,
      requested_at: draft.requestedAt,
      created_at: createdAt,
      created_by: viewer.userId,
      ...attribution,
    };
    if (draft.idempotencyKey) batchKeys.set(draft.idempotencyKey, row);
    if (span) seenSpans.set(span, row);
    fresh.push(row);
    outcomes[index] = {
      status: 'RECORDED',
      tracked: { request: toInferenceRequest(row), deduplicated: false },
    };
  }

  const statements = [];
  for (let start = 0; start < fresh.length; start += REQUESTS_PER_STATEMENT) {
    statements.push(
      insertInferenceRequests(deps.db, fresh.slice(start, start + REQUESTS_PER_STATEMENT)),
    );
  }
  for (let start = 0; start < unmatched.length; start += REQUESTS_PER_STATEMENT) {
    statements.push(
      insertUnmatchedInferences(deps.db, unmatched.slice(start, start + REQUESTS_PER_STATEMENT)),
    );
  }
  // A key or span stored concurrently since our read fails the batch (UNIQUE index) and the caller
  // starts over, so after a successful batch every answer is known.
  const results = outcomes.map((outcome) => {
    if (!outcome) throw new Error('An input was left without an outcome');
    return outcome;
  });
  const replay = results.flatMap((outcome) =>
    outcome.status === 'RECORDED' ? [outcome.tracked] : [],
  );
  // Budgets: reserve in their counters first, then write the batch (threshold events in it), and
  // give the reservation back if the batch fails, so D1 and the counters agree. An organization
  // without budgets skips this whole step (viewer.budgets, read by the auth statement); one with
  // budgets had them read with the references above.
  const reservation = await reserveBudgets(
    deps,
    viewer,
    budgets,
    fresh.map((row) => ({
      key: row.idempotency_key
        ? `key:${row.idempotency_key}`
        : row.trace_id && row.span_id
          ? `span:${row.trace_id}:${row.span_id}`
          : `row:${row.id}`,
      modelId: row.model_id,
      experimentId: row.experiment_id,
      tokenId: row.token_id,
      costUsd: row.cost_usd,
      requestedAt: row.requested_at,
    })),
  );
  // A REST Idempotency-Key (the router's claim) lands with the rows, in the same batch.
  try {
    await runBatch(deps.d1, [
      ...claimWrites(deps.db, claim, replay),
      ...statements,
      ...reservation.statements,
    ]);
  } catch (error) {
    await reservation.release();
    throw error;
  }
  for (const row of fresh) writeInferenceEvent(sink, row);
  return results;
}

type Draft = ReturnType<typeof validateDraft> & { index: number; requestHash: string | null };

/** One input checked on its own (no database): its normalised values, or a RegistryError. */
function validateDraft(input: InferenceTrackInput, index: number, now: number, mode: TrackMode) {
  const path = [String(index)];
  if (input.modelId === null && mode === 'ALL') {
    throw new ValidationError('Must name a registered model', [...path, 'modelId']);
  }
  const inputTokens = tokens(input.inputTokens, [...path, 'inputTokens']);
  const outputTokens = tokens(input.outputTokens, [...path, 'outputTokens']);
  const cachedTokens = tokens(input.cachedTokens, [...path, 'cachedTokens']);
  const reasoningTokens = tokens(input.reasoningTokens, [...path, 'reasoningTokens']);
  if (cachedTokens > inputTokens) {
    throw new ValidationError('Cached tokens are part of the input tokens: at most inputTokens', [
      ...path,
      'cachedTokens',
    ]);
  }
  if (reasoningTokens > outputTokens) {
    throw new ValidationError(
      'Reasoning tokens are part of the output tokens: at most outputTokens',
      [...path, 'reasoningTokens'],
    );
  }
  const traceId = spanIdOf(input.traceId, 'traceId', path);
  const spanId = spanIdOf(input.spanId, 'spanId', path);
  if ((traceId === null) !== (spanId === null)) {
    throw new ValidationError('Give both traceId and spanId, or neither', [
      ...path,
      traceId === null ? 'traceId' : 'spanId',
    ]);
  }
  if (input.modelId === null && traceId === null) {
    throw new ValidationError('A request without a model must come from a span', [
      ...path,
      'modelId',
    ]);
  }
  const idempotencyKey =
    input.idempotencyKey === null || input.idempotencyKey === undefined
      ? null
      : requireIdempotencyKey(input.idempotencyKey, [...path, 'idempotencyKey']);
  return {
    path,
    input,
    provider: requireName(input.provider, [...path, 'provider'], { max: 100 }).toLowerCase(),
    providerModel: requireName(input.providerModel, [...path, 'providerModel']),
    latencyMs: requireFinite(input.latencyMs, [...path, 'latencyMs'], {
      min: 0,
      max: MAX_LATENCY_MS,
    }),
    inputTokens,
    outputTokens,
    cachedTokens,
    reasoningTokens,
    costUsd:
      input.costUsd === null || input.costUsd === undefined
        ? null
        : requireFinite(input.costUsd, [...path, 'costUsd'], { min: 0, max: 1_000_000 }),
    quality:
      input.quality === null || input.quality === undefined
        ? null
        : requireFinite(input.quality, [...path, 'quality']),
    idempotencyKey,
    traceId,
    spanId,
    endUserId:
      input.endUserId === null || input.endUserId === undefined
        ? null
        : requireName(input.endUserId, [...path, 'endUserId'], { max: 200 }),
    requestedAt: requireTimestamp(input.timestamp, [...path, 'timestamp'], now),
  };
}

/** The draft's model, version, deployment and experiment exist in the organization. */
function checkReferences(
  draft: Draft,
  known: {
    modelIds: ReadonlySet<string>;
    versionModel: ReadonlyMap<string, string>;
    deploymentIds: ReadonlySet<string>;
    experimentIds: ReadonlySet<string>;
  },
): void {
  const { input, path } = draft;
  if (input.modelId !== null && !known.modelIds.has(input.modelId)) {
    throw new NotFoundError('No model with this id', [...path, 'modelId'], input.modelId, 'Model');
  }
  if (input.versionId && known.versionModel.get(input.versionId) !== input.modelId) {
    throw new NotFoundError(
      'No version of this model with this id',
      [...path, 'versionId'],
      input.versionId,
      'ModelVersion',
    );
  }
  if (input.deploymentId && !known.deploymentIds.has(input.deploymentId)) {
    throw new NotFoundError(
      'No deployment with this id',
      [...path, 'deploymentId'],
      input.deploymentId,
      'Deployment',
    );
  }
  if (input.experimentId && !known.experimentIds.has(input.experimentId)) {
    throw new NotFoundError(
      'No experiment with this id',
      [...path, 'experimentId'],
      input.experimentId,
      'Experiment',
    );
  }
}

/** The Analytics Engine event of a new request, written after its batch committed. */
function writeInferenceEvent(sink: EventSink, row: InferenceRequestTable): void {
  sink.write({
    index: row.org_id,
    blobs: [
      'inference',
      row.model_id,
      row.version_id ?? '',
      row.provider,
      row.provider_model,
      row.status,
      row.cost_source ?? 'UNPRICED',
      row.experiment_id ?? '',
      row.deployment_id ?? '',
      row.quality === null ? 'UNSCORED' : 'SCORED',
    ],
    // Cost 0 with blob 7 = UNPRICED means "unknown", never "free"; likewise quality and blob 10.
    doubles: [
      row.latency_ms,
      row.input_tokens,
      row.output_tokens,
      row.cached_tokens,
      row.reasoning_tokens,
      row.cost_usd ?? 0,
      row.quality ?? 0,
      Date.parse(row.requested_at),
    ],
  });
}

export interface PriceSetInput {
  provider: string;
  modelPattern: string;
  inputPerMillion: number;
  outputPerMillion: number;
  cachedInputPerMillion?: number | null;
  reasoningPerMillion?: number | null;
  effectiveFrom?: Date | null;
}

/**
 * Adds a price (or corrects the one with the same provider, pattern and effective date), audited
 * in the same batch. Costs already recorded keep the price they were computed with. Requests
 * recorded unpriced that the new price covers (its provider, a matching model name, at or after
 * its effective date) are re-priced in the same batch, up to REPRICE_BATCH of them; the rest are
 * left to the scheduled job usage.reprice (runPendingRepricing). Requests with a caller-given cost
 * or an earlier computed cost are never changed.
 */
export async function setPrice(
  deps: Pick<Deps, 'db' | 'd1'>,
  viewer: Viewer,
  input: PriceSetInput,
  claim?: IdempotencyClaim,
): Promise<ModelPrice> {
  const provider = requireName(input.provider, ['provider'], { max: 100 }).toLowerCase();
  const modelPattern = requireName(input.modelPattern, ['modelPattern']);
  const price = (value: number | null | undefined, field: string) =>
    value === null || value === undefined
      ? null
      : requireFinite(value, [field], { min: 0, max: MAX_PRICE });
  const effective = input.effectiveFrom ?? new Date();
  if (!Number.isFinite(effective.getTime()) || effective.getTime() < Date.parse('2000-01-01')) {
    throw new ValidationError('Must be a date after 2000-01-01', ['effectiveFrom']);
  }
  const row: ModelPriceTable = {
    id: newId(),
    org_id: viewer.orgId,
    provider,
    model_pattern: modelPattern,
    input_per_million: price(input.inputPerMillion, 'inputPerMillion') as number,
    output_per_million: price(input.outputPerMillion, 'outputPerMillion') as number,
    cached_input_per_million: price(input.cachedInputPerMillion, 'cachedInputPerMillion'),
    reasoning_per_million: price(input.reasoningPerMillion, 'reasoningPerMillion'),
    effective_from: effective.toISOString(),
    created_at: new Date().toISOString(),
    created_by: viewer.userId,
  };
  const key = { provider, modelPattern, effectiveFrom: row.effective_from };
  const before = await findPrice(deps.db, viewer.orgId, key);
  // The price as it will be stored (a correction keeps the stored row's id).
  const stored: ModelPriceTable = { ...row, id: before?.id ?? row.id };
  const reprice = await repricingStatements(deps, viewer.orgId, stored, [stored]);
  const snapshot = (p: ModelPriceTable) => ({
    provider: p.provider,
    modelPattern: p.model_pattern,
    inputPerMillion: p.input_per_million,
    outputPerMillion: p.output_per_million,
    cachedInputPerMillion: p.cached_input_per_million,
    reasoningPerMillion: p.reasoning_per_million,
    effectiveFrom: p.effective_from,
  });
  await runBatch(deps.d1, [
    // The answer a replay gives: the entry as stored (a correction keeps the stored row's id).
    ...claimWrites(deps.db, claim, toModelPrice(stored)),
    upsertPrice(deps.db, row),
    insertAuditEvent(deps.db, {
      orgId: viewer.orgId,
      actorId: viewer.userId,
      action: 'price.set',
      subjectId: before?.id ?? row.id,
      subjectKind: 'ModelPrice',
      before: before ? snapshot(before) : null,
      after: snapshot(row),
      ...(reprice.count
        ? { reason: `Re-priced ${reprice.count} earlier unpriced request(s)` }
        : {}),
    }),
    ...reprice.statements,
  ]);
  const saved = await findPrice(deps.db, viewer.orgId, key);
  if (!saved) throw new Error('The price was not found after it was written');
  return toModelPrice(saved);
}

/** Unpriced requests re-priced per statement (by priceSet at once, by the job per round). */
export const REPRICE_BATCH = 500;
/** Rounds of REPRICE_BATCH one scheduled run spends, over all pending prices. */
export const REPRICE_ROUNDS_PER_RUN = 20;

/**
 * The statements that re-price up to REPRICE_BATCH unpriced requests covered by `price`: each
 * request gets the price the insert-time rule (pickPrice over `prices`, which must include
 * `price`) would have given it, and a pending mark is written (or removed) for what is left.
 */
async function repricingStatements(
  deps: Pick<Deps, 'db' | 'd1'>,
  orgId: string,
  price: ModelPriceTable,
  prices: readonly ModelPriceTable[],
) {
  const [candidates, providerPrices] = await Promise.all([
    findUnpricedRequests(
      deps.db,
      orgId,
      {
        provider: price.provider,
        from: price.effective_from,
        glob: patternToGlob(price.model_pattern),
      },
      REPRICE_BATCH + 1,
    ),
    findPricesOfProviders(deps.db, orgId, [price.provider]),
  ]);
  const known = [...providerPrices.filter((p) => !prices.some((q) => q.id === p.id)), ...prices];
  const rows = [];
  for (const request of candidates.slice(0, REPRICE_BATCH)) {
    const picked = pickPrice(known, request.provider, request.provider_model, request.requested_at);
    if (!picked) continue;
    const tokens = {
      inputTokens: request.input_tokens,
      outputTokens: request.output_tokens,
      cachedTokens: request.cached_tokens,
      reasoningTokens: request.reasoning_tokens,
    };
    rows.push({ id: request.id, cost: computeCost(tokens, picked), priceId: picked.id });
  }
  const more = candidates.length > REPRICE_BATCH;
  const statements = [];
  if (rows.length) statements.push(repriceRequests(deps.db, orgId, rows));
  statements.push(
    more
      ? insertRepricePending(deps.db, { priceId: price.id, orgId, at: nowIso() })
      : deleteRepricePending(deps.db, price.id),
  );
  return { statements, count: rows.length, more };
}

/**
 * The scheduled job for late prices: finishes the re-pricing priceSet left pending, REPRICE_BATCH
 * requests per round (one D1 batch each), at most REPRICE_ROUNDS_PER_RUN rounds per run.
 */
export async function runPendingRepricing(
  deps: Pick<Deps, 'db' | 'd1'>,
): Promise<{ repriced: number; left: number }> {
  let repriced = 0;
  let rounds = 0;
  for (;;) {
    const pending = await findRepricePending(deps.db, 10);
    if (pending.length === 0) return { repriced, left: 0 };
    for (const price of pending) {
      while (rounds < REPRICE_ROUNDS_PER_RUN) {
        rounds++;
        const work = await repricingStatements(deps, price.org_id, price, [price]);
        await runBatch(deps.d1, work.statements);
        repriced += work.count;
        if (!work.more) break;
      }
      if (rounds >= REPRICE_ROUNDS_PER_RUN) {
        return { repriced, left: (await findRepricePending(deps.db, 1000)).length };
      }
    }
  }
}

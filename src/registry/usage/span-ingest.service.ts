// GenAI spans (read off OTLP exports by src/otlp/genai-spans.ts) recorded as tracked requests
// through trackEachInference, the same rules as inferenceTrack: the registered model comes from
// the span's registry.* attributes or else the organization's provider model map, and a span that
// maps to nothing is kept as unmatched usage. Each span is recorded whole or rejected with its
// reason; the export is not all or nothing.
import type { Viewer } from '../../auth/viewer.ts';
import type { EventSink } from '../../ports/event-sink.ts';
import type { Deps } from '../deps.ts';
import type { RegistryError } from '../errors.ts';
import { findVersionsByModelIdsAndVersions } from '../model/model.repository.ts';
import { findOrgRowsByNames } from '../org-rows.ts';
import { findProviderModelMapsOfProviders } from './provider-model-map.repository.ts';
import {
  type InferenceTrackInput,
  MAX_REQUESTS_PER_BATCH,
  trackEachInference,
} from './usage.service.ts';
import type { ProviderModelMapTable } from './usage.table.ts';
import { patternSpecificity, patternToRegExp } from './usage.ts';

/** A registry node named by a span: its row id (from a global ID) or its name. */
export type NodeRef = { id: string } | { name: string };

/** One GenAI span's usage, as src/otlp/genai-spans.ts reads it. */
export interface SpanInference {
  traceId: string;
  spanId: string;
  operation: string;
  provider: string;
  providerModel: string;
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number | null;
  reasoningTokens: number | null;
  latencyMs: number;
  startedAt: Date;
  failed: boolean;
  endUserId: string | null;
  model: NodeRef | null;
  /** A version string of the model. */
  version: string | null;
  deployment: NodeRef | null;
  experiment: NodeRef | null;
}

export interface SpanRejection {
  traceId: string;
  spanId: string;
  reason: string;
}

export interface SpanIngestResult {
  recorded: number;
  /** Spans already recorded (a re-sent export): accepted, not recorded again. */
  deduplicated: number;
  /** Spans kept as unmatched usage (no registered model). */
  unmatched: number;
  rejected: SpanRejection[];
}

/** Which attribute a service error path is about, for the exporter's owner to read. */
const FIELD_ATTRIBUTES: Record<string, string> = {
  modelId: 'registry.model',
  versionId: 'registry.version',
  deploymentId: 'registry.deployment',
  experimentId: 'registry.experiment',
  provider: 'gen_ai.provider.name',
  providerModel: 'gen_ai.response.model',
  inputTokens: 'gen_ai.usage.input_tokens',
  outputTokens: 'gen_ai.usage.output_tokens',
  cachedTokens: 'gen_ai.usage.cache_read.input_tokens',
  reasoningTokens: 'gen_ai.usage.reasoning.output_tokens',
  latencyMs: 'span duration (end time - start time)',
  timestamp: 'span start time',
  traceId: 'trace id',
  spanId: 'span id',
  endUserId: 'enduser.id',
};

const nameOf = (ref: NodeRef | null) => (ref && 'name' in ref ? ref.name : null);
const idOf = (ref: NodeRef | null) => (ref && 'id' in ref ? ref.id : null);
const unique = (values: (string | null)[]) => [
  ...new Set(values.filter((value): value is string => value !== null)),
];

/** The organization's mapping for a provider model name: the most specific GLOB that matches. */
function pickMapping(
  maps: readonly ProviderModelMapTable[],
  provider: string,
  providerModel: string,
): ProviderModelMapTable | null {
  let best: ProviderModelMapTable | null = null;
  for (const map of maps) {
    if (map.provider !== provider || !patternToRegExp(map.provider_model).test(providerModel)) {
      continue;
    }
    if (!best || patternSpecificity(map.provider_model, best.provider_model) > 0) best = map;
  }
  return best;
}

/** Records the spans as requests (or unmatched usage), span by span, in batches of 1,000. */
export async function recordSpanInferences(
  deps: Pick<Deps, 'db' | 'd1' | 'budgetCounters'>,
  viewer: Viewer,
  sink: EventSink,
  spans: readonly SpanInference[],
): Promise<SpanIngestResult> {
  const result: SpanIngestResult = { recorded: 0, deduplicated: 0, unmatched: 0, rejected: [] };
  if (spans.length === 0) return result;
  const { db } = deps;
  const orgId = viewer.orgId;
  const providers = unique(spans.map((span) => span.provider.toLowerCase()));
  // Names become ids here; ids go to the service, which checks them in the organization.
  const [modelsByName, deploymentsByName, experimentsByName, maps] = await Promise.all([
    findOrgRowsByNames(db, 'model', orgId, unique(spans.map((s) => nameOf(s.model)))),
    findOrgRowsByNames(db, 'deployment', orgId, unique(spans.map((s) => nameOf(s.deployment)))),
    findOrgRowsByNames(db, 'experiment', orgId, unique(spans.map((s) => nameOf(s.experiment)))),
    findProviderModelMapsOfProviders(db, orgId, providers),
  ]);
  const modelId = new Map(modelsByName.map((row) => [row.name, row.id]));
  const deploymentId = new Map(deploymentsByName.map((row) => [row.name, row.id]));
  const experimentId = new Map(experimentsByName.map((row) => [row.name, row.id]));
  const resolve = (ref: NodeRef | null, byName: ReadonlyMap<string, string>) =>
    ref === null ? null : 'id' in ref ? ref.id : (byName.get(ref.name) ?? undefined);

  type Resolved = {
    span: SpanInference;
    modelId: string | null;
    mapped: ProviderModelMapTable | null;
  };
  const resolved: Resolved[] = [];
  const reject = (span: SpanInference, reason: string) =>
    result.rejected.push({ traceId: span.traceId, spanId: span.spanId, reason });
  for (const span of spans) {
    const named = resolve(span.model, modelId);
    if (named === undefined) {
      reject(span, `registry.model: no model named "${nameOf(span.model)}"`);
      continue;
    }
    const mapped =
      named === null ? pickMapping(maps, span.provider.toLowerCase(), span.providerModel) : null;
    resolved.push({ span, modelId: named ?? mapped?.model_id ?? null, mapped });
  }
  // registry.version is a version string of the span's model: one statement for every pair.
  const versions = await findVersionsByModelIdsAndVersions(
    db,
    orgId,
    unique(resolved.filter((r) => r.span.version !== null).map((r) => r.modelId)),
    unique(resolved.map((r) => r.span.version)),
  );
  const versionId = new Map(versions.map((row) => [`${row.model_id}\n${row.version}`, row.id]));

  const inputs: { span: SpanInference; input: InferenceTrackInput }[] = [];
  for (const { span, modelId: model, mapped } of resolved) {
    let version: string | null = mapped?.version_id ?? null;
    if (span.version !== null) {
      const found = model === null ? undefined : versionId.get(`${model}\n${span.version}`);
      if (found === undefined) {
        reject(span, `registry.version: the model has no version "${span.version}"`);
        continue;
      }
      version = found;
    }
    const deployment = resolve(span.deployment, deploymentId);
    const experiment = resolve(span.experiment, experimentId);
    if (deployment === undefined) {
      reject(span, `registry.deployment: no deployment named "${nameOf(span.deployment)}"`);
      continue;
    }
    if (experiment === undefined) {
      reject(span, `registry.experiment: no experiment named "${nameOf(span.experiment)}"`);
      continue;
    }
    inputs.push({
      span,
      input: {
        modelId: model,
        versionId: version,
        deploymentId: deployment ?? idOf(span.deployment),
        experimentId: experiment ?? idOf(span.experiment),
        provider: span.provider,
        providerModel: span.providerModel,
        latencyMs: span.latencyMs,
        inputTokens: span.inputTokens,
        outputTokens: span.outputTokens,
        cachedTokens: span.cachedTokens,
        reasoningTokens: span.reasoningTokens,
        status: span.failed ? 'ERROR' : 'SUCCESS',
        timestamp: span.startedAt,
        traceId: span.traceId,
        spanId: span.spanId,
        endUserId: span.endUserId,
      },
    });
  }

  for (let start = 0; start < inputs.length; start += MAX_REQUESTS_PER_BATCH) {
    const chunk = inputs.slice(start, start + MAX_REQUESTS_PER_BATCH);
    const outcomes = await trackEachInference(
      deps,
      viewer,
      sink,
      chunk.map((item) => item.input),
    );
    outcomes.forEach((outcome, index) => {
      const span = chunk[index]?.span as SpanInference;
      if (outcome.status === 'REJECTED') {
        reject(span, describeError(outcome.error));
      } else if (outcome.status === 'UNMATCHED') {
        if (outcome.deduplicated) result.deduplicated += 1;
        else result.unmatched += 1;
      } else if (outcome.tracked.deduplicated) {
        result.deduplicated += 1;
      } else {
        result.recorded += 1;
      }
    });
  }
  return result;
}

/** A service error as a reason: the attribute it is about, then the message. */
function describeError(error: RegistryError): string {
  const field = error.path[error.path.length - 1] ?? '';
  const attribute = FIELD_ATTRIBUTES[field];
  return attribute ? `${attribute}: ${error.message}` : error.message;
}

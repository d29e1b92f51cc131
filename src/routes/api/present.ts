import * as z from 'zod/mini';
import { encodeGlobalID } from '../../global-id.ts';
import type { Dataset } from '../../registry/dataset/dataset.ts';
import type { Deployment } from '../../registry/deployment/deployment.ts';
import type { Experiment } from '../../registry/experiment/experiment.ts';
import type { Approval, ComplianceCheck } from '../../registry/governance/governance.ts';
import {
  edgeDetailsOf,
  type LineageEdgeDetails,
  type LineageEdgeEntry,
  type LineageNodeEntry,
} from '../../registry/lineage/traversal.service.ts';
import type { Distribution } from '../../registry/metrics/metrics.ts';
import type { ResolvedVersion } from '../../registry/model/model.service.ts';
import {
  type Model,
  type ModelAlias,
  type ModelVersion,
  PRODUCTION_ALIAS,
} from '../../registry/model/model.ts';
import {
  costPer1kTokens,
  costPerSuccessfulRequest,
  meanCost,
  qualityPerDollar,
} from '../../registry/usage/analysis.service.ts';
import type { InferenceRequest, UsageTotals } from '../../registry/usage/usage.ts';

/** A GraphQL global ID, in a path or body: the REST routes take the IDs GraphQL returns. */
export function globalIdOf(kind: string) {
  return z
    .string()
    .check(
      z.minLength(1),
      z.maxLength(200),
      z.describe(`Global ID of a ${kind}, as the GraphQL API returns it (e.g. data.model.id).`),
    );
}

const jsonObject = z.record(z.string(), z.unknown());
const userId = z.nullable(z.string()).check(z.describe('Global ID of the user, or null.'));

export const ModelJson = z.object({
  id: globalIdOf('Model'),
  name: z.string(),
  description: z.nullable(z.string()),
  tags: z.array(z.string()),
  metadata: z.nullable(jsonObject),
  provider: z.nullable(z.string()),
  framework: z.nullable(z.string()),
  model_type: z.nullable(z.string()),
  status: z.enum(['ACTIVE', 'DEPRECATED', 'ARCHIVED']),
  created_at: z.string().check(z.describe('ISO-8601 time.')),
  updated_at: z.string().check(z.describe('ISO-8601 time.')),
  created_by: userId,
});

export const ModelVersionJson = z.object({
  id: globalIdOf('ModelVersion'),
  model_id: globalIdOf('Model'),
  version: z.string(),
  description: z.nullable(z.string()),
  metadata: z.nullable(jsonObject),
  aliases: z.array(z.string()).check(z.describe('Aliases pointing at this version, by name.')),
  is_production: z.boolean(),
  status: z
    .enum(['ACTIVE', 'ARCHIVED'])
    .check(z.describe('ARCHIVED versions are left out of lists and never promoted.')),
  created_at: z.string(),
  updated_at: z.string().check(z.describe('ISO-8601 time: the last edit, archive or restore.')),
  created_by: userId,
});

export const AliasJson = z.object({
  name: z.string(),
  version_id: globalIdOf('ModelVersion'),
  updated_at: z.string(),
});

function gid(kind: string, id: string | null): string | null {
  return id === null ? null : encodeGlobalID(kind, id);
}

export function modelJson(model: Model): z.infer<typeof ModelJson> {
  return {
    id: encodeGlobalID('Model', model.id),
    name: model.name,
    description: model.description,
    tags: model.tags,
    metadata: model.metadata,
    provider: model.provider,
    framework: model.framework,
    model_type: model.modelType,
    status: model.status,
    created_at: model.createdAt.toISOString(),
    updated_at: model.updatedAt.toISOString(),
    created_by: gid('User', model.createdById),
  };
}

export function modelVersionJson(
  version: ModelVersion,
  aliases: readonly string[],
): z.infer<typeof ModelVersionJson> {
  return {
    id: encodeGlobalID('ModelVersion', version.id),
    model_id: encodeGlobalID('Model', version.modelId),
    version: version.version,
    description: version.description,
    metadata: version.metadata,
    aliases: [...aliases],
    is_production: aliases.includes(PRODUCTION_ALIAS),
    status: version.status,
    created_at: version.createdAt.toISOString(),
    updated_at: version.updatedAt.toISOString(),
    created_by: gid('User', version.createdById),
  };
}

export function aliasJson(alias: ModelAlias): z.infer<typeof AliasJson> {
  return {
    name: alias.name,
    version_id: encodeGlobalID('ModelVersion', alias.versionId),
    updated_at: alias.updatedAt.toISOString(),
  };
}

/** Comma-separated query values (`?tags=a,b`), trimmed, empty entries dropped. */
export function commaList(description: string) {
  return z.pipe(
    z.optional(z.string()).check(z.describe(`${description} Comma-separated.`)),
    z.transform((value) =>
      value === undefined
        ? undefined
        : value
            .split(',')
            .map((entry) => entry.trim())
            .filter((entry) => entry !== ''),
    ),
  );
}

const isoTime = z.string().check(z.describe('ISO-8601 time.'));
const nullableNumber = z.nullable(z.number());

export const DatasetJson = z.object({
  id: globalIdOf('Dataset'),
  name: z.string(),
  description: z.nullable(z.string()),
  uri: z.nullable(z.string()),
  format: z.nullable(z.string()),
  metadata: z.nullable(jsonObject),
  created_at: isoTime,
  updated_at: isoTime,
  created_by: userId,
});

export function datasetJson(dataset: Dataset): z.infer<typeof DatasetJson> {
  return {
    id: encodeGlobalID('Dataset', dataset.id),
    name: dataset.name,
    description: dataset.description,
    uri: dataset.uri,
    format: dataset.format,
    metadata: dataset.metadata,
    created_at: dataset.createdAt.toISOString(),
    updated_at: dataset.updatedAt.toISOString(),
    created_by: gid('User', dataset.createdById),
  };
}

export const DeploymentJson = z.object({
  id: globalIdOf('Deployment'),
  name: z.string(),
  environment: z.string(),
  description: z.nullable(z.string()),
  endpoint_url: z.nullable(z.string()),
  region: z.nullable(z.string()),
  metadata: z.nullable(jsonObject),
  created_at: isoTime,
  updated_at: isoTime,
  created_by: userId,
});

export function deploymentJson(deployment: Deployment): z.infer<typeof DeploymentJson> {
  return {
    id: encodeGlobalID('Deployment', deployment.id),
    name: deployment.name,
    environment: deployment.environment,
    description: deployment.description,
    endpoint_url: deployment.endpointUrl,
    region: deployment.region,
    metadata: deployment.metadata,
    created_at: deployment.createdAt.toISOString(),
    updated_at: deployment.updatedAt.toISOString(),
    created_by: gid('User', deployment.createdById),
  };
}

export const ExperimentJson = z.object({
  id: globalIdOf('Experiment'),
  name: z.string(),
  description: z.nullable(z.string()),
  metadata: z.nullable(jsonObject),
  created_at: isoTime,
  updated_at: isoTime,
  created_by: userId,
});

export function experimentJson(experiment: Experiment): z.infer<typeof ExperimentJson> {
  return {
    id: encodeGlobalID('Experiment', experiment.id),
    name: experiment.name,
    description: experiment.description,
    metadata: experiment.metadata,
    created_at: experiment.createdAt.toISOString(),
    updated_at: experiment.updatedAt.toISOString(),
    created_by: gid('User', experiment.createdById),
  };
}

export const ComplianceCheckJson = z.object({
  id: z.string().check(z.describe('The run’s id (UUIDv7).')),
  type: z.enum(['GDPR', 'AI_ACT', 'FAIRNESS', 'SECURITY']),
  status: z.enum(['PASSED', 'FAILED', 'NEEDS_REVIEW']),
  summary: z.string(),
  findings: z.array(
    z.object({
      code: z.string(),
      message: z.string(),
      subject_id: z
        .nullable(z.string())
        .check(z.describe('Global ID of the node it is about, if any.')),
    }),
  ),
  details: z
    .nullable(jsonObject)
    .check(z.describe('What the check computed (fairness ratios, AI Act tier).')),
  version_id: globalIdOf('ModelVersion'),
  approval_id: z
    .nullable(z.string())
    .check(z.describe('Global ID of the request it ran for, or null.')),
  run_by: userId,
  created_at: isoTime,
});

export function complianceCheckJson(check: ComplianceCheck): z.infer<typeof ComplianceCheckJson> {
  return {
    id: check.id,
    type: check.type,
    status: check.status,
    summary: check.summary,
    findings: check.findings.map((finding) => ({
      code: finding.code,
      message: finding.message,
      subject_id:
        finding.subjectId && finding.subjectKind
          ? encodeGlobalID(finding.subjectKind, finding.subjectId)
          : null,
    })),
    details: check.details,
    version_id: encodeGlobalID('ModelVersion', check.modelVersionId),
    approval_id: gid('Approval', check.approvalId),
    run_by: gid('User', check.runById),
    created_at: check.createdAt.toISOString(),
  };
}

export const ApprovalJson = z.object({
  id: globalIdOf('Approval'),
  model_id: globalIdOf('Model'),
  version_id: globalIdOf('ModelVersion'),
  state: z.enum(['PENDING', 'APPROVED', 'REJECTED']),
  requested_checks: z.array(z.string()),
  checks: z
    .array(ComplianceCheckJson)
    .check(z.describe('The latest result of each requested check (re-runs replace earlier ones).')),
  evidence: jsonObject,
  request_notes: z.nullable(z.string()),
  requested_by: globalIdOf('User'),
  requested_by_name: z
    .nullable(z.string())
    .check(z.describe('Who the client said asks (the seed’s requested_by), as sent; else null.')),
  requested_at: isoTime,
  reviewed_by: userId,
  reviewed_by_name: z
    .nullable(z.string())
    .check(z.describe('Who the client said decided (the seed’s reviewed_by), as sent; else null.')),
  reviewed_at: z.nullable(z.string()),
  review_notes: z.nullable(z.string()),
});

export function approvalJson(
  approval: Approval,
  checks: readonly ComplianceCheck[],
): z.infer<typeof ApprovalJson> {
  return {
    id: encodeGlobalID('Approval', approval.id),
    model_id: encodeGlobalID('Model', approval.modelId),
    version_id: encodeGlobalID('ModelVersion', approval.modelVersionId),
    state: approval.state,
    requested_checks: approval.requestedChecks,
    checks: checks.map(complianceCheckJson),
    evidence: approval.evidence,
    request_notes: approval.requestNotes,
    requested_by: encodeGlobalID('User', approval.requestedById),
    requested_by_name: approval.requestedByName,
    requested_at: approval.requestedAt.toISOString(),
    reviewed_by: gid('User', approval.reviewedById),
    reviewed_by_name: approval.reviewedByName,
    reviewed_at: approval.reviewedAt?.toISOString() ?? null,
    review_notes: approval.reviewNotes,
  };
}

export const DistributionJson = z.object({
  count: z.number().check(z.int()),
  mean: nullableNumber,
  min: nullableNumber,
  max: nullableNumber,
  stddev: nullableNumber.check(z.describe('Sample standard deviation; null below two values.')),
  p50: nullableNumber,
  p95: nullableNumber,
  p99: nullableNumber,
});

export function distributionJson(distribution: Distribution): z.infer<typeof DistributionJson> {
  const { count, mean, min, max, stddev, p50, p95, p99 } = distribution;
  return { count, mean, min, max, stddev, p50, p95, p99 };
}

export const UsageTotalsJson = z.object({
  requests: z.number().check(z.int()),
  successful_requests: z.number().check(z.int()),
  error_requests: z.number().check(z.int()),
  tokens_input: z.number().check(z.int()),
  tokens_output: z.number().check(z.int()),
  tokens_cached: z.number().check(z.int()),
  tokens_reasoning: z.number().check(z.int()),
  total_cost_usd: nullableNumber.check(
    z.describe('Sum over priced requests; null when none is priced.'),
  ),
  priced_requests: z.number().check(z.int()),
  unpriced_requests: z.number().check(z.int()),
  mean_cost_usd: nullableNumber,
  cost_per_1k_tokens_usd: nullableNumber,
  mean_latency_ms: nullableNumber,
  mean_quality_score: nullableNumber,
});

export function usageTotalsJson(totals: UsageTotals): z.infer<typeof UsageTotalsJson> {
  return {
    requests: totals.requests,
    successful_requests: totals.successfulRequests,
    error_requests: totals.errorRequests,
    tokens_input: totals.inputTokens,
    tokens_output: totals.outputTokens,
    tokens_cached: totals.cachedTokens,
    tokens_reasoning: totals.reasoningTokens,
    total_cost_usd: totals.totalCostUsd,
    priced_requests: totals.pricedRequests,
    unpriced_requests: totals.unpricedRequests,
    mean_cost_usd: meanCost(totals),
    cost_per_1k_tokens_usd: costPer1kTokens(totals),
    mean_latency_ms: totals.meanLatencyMs,
    mean_quality_score: totals.meanQuality,
  };
}

export const RoiJson = z.object({
  quality_per_dollar: nullableNumber.check(
    z.describe('Mean quality / mean cost over requests with both.'),
  ),
  cost_per_successful_request_usd: nullableNumber,
  mean_quality_score: nullableNumber,
  mean_cost_usd: nullableNumber,
  requests: z.number().check(z.int(), z.describe('Requests with both a quality score and a cost.')),
  unpriced_requests: z.number().check(z.int()),
});

export function roiJson(totals: UsageTotals): z.infer<typeof RoiJson> {
  return {
    quality_per_dollar: qualityPerDollar(totals),
    cost_per_successful_request_usd: costPerSuccessfulRequest(totals),
    mean_quality_score: totals.roiMeanQuality,
    mean_cost_usd: totals.roiMeanCostUsd,
    requests: totals.roiRequests,
    unpriced_requests: totals.unpricedRequests,
  };
}

export const InferenceRequestJson = z.object({
  id: z.string().check(z.describe('The request’s id (UUIDv7), as GraphQL gives it.')),
  model_id: globalIdOf('Model'),
  version_id: z.nullable(z.string()),
  deployment_id: z.nullable(z.string()),
  experiment_id: z.nullable(z.string()),
  provider: z.string(),
  provider_model: z.string(),
  latency_ms: z.number(),
  tokens_input: z.number().check(z.int()),
  tokens_output: z.number().check(z.int()),
  tokens_cached: z.number().check(z.int()),
  tokens_reasoning: z.number().check(z.int()),
  cost_usd: nullableNumber.check(z.describe('Null: unpriced (no cost given, no price matched).')),
  cost_source: z.nullable(z.enum(['PROVIDED', 'PRICE_TABLE'])),
  quality_score: nullableNumber,
  status: z.enum(['SUCCESS', 'ERROR']),
  idempotency_key: z.nullable(z.string()),
  timestamp: isoTime,
});

export function inferenceRequestJson(
  request: InferenceRequest,
): z.infer<typeof InferenceRequestJson> {
  return {
    id: request.id,
    model_id: encodeGlobalID('Model', request.modelId),
    version_id: gid('ModelVersion', request.versionId),
    deployment_id: gid('Deployment', request.deploymentId),
    experiment_id: gid('Experiment', request.experimentId),
    provider: request.provider,
    provider_model: request.providerModel,
    latency_ms: request.latencyMs,
    tokens_input: request.inputTokens,
    tokens_output: request.outputTokens,
    tokens_cached: request.cachedTokens,
    tokens_reasoning: request.reasoningTokens,
    cost_usd: request.costUsd,
    cost_source: request.costSource,
    quality_score: request.quality,
    status: request.status,
    idempotency_key: request.idempotencyKey,
    timestamp: request.requestedAt.toISOString(),
  };
}

export const LineageNodeJson = z.object({
  id: z.string().check(z.describe('Global ID of the node.')),
  kind: z
    .string()
    .check(z.describe('Model, ModelVersion, Dataset, Deployment, Experiment or User.')),
  depth: z.number().check(z.int(), z.describe('Hops from the root.')),
  reached_by: z.enum(['ROOT', 'UPSTREAM', 'DOWNSTREAM']),
});

export function lineageNodeJson(node: LineageNodeEntry): z.infer<typeof LineageNodeJson> {
  return {
    id: encodeGlobalID(node.kind, node.id),
    kind: node.kind,
    depth: node.depth,
    reached_by: node.reachedBy,
  };
}

export const LineageEdgeJson = z.object({
  id: globalIdOf('GraphEdge'),
  type: z.string().check(z.describe('TRAINED_ON, DERIVED_FROM, DEPLOYED_TO, REPLACED_BY, ...')),
  source: z
    .string()
    .check(z.describe('Global ID of the stored edge’s source (a version TRAINED_ON ...).')),
  target: z.string().check(z.describe('Global ID of the stored edge’s target.')),
  depth: z.number().check(z.int(), z.describe('Hops from the root to the node this edge reached.')),
  properties: z.nullable(jsonObject),
  created_at: isoTime,
});

export function lineageEdgeJson(
  edge: LineageEdgeEntry,
  details: ReadonlyMap<string, LineageEdgeDetails>,
): z.infer<typeof LineageEdgeJson> {
  const { properties, createdAt } = edgeDetailsOf(details, edge);
  return {
    id: encodeGlobalID('GraphEdge', edge.id),
    type: edge.type,
    source: encodeGlobalID(edge.source.kind, edge.source.id),
    target: encodeGlobalID(edge.target.kind, edge.target.id),
    depth: edge.depth,
    properties,
    created_at: createdAt.toISOString(),
  };
}

export const ResolvedVersionJson = z
  .object({
    id: globalIdOf('ModelVersion'),
    version: z.string(),
    rule: z
      .enum(['PRODUCTION', 'LATEST'])
      .check(
        z.describe(
          'PRODUCTION: the model’s production version; LATEST: it has none, so the newest.',
        ),
      ),
  })
  .check(
    z.describe(
      'Present when the request named a model (model_id) where a version is needed: the version acted on, and why.',
    ),
  );

export function resolvedVersionJson(
  resolved: ResolvedVersion,
): z.infer<typeof ResolvedVersionJson> {
  return {
    id: encodeGlobalID('ModelVersion', resolved.version.id),
    version: resolved.version.version,
    rule: resolved.rule,
  };
}

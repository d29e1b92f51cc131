import { decodeIdOf, encodeGlobalID } from '../../global-id.ts';
import { requireRange } from '../../registry/metrics/metrics.service.ts';
import type { TestResult } from '../../registry/metrics/statistics.ts';
import {
  type AbTestReport,
  type ArmSummary,
  compareArms,
  type PairComparison,
  type Verdict,
} from '../../registry/usage/analysis.service.ts';
import { resolveArms } from '../../registry/usage/arms.service.ts';
import { builder } from '../builder.ts';
import { requestNow } from '../lib/range-loaders.ts';
import { withUserErrors } from '../lib/user-errors.ts';
import { MetricStatsRef } from './MetricStats.ts';
import { ModelRef, ModelVersionRef } from './refs.ts';

/** What an arm is: a model, or a version of a model. */
export interface ArmWithKind {
  arm: ArmSummary;
  kind: 'MODEL' | 'VERSION';
}

const finite = (value: number | null | undefined) =>
  value === null || value === undefined || !Number.isFinite(value) ? null : value;

export const ArmKindEnum = builder.enumType('AbTestArmKind', {
  description: 'What tells the arms of an A/B comparison apart.',
  values: {
    MODEL: { value: 'MODEL' as const, description: 'Each model is an arm.' },
    VERSION: { value: 'VERSION' as const, description: 'Each model version is an arm.' },
  },
});

export const AbObjectiveEnum = builder.enumType('AbTestObjective', {
  description: 'What the verdict of an A/B comparison maximises.',
  values: {
    QUALITY: { value: 'QUALITY' as const, description: 'Mean quality score.' },
    QUALITY_PER_DOLLAR: {
      value: 'QUALITY_PER_DOLLAR' as const,
      description:
        'Mean quality per dollar, per request (requests with a quality and a positive cost).',
    },
  },
});

const ConfidenceIntervalRef = builder.objectRef<{ low: number; high: number }>(
  'ConfidenceInterval',
);
ConfidenceIntervalRef.implement({
  description: 'A two-sided 95% confidence interval (Student’s t).',
  fields: (t) => ({
    low: t.exposeFloat('low', { description: 'Lower bound.' }),
    high: t.exposeFloat('high', { description: 'Upper bound.' }),
  }),
});

const SignificanceTestRef = builder.objectRef<TestResult>('SignificanceTest');
SignificanceTestRef.implement({
  description: 'The result of a two-sided test of significance.',
  fields: (t) => ({
    statistic: t.float({
      nullable: true,
      description: 'Test statistic (t or z); null when infinite (no variance, different means).',
      resolve: (r) => finite(r.statistic),
    }),
    degreesOfFreedom: t.float({
      nullable: true,
      description: 'Welch–Satterthwaite degrees of freedom (t-tests only).',
      resolve: (r) => finite(r.degreesOfFreedom),
    }),
    pValue: t.exposeFloat('pValue', { description: 'Two-sided p-value.' }),
  }),
});

const AbTestArmRef = builder.objectRef<ArmWithKind>('AbTestArm');
AbTestArmRef.implement({
  description: 'One arm of an A/B comparison.',
  fields: (t) => ({
    model: t.field({
      type: ModelRef,
      description: 'The model (of the version, for version arms).',
      resolve: async ({ arm, kind }, _args, context) =>
        kind === 'MODEL'
          ? arm.key
          : ((await ModelVersionRef.getDataloader(context).load(arm.key)) as { modelId: string })
              .modelId,
    }),
    modelVersion: t.field({
      type: ModelVersionRef,
      nullable: true,
      description: 'The version, for version arms.',
      resolve: ({ arm, kind }) => (kind === 'VERSION' ? arm.key : null),
    }),
    requests: t.int({ description: 'Requests in the arm.', resolve: ({ arm }) => arm.requests }),
    errorRate: t.float({
      description: 'Share of requests with status ERROR.',
      resolve: ({ arm }) => arm.errorRate,
    }),
    qualityScoredRequests: t.int({
      description: 'Requests with a quality score.',
      resolve: ({ arm }) => arm.quality.n,
    }),
    meanQuality: t.float({
      nullable: true,
      description: 'Mean quality score.',
      resolve: ({ arm }) => (arm.quality.n ? arm.quality.mean : null),
    }),
    qualityCi95: t.field({
      type: ConfidenceIntervalRef,
      nullable: true,
      description:
        '95% confidence interval of the mean quality (Student’s t); null below two scores.',
      resolve: ({ arm }) => arm.quality.ci,
    }),
    latency: t.field({
      type: MetricStatsRef,
      description: 'Exact latency statistics (p50, p95...) in milliseconds.',
      resolve: ({ arm }) => arm.latency,
    }),
    meanCostUsd: t.float({
      nullable: true,
      description: 'Mean cost of the priced requests, in USD.',
      resolve: ({ arm }) => (arm.cost.n ? arm.cost.mean : null),
    }),
    unpricedRequests: t.int({
      description: 'Requests without a cost.',
      resolve: ({ arm }) => arm.requests - arm.cost.n,
    }),
    meanQualityPerDollar: t.float({
      nullable: true,
      description: 'Mean of quality / cost over requests with both (cost > 0).',
      resolve: ({ arm }) => (arm.qualityPerDollar.n ? arm.qualityPerDollar.mean : null),
    }),
  }),
});

const AbTestPairRef = builder.objectRef<PairComparison & { kind: 'MODEL' | 'VERSION' }>(
  'AbTestPair',
);
AbTestPairRef.implement({
  description: 'Two arms compared: differences are a minus b.',
  fields: (t) => ({
    a: t.id({
      description: 'Global ID of arm a (a Model or ModelVersion).',
      resolve: (p) => encode(p.kind, p.a),
    }),
    b: t.id({ description: 'Global ID of arm b.', resolve: (p) => encode(p.kind, p.b) }),
    qualityDifference: t.float({
      nullable: true,
      description: 'Mean quality of a minus b.',
      resolve: (p) => p.qualityDifference,
    }),
    quality: t.field({
      type: SignificanceTestRef,
      nullable: true,
      description: 'Welch’s t-test of the quality means; null below two scores in an arm.',
      resolve: (p) => p.qualityTest,
    }),
    objectiveDifference: t.float({
      nullable: true,
      description: 'Mean objective of a minus b.',
      resolve: (p) => finite(p.objectiveDifference),
    }),
    objective: t.field({
      type: SignificanceTestRef,
      nullable: true,
      description: 'Welch’s t-test of the objective means.',
      resolve: (p) => p.objectiveTest,
    }),
    latencyDifferenceMs: t.float({
      nullable: true,
      description: 'Mean latency of a minus b.',
      resolve: (p) => p.latencyDifference,
    }),
    latency: t.field({
      type: SignificanceTestRef,
      nullable: true,
      description: 'Welch’s t-test of the latency means.',
      resolve: (p) => p.latencyTest,
    }),
    errorRateDifference: t.float({
      description: 'Error rate of a minus b.',
      resolve: (p) => p.errorRateDifference,
    }),
    errorRate: t.field({
      type: SignificanceTestRef,
      nullable: true,
      description: 'Two-proportion z-test (pooled) of the error rates.',
      resolve: (p) => p.errorRateTest,
    }),
  }),
});

function encode(kind: 'MODEL' | 'VERSION', id: string) {
  return encodeGlobalID(kind === 'MODEL' ? 'Model' : 'ModelVersion', id);
}

const VerdictOutcomeEnum = builder.enumType('AbTestOutcome', {
  description: 'What an A/B comparison concluded.',
  values: {
    WINNER: { value: 'WINNER' as const, description: 'One arm is significantly best.' },
    NOT_ENOUGH_EVIDENCE: {
      value: 'NOT_ENOUGH_EVIDENCE' as const,
      description: 'No arm is significantly ahead of every other yet.',
    },
  },
});

const AbTestVerdictRef = builder.objectRef<Verdict & { kind: 'MODEL' | 'VERSION' }>(
  'AbTestVerdict',
);
AbTestVerdictRef.implement({
  description:
    'The verdict: the leader by the objective wins when Welch’s t-test against every other arm gives p < alpha / (arms - 1).',
  fields: (t) => ({
    outcome: t.field({
      type: VerdictOutcomeEnum,
      description: 'Winner or not.',
      resolve: (v) => v.outcome,
    }),
    winner: t.id({
      nullable: true,
      description: 'Global ID of the winning arm (a Model or ModelVersion).',
      resolve: (v) => (v.winner ? encode(v.kind, v.winner) : null),
    }),
    objective: t.field({
      type: AbObjectiveEnum,
      description: 'What was compared.',
      resolve: (v) => v.objective,
    }),
    adjustedAlpha: t.exposeFloat('adjustedAlpha', {
      description: 'Per-comparison level after Bonferroni.',
    }),
    requiredSamplesPerArm: t.exposeInt('requiredPerArm', {
      nullable: true,
      description:
        'Per-arm sample size needed to tell the leader from the runner-up at the observed difference (normal approximation, given power).',
    }),
    additionalSamplesPerArm: t.exposeInt('additionalPerArm', {
      nullable: true,
      description: 'How many more requests the smaller of those two arms needs; 0 once decided.',
    }),
    reason: t.exposeString('reason', { description: 'The verdict in words.' }),
  }),
});

export const AbTestReportRef = builder.objectRef<AbTestReport & { kind: 'MODEL' | 'VERSION' }>(
  'AbTestReport',
);
AbTestReportRef.implement({
  description:
    'An A/B comparison of LLM requests over a time range, exact over the stored requests.',
  fields: (t) => ({
    arms: t.field({
      type: [AbTestArmRef],
      description: 'Each arm with requests in the range.',
      resolve: (r) => r.arms.map((arm) => ({ arm, kind: r.kind })),
    }),
    pairs: t.field({
      type: [AbTestPairRef],
      description: 'Every pair of arms.',
      resolve: (r) => r.comparisons.map((c) => ({ ...c, kind: r.kind })),
    }),
    verdict: t.field({
      type: AbTestVerdictRef,
      description: 'The conclusion.',
      resolve: (r) => ({ ...r.verdict, kind: r.kind }),
    }),
    alpha: t.exposeFloat('alpha', { description: 'Significance level asked for.' }),
    power: t.exposeFloat('power', { description: 'Power used for the sample size.' }),
    from: t.field({ type: 'DateTime', description: 'Start of the range.', resolve: (r) => r.from }),
    to: t.field({ type: 'DateTime', description: 'End of the range.', resolve: (r) => r.to }),
  }),
});

builder.queryField('abTestCompare', (t) =>
  t.field({
    type: AbTestReportRef,
    description:
      'Compares LLM requests arm by arm over [from, to): an experiment’s requests (arms by model or version; with modelIds or versionIds, only those arms of it), or the requests of given models or versions. Per arm: counts, mean quality with a 95% CI, latency p50/p95, mean cost; per pair: Welch’s t-test of quality and latency, a two-proportion z-test of error rates; a verdict and the sample size still needed.',
    args: {
      experimentId: t.arg.id({ description: 'Compare this experiment’s requests.' }),
      modelIds: t.arg.idList({
        description: 'Or: each of these models (2-20) is an arm; with experimentId, of it.',
      }),
      versionIds: t.arg.idList({
        description:
          'Or: each of these versions (2-20) is an arm; with experimentId, of it. Not with modelIds.',
      }),
      armsBy: t.arg({
        type: ArmKindEnum,
        required: true,
        defaultValue: 'MODEL',
        description: 'With experimentId: whether models or versions are the arms.',
      }),
      objective: t.arg({
        type: AbObjectiveEnum,
        required: true,
        defaultValue: 'QUALITY',
        description: 'What the verdict maximises.',
      }),
      from: t.arg({
        type: 'DateTime',
        description: 'Start (inclusive); default 30 days before `to`.',
      }),
      to: t.arg({ type: 'DateTime', description: 'End (exclusive); default now.' }),
      alpha: t.arg.float({
        required: true,
        defaultValue: 0.05,
        description: 'Significance level (two-sided), between 0 and 0.5.',
      }),
      power: t.arg.float({
        required: true,
        defaultValue: 0.8,
        description: 'Power for the sample size still needed, between 0.5 and 1.',
      }),
    },
    resolve: (_root, args, context) =>
      withUserErrors(async () => {
        const { arms, kind } = await resolveArms(context.db, context.viewer.orgId, {
          experimentId: args.experimentId == null ? null : String(args.experimentId),
          modelIds: args.modelIds?.map(String) ?? null,
          versionIds: args.versionIds?.map(String) ?? null,
          armsBy: args.armsBy,
          decode: (id, kind, path) => decodeIdOf(id, [kind], path).id,
        });
        const report = await compareArms(context.db, context.viewer.orgId, {
          arms,
          range: requireRange(args.from, args.to, [], requestNow(context)),
          alpha: args.alpha,
          power: args.power,
          objective: args.objective,
          source: context.deps.config.usageSource,
        });
        return { ...report, kind };
      }),
  }),
);

import { encodeGlobalID } from '../../global-id.ts';
import {
  AI_ACT_OBLIGATIONS,
  AI_ACT_USES,
  type AiActObligation,
  type AiActUse,
  RISK_TIERS,
  type RiskTier,
} from '../../registry/governance/ai-act.check.ts';
import {
  FAIRNESS_THRESHOLDS,
  type FairnessGroupRates,
  type FairnessMetric,
} from '../../registry/governance/fairness.check.ts';
import {
  CHECK_STATUSES,
  CHECK_TYPES,
  type ComplianceCheck,
  type Finding,
} from '../../registry/governance/governance.ts';
import { builder } from '../builder.ts';
import { ModelVersionRef, UserRef } from './refs.ts';

const CHECK_TYPE_DESCRIPTIONS: Record<(typeof CHECK_TYPES)[number], string> = {
  GDPR: 'Every upstream dataset declares personal data, lawful basis and retention; no undeclared PII; no erasure request.',
  AI_ACT:
    'EU AI Act risk tier of the declared intended use, and evidence for the tier’s obligations.',
  FAIRNESS: 'Group fairness metrics from per-group outcome counts of a protected attribute.',
  SECURITY:
    'The artifact is recorded with SHA-256 and size, present in the store, and the model card names an owner.',
};

export const CheckTypeEnum = builder.enumType('ComplianceCheckType', {
  description: 'An automated compliance check.',
  values: Object.fromEntries(
    CHECK_TYPES.map((type) => [type, { value: type, description: CHECK_TYPE_DESCRIPTIONS[type] }]),
  ) as Record<
    (typeof CHECK_TYPES)[number],
    { value: (typeof CHECK_TYPES)[number]; description: string }
  >,
});

const STATUS_DESCRIPTIONS: Record<(typeof CHECK_STATUSES)[number], string> = {
  PASSED: 'The check found nothing that blocks the version.',
  FAILED: 'The check found something that blocks the version; see its findings.',
  NEEDS_REVIEW:
    'The check cannot give a verdict (small groups, unverifiable facts): a person must look.',
};

export const CheckStatusEnum = builder.enumType('ComplianceCheckStatus', {
  description: 'The result of a compliance check.',
  values: Object.fromEntries(
    CHECK_STATUSES.map((status) => [
      status,
      { value: status, description: STATUS_DESCRIPTIONS[status] },
    ]),
  ) as Record<
    (typeof CHECK_STATUSES)[number],
    { value: (typeof CHECK_STATUSES)[number]; description: string }
  >,
});

export const AiActUseEnum = builder.enumType('AiActUse', {
  description: 'A use of an AI system that the EU AI Act (Regulation (EU) 2024/1689) classifies.',
  values: Object.fromEntries(
    Object.entries(AI_ACT_USES).map(([use, [tier, source]]) => [
      use,
      { value: use, description: `${tier}: ${source}.` },
    ]),
  ) as Record<AiActUse, { value: AiActUse; description: string }>,
});

export const AiActObligationEnum = builder.enumType('AiActObligation', {
  description: 'An obligation the AI Act attaches to a risk tier.',
  values: Object.fromEntries(
    Object.entries(AI_ACT_OBLIGATIONS).map(([obligation, source]) => [
      obligation,
      { value: obligation, description: `${source}.` },
    ]),
  ) as Record<AiActObligation, { value: AiActObligation; description: string }>,
});

const TIER_DESCRIPTIONS: Record<RiskTier, string> = {
  PROHIBITED: 'Art. 5 prohibited practice: may not be placed on the market; always fails.',
  HIGH_RISK: 'Annex III high-risk area: Arts. 9-15 obligations, each needing evidence.',
  LIMITED_RISK: 'Art. 50 transparency duties.',
  MINIMAL_RISK: 'No obligations beyond voluntary codes of conduct (Art. 95).',
};

export const RiskTierEnum = builder.enumType('AiActRiskTier', {
  description: 'The EU AI Act risk tier of an intended use.',
  values: Object.fromEntries(
    RISK_TIERS.map((tier) => [tier, { value: tier, description: TIER_DESCRIPTIONS[tier] }]),
  ) as Record<RiskTier, { value: RiskTier; description: string }>,
});

const FindingRef = builder.objectRef<Finding>('ComplianceFinding').implement({
  description: 'One thing a check found.',
  fields: (t) => ({
    code: t.exposeString('code', {
      description:
        'Stable code of the finding, e.g. NO_LAWFUL_BASIS or DISPARATE_IMPACT_RATIO_FAILED.',
    }),
    message: t.exposeString('message', { description: 'What was found, for people.' }),
    subjectId: t.id({
      nullable: true,
      description: 'Global ID of the node the finding is about (a dataset or an artifact), if any.',
      resolve: (finding) =>
        finding.subjectId && finding.subjectKind
          ? encodeGlobalID(finding.subjectKind, finding.subjectId)
          : null,
    }),
  }),
});

const METRIC_DESCRIPTIONS: Record<keyof typeof FAIRNESS_THRESHOLDS, string> = {
  disparateImpactRatio:
    'Smallest selection rate of a group over the reference group’s (four-fifths rule, 29 CFR 1607.4(D)).',
  demographicParityDifference: 'Largest minus smallest selection rate.',
  demographicParityRatio: 'Smallest over largest selection rate.',
  equalOpportunityDifference: 'Largest gap in true positive rate between groups.',
  equalizedOddsDifference: 'The larger of the true positive rate and false positive rate gaps.',
};

const FairnessMetricNameEnum = builder.enumType('FairnessMetricName', {
  description: 'A group fairness metric.',
  values: Object.fromEntries(
    Object.keys(FAIRNESS_THRESHOLDS).map((name) => [
      name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase(),
      { value: name, description: METRIC_DESCRIPTIONS[name as keyof typeof FAIRNESS_THRESHOLDS] },
    ]),
  ) as Record<string, { value: keyof typeof FAIRNESS_THRESHOLDS; description: string }>,
});

const MetricVerdictEnum = builder.enumType('FairnessMetricVerdict', {
  description: 'How a metric compares with its threshold.',
  values: {
    PASSED: { value: 'PASSED', description: 'Within the threshold.' },
    FAILED: { value: 'FAILED', description: 'Beyond the threshold.' },
    NOT_COMPUTABLE: {
      value: 'NOT_COMPUTABLE',
      description: 'A rate it needs has a zero denominator.',
    },
  } as const,
});

const ComparisonEnum = builder.enumType('ThresholdComparison', {
  description: 'Which side of the threshold passes.',
  values: {
    AT_LEAST: { value: 'AT_LEAST', description: 'The value must be at least the threshold.' },
    AT_MOST: { value: 'AT_MOST', description: 'The value must be at most the threshold.' },
  } as const,
});

const FairnessMetricRef = builder.objectRef<FairnessMetric>('FairnessMetric').implement({
  description: 'One fairness metric with its threshold and verdict.',
  fields: (t) => ({
    name: t.field({
      type: FairnessMetricNameEnum,
      description: 'Which metric.',
      resolve: (metric) => metric.name,
    }),
    value: t.exposeFloat('value', {
      nullable: true,
      description: 'Its value; null when not computable.',
    }),
    threshold: t.exposeFloat('threshold', { description: 'The threshold it is held to.' }),
    comparison: t.field({
      type: ComparisonEnum,
      description: 'Which side of the threshold passes.',
      resolve: (metric) => metric.comparison,
    }),
    verdict: t.field({
      type: MetricVerdictEnum,
      description: 'The metric’s own verdict.',
      resolve: (metric) => metric.verdict,
    }),
  }),
});

const FairnessGroupRef = builder.objectRef<FairnessGroupRates>('FairnessGroupRates').implement({
  description: 'The rates of one group, as computed from its counts.',
  fields: (t) => ({
    name: t.exposeString('name', { description: 'The group.' }),
    total: t.exposeInt('total', { description: 'Members of the group.' }),
    selectionRate: t.exposeFloat('selectionRate', {
      nullable: true,
      description: 'selected / total.',
    }),
    truePositiveRate: t.exposeFloat('truePositiveRate', {
      nullable: true,
      description: 'TP / (TP + FN); null without actual positives.',
    }),
    falsePositiveRate: t.exposeFloat('falsePositiveRate', {
      nullable: true,
      description: 'FP / (FP + TN); null without actual negatives.',
    }),
  }),
});

interface FairnessDetails {
  protectedAttribute: string;
  referenceGroup: string;
  groups: FairnessGroupRates[];
  metrics: FairnessMetric[];
}

const FairnessReportRef = builder.objectRef<FairnessDetails>('FairnessReport').implement({
  description: 'What the FAIRNESS check computed.',
  fields: (t) => ({
    protectedAttribute: t.exposeString('protectedAttribute', {
      description: 'The protected attribute the groups split.',
    }),
    referenceGroup: t.exposeString('referenceGroup', {
      description: 'The group the disparate impact ratio compares against.',
    }),
    groups: t.field({
      type: [FairnessGroupRef],
      description: 'Each group’s rates.',
      resolve: (report) => report.groups,
    }),
    metrics: t.field({
      type: [FairnessMetricRef],
      description: 'Each metric, its threshold and verdict.',
      resolve: (report) => report.metrics,
    }),
  }),
});

interface ObligationDetails {
  obligation: AiActObligation;
  requirement: string;
  evidence: string | null;
}

const ObligationStatusRef = builder
  .objectRef<ObligationDetails>('AiActObligationStatus')
  .implement({
    description: 'An obligation of the tier and the evidence attached for it.',
    fields: (t) => ({
      obligation: t.field({
        type: AiActObligationEnum,
        description: 'The obligation.',
        resolve: (entry) => entry.obligation,
      }),
      requirement: t.exposeString('requirement', { description: 'What the article requires.' }),
      evidence: t.exposeString('evidence', {
        nullable: true,
        description: 'Where its evidence is, as attached; null when none is.',
      }),
      satisfied: t.boolean({
        description: 'Whether evidence is attached.',
        resolve: (entry) => entry.evidence !== null,
      }),
    }),
  });

interface AiActDetails {
  tier: RiskTier;
  justification: string;
  intendedUse: string;
  uses: AiActUse[];
  obligations: ObligationDetails[];
}

const AiActAssessmentRef = builder.objectRef<AiActDetails>('AiActAssessment').implement({
  description: 'What the AI_ACT check concluded.',
  fields: (t) => ({
    tier: t.field({
      type: RiskTierEnum,
      description: 'The risk tier.',
      resolve: (details) => details.tier,
    }),
    justification: t.exposeString('justification', {
      description: 'The provisions that put the use in this tier.',
    }),
    intendedUse: t.exposeString('intendedUse', { description: 'The intended use as declared.' }),
    uses: t.field({
      type: [AiActUseEnum],
      description: 'The uses declared.',
      resolve: (details) => details.uses,
    }),
    obligations: t.field({
      type: [ObligationStatusRef],
      description: 'The tier’s obligations and their evidence.',
      resolve: (details) => details.obligations,
    }),
  }),
});

export const ComplianceCheckRef = builder.objectRef<ComplianceCheck>('ComplianceCheck').implement({
  description: 'The result of one run of one automated compliance check.',
  fields: (t) => ({
    type: t.field({
      type: CheckTypeEnum,
      description: 'Which check.',
      resolve: (check) => check.type,
    }),
    status: t.field({
      type: CheckStatusEnum,
      description: 'Its result.',
      resolve: (check) => check.status,
    }),
    summary: t.exposeString('summary', { description: 'The result in one sentence.' }),
    findings: t.field({
      type: [FindingRef],
      description: 'What it found; empty when nothing.',
      resolve: (check) => check.findings,
    }),
    fairness: t.field({
      type: FairnessReportRef,
      nullable: true,
      description: 'The fairness metrics, for a FAIRNESS check.',
      resolve: (check) =>
        check.type === 'FAIRNESS' ? (check.details as unknown as FairnessDetails) : null,
    }),
    aiAct: t.field({
      type: AiActAssessmentRef,
      nullable: true,
      description: 'The risk tier and obligations, for an AI_ACT check.',
      resolve: (check) =>
        check.type === 'AI_ACT' ? (check.details as unknown as AiActDetails) : null,
    }),
    details: t.field({
      type: 'JSON',
      nullable: true,
      description: 'Everything the check computed, as stored.',
      resolve: (check) => check.details,
    }),
    modelVersion: t.field({
      type: ModelVersionRef,
      description: 'The version checked.',
      resolve: (check) => check.modelVersionId,
    }),
    runBy: t.field({
      type: UserRef,
      nullable: true,
      description: 'Who ran the check.',
      resolve: (check) => check.runById,
    }),
    runAt: t.field({
      type: 'DateTime',
      description: 'When the check ran.',
      resolve: (check) => check.createdAt,
    }),
  }),
});

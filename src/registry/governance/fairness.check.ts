import { ValidationError } from '../errors.ts';
import { requireName } from '../validate.ts';
import type { CheckOutcome, Finding } from './governance.ts';

/** Outcome counts of one group of a protected attribute, as submitted for the FAIRNESS check. */
export interface FairnessGroup {
  name: string;
  /** Predicted positive (selected, approved, hired...). Must equal truePositives + falsePositives. */
  selected: number;
  total: number;
  truePositives: number;
  falsePositives: number;
  trueNegatives: number;
  falseNegatives: number;
}

export interface FairnessEvidence {
  protectedAttribute: string;
  /** The privileged group the disparate impact ratio compares against; default: the highest rate. */
  referenceGroup?: string | null;
  groups: FairnessGroup[];
}

/**
 * Thresholds. Four-fifths rule: EEOC Uniform Guidelines on Employee Selection Procedures, 29 CFR
 * 1607.4(D). The 0.1 difference bounds are the customary defaults of Fairlearn and AIF360 reports.
 */
export const FAIRNESS_THRESHOLDS = {
  disparateImpactRatio: 0.8,
  demographicParityRatio: 0.8,
  demographicParityDifference: 0.1,
  equalOpportunityDifference: 0.1,
  equalizedOddsDifference: 0.1,
} as const;

/** Groups smaller than this give rates too noisy for a verdict: NEEDS_REVIEW instead. */
export const MIN_GROUP_SIZE = 30;
export const MAX_GROUPS = 50;

export interface FairnessMetric {
  name: keyof typeof FAIRNESS_THRESHOLDS;
  value: number | null;
  threshold: number;
  /** "at least" for ratios, "at most" for differences. */
  comparison: 'AT_LEAST' | 'AT_MOST';
  verdict: 'PASSED' | 'FAILED' | 'NOT_COMPUTABLE';
}

export interface FairnessGroupRates {
  name: string;
  total: number;
  selectionRate: number | null;
  truePositiveRate: number | null;
  falsePositiveRate: number | null;
}

const COUNT_FIELDS = [
  'selected',
  'total',
  'truePositives',
  'falsePositives',
  'trueNegatives',
  'falseNegatives',
] as const;

/** Checks the submitted counts add up; every error names the field it is about. */
export function validateFairnessEvidence(
  evidence: FairnessEvidence,
  path: readonly string[],
): FairnessEvidence {
  const protectedAttribute = requireName(evidence.protectedAttribute, [
    ...path,
    'protectedAttribute',
  ]);
  if (evidence.groups.length < 2 || evidence.groups.length > MAX_GROUPS) {
    throw new ValidationError(`Needs from 2 to ${MAX_GROUPS} groups to compare`, [
      ...path,
      'groups',
    ]);
  }
  const names = new Set<string>();
  const groups = evidence.groups.map((group, index) => {
    const groupPath = [...path, 'groups', String(index)];
    const name = requireName(group.name, [...groupPath, 'name']);
    if (names.has(name)) throw new ValidationError('Listed twice', [...groupPath, 'name']);
    names.add(name);
    for (const field of COUNT_FIELDS) {
      const value = group[field];
      if (!Number.isInteger(value) || value < 0 || value > 1_000_000_000) {
        throw new ValidationError('Must be a whole number from 0 to 1,000,000,000', [
          ...groupPath,
          field,
        ]);
      }
    }
    if (group.total === 0) throw new ValidationError('Must be above 0', [...groupPath, 'total']);
    if (
      group.truePositives + group.falsePositives + group.trueNegatives + group.falseNegatives !==
      group.total
    ) {
      throw new ValidationError(
        'truePositives + falsePositives + trueNegatives + falseNegatives must equal total',
        [...groupPath, 'total'],
      );
    }
    if (group.truePositives + group.falsePositives !== group.selected) {
      throw new ValidationError('Must equal truePositives + falsePositives (predicted positive)', [
        ...groupPath,
        'selected',
      ]);
    }
    return { ...group, name };
  });
  const referenceGroup = evidence.referenceGroup ?? null;
  if (referenceGroup !== null && !names.has(referenceGroup)) {
    throw new ValidationError('Must be the name of one of the groups', [...path, 'referenceGroup']);
  }
  return { protectedAttribute, referenceGroup, groups };
}

const ratio = (numerator: number, denominator: number) =>
  denominator === 0 ? null : numerator / denominator;

/** Rounds away floating-point noise (0.30000000000000004) without hiding real differences. */
const clean = (value: number) => Math.round(value * 1e12) / 1e12;

function spread(values: (number | null)[]) {
  if (values.some((value) => value === null)) return null;
  const numbers = values as number[];
  return clean(Math.max(...numbers) - Math.min(...numbers));
}

function metric(
  name: keyof typeof FAIRNESS_THRESHOLDS,
  value: number | null,
  comparison: FairnessMetric['comparison'],
): FairnessMetric {
  const threshold = FAIRNESS_THRESHOLDS[name];
  const verdict =
    value === null
      ? 'NOT_COMPUTABLE'
      : (comparison === 'AT_LEAST' ? value >= threshold : value <= threshold)
        ? 'PASSED'
        : 'FAILED';
  return { name, value, threshold, comparison, verdict };
}

/**
 * Group fairness of a binary classifier from per-group confusion counts:
 * - disparate impact ratio: each group's selection rate over the reference group's (the declared
 *   privileged group, or the highest rate), smallest value reported (four-fifths rule);
 * - demographic parity difference and ratio: largest minus smallest selection rate, and smallest
 *   over largest (Fairlearn's demographic_parity_difference / _ratio);
 * - equal opportunity difference: the largest gap in true positive rate (Hardt et al., 2016);
 * - equalized odds difference: the larger of the TPR and FPR gaps (Fairlearn).
 */
export function runFairnessCheck(evidence: FairnessEvidence): CheckOutcome {
  const rates: FairnessGroupRates[] = evidence.groups.map((group) => ({
    name: group.name,
    total: group.total,
    selectionRate: ratio(group.selected, group.total),
    truePositiveRate: ratio(group.truePositives, group.truePositives + group.falseNegatives),
    falsePositiveRate: ratio(group.falsePositives, group.falsePositives + group.trueNegatives),
  }));
  const selection = rates.map((rate) => rate.selectionRate as number);
  const highest = Math.max(...selection);
  const reference = evidence.referenceGroup
    ? (rates.find((rate) => rate.name === evidence.referenceGroup) as FairnessGroupRates)
    : (rates.find((rate) => rate.selectionRate === highest) as FairnessGroupRates);
  const referenceRate = reference.selectionRate as number;
  const others = rates.filter((rate) => rate !== reference);
  const disparateImpact =
    referenceRate === 0
      ? null
      : clean(Math.min(...others.map((rate) => (rate.selectionRate as number) / referenceRate)));
  const demographicParityRatio = highest === 0 ? null : clean(Math.min(...selection) / highest);
  const tprGap = spread(rates.map((rate) => rate.truePositiveRate));
  const fprGap = spread(rates.map((rate) => rate.falsePositiveRate));
  const metrics = [
    metric('disparateImpactRatio', disparateImpact, 'AT_LEAST'),
    metric('demographicParityDifference', spread(selection), 'AT_MOST'),
    metric('demographicParityRatio', demographicParityRatio, 'AT_LEAST'),
    metric('equalOpportunityDifference', tprGap, 'AT_MOST'),
    metric(
      'equalizedOddsDifference',
      tprGap === null || fprGap === null ? null : Math.max(tprGap, fprGap),
      'AT_MOST',
    ),
  ];

  const findings: Finding[] = [];
  for (const rate of rates) {
    if (rate.total < MIN_GROUP_SIZE) {
      findings.push({
        code: 'SMALL_GROUP',
        message: `Group "${rate.name}" has ${rate.total} members, fewer than ${MIN_GROUP_SIZE}: its rates are too noisy for a verdict`,
      });
    }
  }
  for (const item of metrics) {
    if (item.verdict === 'FAILED') {
      findings.push({
        code: `${item.name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}_FAILED`,
        message: `${item.name} is ${round(item.value)}, ${item.comparison === 'AT_LEAST' ? 'below' : 'above'} the threshold of ${item.threshold}`,
      });
    } else if (item.verdict === 'NOT_COMPUTABLE') {
      findings.push({
        code: 'METRIC_NOT_COMPUTABLE',
        message: `${item.name} cannot be computed: a group has no ${item.name.startsWith('equal') ? 'actual positives or negatives' : 'selections'} to compare`,
      });
    }
  }
  const small = findings.some((finding) => finding.code === 'SMALL_GROUP');
  const uncomputable = metrics.some((item) => item.verdict === 'NOT_COMPUTABLE');
  const failed = metrics.filter((item) => item.verdict === 'FAILED');
  // Small groups give no verdict either way: a failing metric on 12 people is not evidence.
  const status = small || uncomputable ? 'NEEDS_REVIEW' : failed.length ? 'FAILED' : 'PASSED';
  const summary = small
    ? `Groups under ${MIN_GROUP_SIZE} members: no verdict on ${evidence.protectedAttribute}`
    : uncomputable
      ? `Some metrics cannot be computed for ${evidence.protectedAttribute}`
      : failed.length
        ? `${failed.length} of ${metrics.length} fairness metrics fail for ${evidence.protectedAttribute}`
        : `All ${metrics.length} fairness metrics pass for ${evidence.protectedAttribute}`;
  return {
    type: 'FAIRNESS',
    status,
    summary,
    findings,
    details: {
      protectedAttribute: evidence.protectedAttribute,
      referenceGroup: reference.name,
      groups: rates,
      metrics,
    },
  };
}

function round(value: number | null) {
  return value === null ? 'n/a' : String(Math.round(value * 1000) / 1000);
}

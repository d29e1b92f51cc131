import { describe, expect, it } from 'vitest';
import { runAiActCheck } from '../../src/registry/governance/ai-act.check.ts';
import {
  runFairnessCheck,
  validateFairnessEvidence,
} from '../../src/registry/governance/fairness.check.ts';
import { runGdprCheck } from '../../src/registry/governance/gdpr.check.ts';
import { detectPiiValue, scanColumns } from '../../src/registry/governance/pii.ts';
import { runSecurityCheck } from '../../src/registry/governance/security.check.ts';

/**
 * Group A: 100 people, 50 selected (TP 40, FP 10), 50 actual positives (TP 40 + FN 10).
 * Group B: 100 people, 30 selected (TP 25, FP 5), 50 actual positives (TP 25 + FN 25).
 * By hand: SR_A = 0.5, SR_B = 0.3; TPR_A = 40/50 = 0.8, TPR_B = 25/50 = 0.5;
 * FPR_A = 10/50 = 0.2, FPR_B = 5/50 = 0.1.
 * Disparate impact = 0.3 / 0.5 = 0.6 (< 0.8 fails); parity difference = 0.2 (> 0.1 fails);
 * parity ratio = 0.6; equal opportunity difference = 0.3; equalized odds = max(0.3, 0.1) = 0.3.
 */
const UNFAIR = {
  protectedAttribute: 'gender',
  groups: [
    {
      name: 'A',
      selected: 50,
      total: 100,
      truePositives: 40,
      falsePositives: 10,
      trueNegatives: 40,
      falseNegatives: 10,
    },
    {
      name: 'B',
      selected: 30,
      total: 100,
      truePositives: 25,
      falsePositives: 5,
      trueNegatives: 45,
      falseNegatives: 25,
    },
  ],
};

describe('FAIRNESS', () => {
  it('computes every metric as by hand and fails the four-fifths rule', () => {
    // when
    const outcome = runFairnessCheck(validateFairnessEvidence(UNFAIR, ['evidence']));

    // then
    expect(outcome.status).toBe('FAILED');
    const metrics = Object.fromEntries(
      ((outcome.details?.metrics ?? []) as { name: string; value: number; verdict: string }[]).map(
        (m) => [m.name, [m.value, m.verdict]],
      ),
    );
    expect(metrics).toEqual({
      disparateImpactRatio: [0.6, 'FAILED'],
      demographicParityDifference: [0.2, 'FAILED'],
      demographicParityRatio: [0.6, 'FAILED'],
      equalOpportunityDifference: [0.3, 'FAILED'],
      equalizedOddsDifference: [0.3, 'FAILED'],
    });
    expect(outcome.findings.map((f) => f.code)).toContain('DISPARATE_IMPACT_RATIO_FAILED');
  });

  it('passes at a ratio of exactly 0.8 with small gaps', () => {
    // given SR 0.5 and 0.4 (ratio 0.8, difference 0.1); TPR 0.8 and 0.75; FPR 0.2 and 0.1
    const outcome = runFairnessCheck(
      validateFairnessEvidence(
        {
          protectedAttribute: 'age band',
          groups: [
            {
              name: 'young',
              selected: 50,
              total: 100,
              truePositives: 40,
              falsePositives: 10,
              trueNegatives: 40,
              falseNegatives: 10,
            },
            {
              name: 'old',
              selected: 40,
              total: 100,
              truePositives: 30,
              falsePositives: 10,
              trueNegatives: 50,
              falseNegatives: 10,
            },
          ],
        },
        ['evidence'],
      ),
    );

    // then FPR_old = 10/60; gaps: TPR 0.05, FPR 0.2 - 1/6 = 0.0333...
    expect(outcome.status).toBe('PASSED');
    const byName = new Map(
      ((outcome.details?.metrics ?? []) as { name: string; value: number }[]).map((m) => [
        m.name,
        m.value,
      ]),
    );
    expect(byName.get('disparateImpactRatio')).toBe(0.8);
    expect(byName.get('equalOpportunityDifference')).toBeCloseTo(0.05, 12);
    expect(byName.get('equalizedOddsDifference')).toBeCloseTo(0.05, 12);
  });

  it('gives no verdict on groups under 30 people, even when a metric fails', () => {
    const outcome = runFairnessCheck({
      protectedAttribute: 'gender',
      groups: [
        UNFAIR.groups[0],
        {
          name: 'C',
          selected: 2,
          total: 12,
          truePositives: 1,
          falsePositives: 1,
          trueNegatives: 8,
          falseNegatives: 2,
        },
      ],
    } as never);
    expect(outcome.status).toBe('NEEDS_REVIEW');
    expect(outcome.findings[0]).toMatchObject({ code: 'SMALL_GROUP' });
  });

  it.each([
    ['counts that do not add up to total', { total: 99 }, ['evidence', 'groups', '1', 'total']],
    ['selected that is not TP + FP', { selected: 31 }, ['evidence', 'groups', '1', 'selected']],
    ['a negative count', { falseNegatives: -1 }, ['evidence', 'groups', '1', 'falseNegatives']],
    ['a duplicate group', { name: 'A' }, ['evidence', 'groups', '1', 'name']],
  ])('refuses %s with the field path', (_, change, path) => {
    const evidence = { ...UNFAIR, groups: [UNFAIR.groups[0], { ...UNFAIR.groups[1], ...change }] };
    expect(() => validateFairnessEvidence(evidence as never, ['evidence'])).toThrowError(
      expect.objectContaining({ path }),
    );
  });
});

describe('AI_ACT', () => {
  it('fails a prohibited practice whatever the evidence', () => {
    const outcome = runAiActCheck({ intendedUse: 'Rank citizens', uses: ['SOCIAL_SCORING'] });
    expect(outcome.status).toBe('FAILED');
    expect(outcome.details?.tier).toBe('PROHIBITED');
    expect(outcome.findings[0]?.code).toBe('PROHIBITED_PRACTICE');
  });

  it('fails a high-risk use until every obligation has evidence, naming the missing ones', () => {
    const outcome = runAiActCheck({
      intendedUse: 'Screen job applications',
      uses: ['EMPLOYMENT', 'INTERACTS_WITH_PEOPLE'],
      obligations: [{ obligation: 'RISK_MANAGEMENT', evidence: 'https://docs/risk' }],
    });
    expect(outcome.status).toBe('FAILED');
    expect(outcome.details?.tier).toBe('HIGH_RISK');
    expect(outcome.details?.justification).toContain('Annex III(4)');
    expect(outcome.findings.map((f) => f.message.split(' ')[0])).toEqual([
      'DATA_GOVERNANCE',
      'TECHNICAL_DOCUMENTATION',
      'RECORD_KEEPING',
      'TRANSPARENCY',
      'HUMAN_OVERSIGHT',
      'ACCURACY_ROBUSTNESS',
    ]);
  });

  it('asks for review when the words suggest a stricter tier than declared', () => {
    const outcome = runAiActCheck({ intendedUse: 'Credit scoring for consumer loans', uses: [] });
    expect(outcome.status).toBe('NEEDS_REVIEW');
    expect(outcome.details?.tier).toBe('MINIMAL_RISK');
    expect(outcome.findings[0]?.code).toBe('UNDECLARED_USE_SUSPECTED');
  });

  it('passes a minimal-risk use', () => {
    const outcome = runAiActCheck({ intendedUse: 'Sort warehouse parcels by size', uses: [] });
    expect(outcome).toMatchObject({ status: 'PASSED', details: { tier: 'MINIMAL_RISK' } });
  });
});

describe('PII detection', () => {
  it.each([
    ['ana@example.com', 'EMAIL'],
    ['+44 20 7946 0958', 'PHONE'],
    ['GB82 WEST 1234 5698 7654 32', 'IBAN'],
    ['4111 1111 1111 1111', 'CARD_NUMBER'],
    ['123-45-6789', 'NATIONAL_ID'],
    ['12345678Z', 'NATIONAL_ID'],
    ['192.168.10.7', 'IP_ADDRESS'],
    ['2001:db8::8a2e:370:7334', 'IP_ADDRESS'],
  ])('recognises %s as %s', (value, kind) => {
    expect(detectPiiValue(value)).toBe(kind);
  });

  it.each([
    'hello',
    '4111 1111 1111 1112',
    'GB00 WEST 1234 5698 7654 32',
    '2026-11-26',
    '42',
    '12345678A',
  ])('does not flag %s', (value) => {
    expect(detectPiiValue(value)).toBeNull();
  });

  it('flags columns by name and by sample values', () => {
    expect(
      scanColumns([
        { name: 'customer_email', sampleValues: [] },
        { name: 'note', sampleValues: ['call me on +33 1 23 45 67 89'.slice(11)] },
        { name: 'amount', sampleValues: ['12.50'] },
      ]),
    ).toEqual([
      { column: 'customer_email', kind: 'EMAIL', source: 'NAME' },
      { column: 'note', kind: 'PHONE', source: 'VALUE' },
    ]);
  });
});

describe('GDPR', () => {
  const declared = (over: Record<string, unknown> = {}) => ({
    datasetId: 'd',
    containsPersonalData: true,
    lawfulBasis: 'CONSENT' as const,
    retentionDays: 365,
    columns: [],
    declaredAt: new Date(),
    declaredById: null,
    ...over,
  });
  const dataset = (governance: ReturnType<typeof declared> | null, erased = false) => ({
    id: 'd',
    name: 'tickets',
    depth: 1,
    governance,
    erasureRequestedAt: erased ? new Date() : null,
  });

  it.each([
    ['an undeclared dataset', dataset(null), 'UNDECLARED_DATASET'],
    [
      'personal data without a lawful basis',
      dataset(declared({ lawfulBasis: null })),
      'NO_LAWFUL_BASIS',
    ],
    ['personal data without retention', dataset(declared({ retentionDays: null })), 'NO_RETENTION'],
    [
      'undeclared personal data',
      dataset(
        declared({
          containsPersonalData: false,
          lawfulBasis: null,
          columns: [{ name: 'contact', sampleValues: ['ana@example.com'] }],
        }),
      ),
      'UNDECLARED_PERSONAL_DATA',
    ],
    ['a dataset under erasure', dataset(declared(), true), 'ERASURE_REQUESTED'],
  ])('fails %s', (_, upstream, code) => {
    const outcome = runGdprCheck([upstream], { isTruncated: false });
    expect(outcome.status).toBe('FAILED');
    expect(outcome.findings.map((f) => f.code)).toEqual([code]);
  });

  it('passes declared, lawful datasets', () => {
    expect(runGdprCheck([dataset(declared())], { isTruncated: false }).status).toBe('PASSED');
  });
});

describe('SECURITY', () => {
  const sha = 'a'.repeat(64);
  const weights = { id: 'a1', name: 'model.bin', sha256: sha, sizeBytes: 10, r2Key: 'orgs/o/x' };
  const none = { artifacts: [], unverifiedCount: 0, pendingCount: 0, external: null };

  it('lists everything missing on one artifact, naming it', () => {
    const outcome = runSecurityCheck({
      ...none,
      artifacts: [
        { artifact: { ...weights, sha256: null, sizeBytes: null }, presence: { state: 'MISSING' } },
      ],
      owner: null,
    });
    expect(outcome.status).toBe('FAILED');
    expect(outcome.findings.map((f) => [f.code, f.subjectId ?? null])).toEqual([
      ['NO_CHECKSUM', 'a1'],
      ['NO_SIZE', 'a1'],
      ['ARTIFACT_MISSING', 'a1'],
      ['NO_OWNER', null],
    ]);
    expect(outcome.summary).toBe('Missing: NO_CHECKSUM, NO_SIZE, ARTIFACT_MISSING, NO_OWNER');
  });

  it('fails a stored artifact whose size or checksum differs from the record', () => {
    const outcome = runSecurityCheck({
      ...none,
      artifacts: [
        { artifact: weights, presence: { state: 'FOUND', sizeBytes: 11, sha256: 'b'.repeat(64) } },
      ],
      owner: 'ml-platform',
    });
    expect(outcome.findings.map((f) => f.code)).toEqual(['SIZE_MISMATCH', 'CHECKSUM_MISMATCH']);
  });

  it('passes a present, matching artifact with an owner', () => {
    const outcome = runSecurityCheck({
      ...none,
      artifacts: [{ artifact: weights, presence: { state: 'FOUND', sizeBytes: 10, sha256: null } }],
      owner: 'ml-platform',
    });
    expect(outcome.status).toBe('PASSED');
    expect(outcome.findings).toEqual([]);
  });

  it('fails without artifacts, mentioning uploads not completed', () => {
    const outcome = runSecurityCheck({ ...none, pendingCount: 2, owner: 'ml-platform' });
    expect(outcome.status).toBe('FAILED');
    expect(outcome.findings.map((f) => f.code)).toEqual(['NO_ARTIFACT']);
    expect(outcome.findings[0]?.message).toContain('2 upload(s) started but not completed');
  });

  it('asks for review of a complete external record, and fails an incomplete one', () => {
    const external = { uri: 's3://bucket/model.bin', sha256: sha, sizeBytes: 10 };
    const complete = runSecurityCheck({ ...none, external, owner: 'ml-platform' });
    expect(complete.status).toBe('NEEDS_REVIEW');
    expect(complete.findings.map((f) => f.code)).toEqual(['EXTERNAL_ARTIFACT']);

    const incomplete = runSecurityCheck({
      ...none,
      external: { ...external, sha256: null, sizeBytes: null },
      owner: 'ml-platform',
    });
    expect(incomplete.status).toBe('FAILED');
    expect(incomplete.findings.map((f) => f.code)).toEqual([
      'NO_CHECKSUM',
      'NO_SIZE',
      'EXTERNAL_ARTIFACT',
    ]);
  });

  it('refuses an r2:// metadata record: the registry’s store holds registered artifacts only', () => {
    const outcome = runSecurityCheck({
      ...none,
      external: { uri: 'r2://orgs/o/model.bin', sha256: sha, sizeBytes: 10 },
      owner: 'ml-platform',
    });
    expect(outcome.status).toBe('FAILED');
    expect(outcome.findings.map((f) => f.code)).toEqual(['NO_ARTIFACT']);
  });

  it('ignores the metadata record when the version has its own artifacts', () => {
    const outcome = runSecurityCheck({
      ...none,
      artifacts: [{ artifact: weights, presence: { state: 'FOUND', sizeBytes: 10, sha256: sha } }],
      external: { uri: 's3://elsewhere', sha256: null, sizeBytes: null },
      owner: 'ml-platform',
    });
    expect(outcome.status).toBe('PASSED');
  });

  it('asks for review when the store cannot be consulted or not every artifact was headed', () => {
    expect(
      runSecurityCheck({
        ...none,
        artifacts: [
          { artifact: weights, presence: { state: 'UNVERIFIABLE', reason: 'no store bound' } },
        ],
        owner: 'ml-platform',
      }).status,
    ).toBe('NEEDS_REVIEW');
    expect(
      runSecurityCheck({
        ...none,
        artifacts: [
          { artifact: weights, presence: { state: 'FOUND', sizeBytes: 10, sha256: sha } },
        ],
        unverifiedCount: 3,
        owner: 'ml-platform',
      }).findings.map((f) => f.code),
    ).toEqual(['NOT_ALL_VERIFIED']);
  });
});

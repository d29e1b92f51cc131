// biome-ignore-all lint/suspicious/noExplicitAny: response shapes are checked by the assertions
// Usage reports, A/B comparison with significance, ROI and the frontier, the cost forecast and
// automatic promotion, on small fixed data with hand-computed answers.
import { describe, expect, it } from 'vitest';
import {
  promoteModelVersion,
  setPromotionPolicy,
} from '../../src/registry/governance/promotion.service.ts';
import {
  auditEvents,
  fieldOf,
  globalId,
  seedDeployment,
  seedExperiment,
  seedModel,
  seedVersion,
  serviceDeps,
  topLevelError,
  unknownId,
  viewerOf,
} from '../helpers/fixtures.ts';
import { createTestOrg, gql } from '../helpers/graphql.ts';
import { DAY, iso, seedRequests, usageRowCounts } from './helpers.ts';

const T0 = Date.parse('2026-10-05T00:00:00.000Z');
const RANGE = { from: iso(T0 - DAY), to: iso(T0 + 5 * DAY) };

const Usage = /* GraphQL */ `
  query Usage($id: ID!, $from: DateTime, $to: DateTime) {
    node(id: $id) {
      ... on Model {
        usage(from: $from, to: $to) {
          requests successfulRequests errorRequests inputTokens outputTokens cachedTokens reasoningTokens
          totalTokens totalCostUsd meanCostUsd costPer1kTokens pricedRequests unpricedRequests
          meanQuality qualityScoredRequests meanLatencyMs
          latency { count p50 p95 p99 }
          byProvider { provider requests totalCostUsd unpricedRequests }
          byDeployment { deployment { name } requests }
        }
        usageTrends(granularity: DAY, from: $from, to: $to) { start requests totalCostUsd unpricedRequests }
        roi(from: $from, to: $to) { qualityPerDollar costPerSuccessfulRequest meanQuality meanCostUsd requests unpricedRequests }
      }
    }
  }
`;

const AbTest = /* GraphQL */ `
  query AbTest($experimentId: ID, $modelIds: [ID!], $versionIds: [ID!], $armsBy: AbTestArmKind, $from: DateTime, $to: DateTime) {
    abTestCompare(experimentId: $experimentId, modelIds: $modelIds, versionIds: $versionIds, armsBy: $armsBy, from: $from, to: $to) {
      arms {
        model { name } modelVersion { version }
        requests errorRate qualityScoredRequests meanQuality qualityCi95 { low high }
        latency { p50 p95 } meanCostUsd unpricedRequests
      }
      pairs { a b qualityDifference quality { statistic degreesOfFreedom pValue } latency { pValue } errorRateDifference errorRate { statistic pValue } }
      verdict { outcome winner objective adjustedAlpha requiredSamplesPerArm additionalSamplesPerArm reason }
    }
  }
`;

describe('Model.usage', () => {
  it('reports requests, tokens, cost, latency percentiles and quality, with unpriced requests apart', async () => {
    const org = await createTestOrg('usage');
    const model = await seedModel(org, 'usage-model');
    const version = await seedVersion(org, model.id, '1.0.0');
    const deployment = await seedDeployment(org, 'usage-prod', [{ versionId: version.id }]);
    await seedRequests(org, [
      {
        modelId: model.id,
        latencyMs: 10,
        inputTokens: 100,
        outputTokens: 50,
        costUsd: 0.01,
        quality: 0.8,
        timestamp: new Date(T0),
        deploymentId: deployment.id,
      },
      {
        modelId: model.id,
        latencyMs: 20,
        inputTokens: 100,
        outputTokens: 50,
        cachedTokens: 40,
        costUsd: 0.02,
        quality: 0.6,
        timestamp: new Date(T0 + 1000),
        deploymentId: deployment.id,
      },
      {
        modelId: model.id,
        latencyMs: 30,
        inputTokens: 200,
        outputTokens: 100,
        reasoningTokens: 30,
        costUsd: 0.03,
        quality: 1.0,
        timestamp: new Date(T0 + DAY),
        deploymentId: deployment.id,
      },
      {
        modelId: model.id,
        latencyMs: 40,
        inputTokens: 100,
        outputTokens: 0,
        costUsd: 0.04,
        status: 'ERROR',
        provider: 'azure',
        timestamp: new Date(T0 + DAY),
      },
      // Unpriced: no cost given and no price for this provider.
      {
        modelId: model.id,
        latencyMs: 50,
        inputTokens: 1000,
        outputTokens: 1000,
        quality: 0.2,
        provider: 'azure',
        timestamp: new Date(T0 + DAY),
      },
      // Outside the range.
      { modelId: model.id, latencyMs: 9999, costUsd: 9, timestamp: new Date(T0 - 3 * DAY) },
    ]);
    const response = await gql(org.tokens.VIEWER, Usage, {
      id: globalId('Model', model.id),
      ...RANGE,
    });
    expect(response.errors).toBeUndefined();
    const { usage, usageTrends, roi } = fieldOf(response, 'node');
    expect(usage).toMatchObject({
      requests: 5,
      successfulRequests: 4,
      errorRequests: 1,
      inputTokens: 1500,
      outputTokens: 1200,
      cachedTokens: 40,
      reasoningTokens: 30,
      totalTokens: 2700,
      pricedRequests: 4,
      unpricedRequests: 1,
      qualityScoredRequests: 4,
      latency: { count: 5, p50: 30 },
    });
    expect(usage.totalCostUsd).toBeCloseTo(0.1, 12);
    expect(usage.meanCostUsd).toBeCloseTo(0.025, 12);
    // Priced tokens: 150 + 150 + 300 + 100 = 700; 0.1 / 700 x 1000.
    expect(usage.costPer1kTokens).toBeCloseTo(0.1 / 0.7, 12);
    expect(usage.meanQuality).toBeCloseTo(0.65, 12);
    expect(usage.meanLatencyMs).toBe(30);
    // h = 4 x 0.95 = 3.8: 40 + 0.8 x 10; h = 3.96: 40 + 0.96 x 10.
    expect(usage.latency.p95).toBeCloseTo(48, 10);
    expect(usage.latency.p99).toBeCloseTo(49.6, 10);
    expect(usage.byProvider).toHaveLength(2);
    expect(usage.byProvider[0]).toMatchObject({
      provider: 'openai',
      requests: 3,
      unpricedRequests: 0,
    });
    expect(usage.byProvider[0].totalCostUsd).toBeCloseTo(0.06, 12);
    expect(usage.byProvider[1]).toMatchObject({
      provider: 'azure',
      requests: 2,
      unpricedRequests: 1,
    });
    expect(usage.byDeployment).toEqual([
      { deployment: { name: 'usage-prod' }, requests: 3 },
      { deployment: null, requests: 2 },
    ]);
    expect(usageTrends.map((p: any) => [p.start, p.requests, p.unpricedRequests])).toEqual([
      [iso(T0), 2, 0],
      [iso(T0 + DAY), 3, 1],
    ]);
    expect(usageTrends[0].totalCostUsd).toBeCloseTo(0.03, 12);
    // ROI base: requests with a quality and a cost: 0.8/0.01, 0.6/0.02, 1.0/0.03.
    expect(roi.requests).toBe(3);
    expect(roi.meanQuality).toBeCloseTo(0.8, 12);
    expect(roi.meanCostUsd).toBeCloseTo(0.02, 12);
    expect(roi.qualityPerDollar).toBeCloseTo(40, 9);
    // All priced cost 0.10 over 3 successful priced requests.
    expect(roi.costPerSuccessfulRequest).toBeCloseTo(0.1 / 3, 12);
    expect(roi.unpricedRequests).toBe(1);

    const empty = await gql(org.tokens.VIEWER, Usage, {
      id: globalId('Model', model.id),
      from: iso(T0 + 30 * DAY),
      to: iso(T0 + 31 * DAY),
    });
    expect(empty.data?.node.usage).toMatchObject({
      requests: 0,
      totalCostUsd: null,
      meanCostUsd: null,
      latency: { count: 0, p50: null },
    });
    const bad = await gql(org.tokens.VIEWER, Usage, {
      id: globalId('Model', model.id),
      from: iso(T0),
      to: iso(T0 + 500 * DAY),
    });
    expect(topLevelError(bad).extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('abTestCompare', () => {
  it('reports per-arm CIs and Welch p-values that match R, and how many more samples are needed', async () => {
    const org = await createTestOrg('ab');
    const a = await seedModel(org, 'arm-a');
    const b = await seedModel(org, 'arm-b');
    const quality = (modelId: string, values: number[], errors = 0) =>
      values.map((q, i) => ({
        modelId,
        quality: q,
        latencyMs: 100 * (i + 1),
        costUsd: 0.01,
        status: (i < errors ? 'ERROR' : 'SUCCESS') as 'ERROR' | 'SUCCESS',
        timestamp: new Date(T0 + i),
      }));
    await seedRequests(org, [
      ...quality(a.id, [1, 2, 3, 4, 5], 1),
      ...quality(b.id, [2, 4, 6, 8, 10]),
    ]);
    const report = fieldOf(
      await gql(org.tokens.VIEWER, AbTest, {
        modelIds: [globalId('Model', a.id), globalId('Model', b.id)],
        ...RANGE,
      }),
      'abTestCompare',
    );
    const [armA, armB] = report.arms;
    expect(armA).toMatchObject({
      model: { name: 'arm-a' },
      modelVersion: null,
      requests: 5,
      errorRate: 0.2,
      meanQuality: 3,
      latency: { p50: 300, p95: 480 },
    });
    expect(armA.qualityCi95.low).toBeCloseTo(3 - 2.776445 * Math.sqrt(0.5), 5);
    expect(armA.qualityCi95.high).toBeCloseTo(3 + 2.776445 * Math.sqrt(0.5), 5);
    expect(armB.meanQuality).toBe(6);
    const [pair] = report.pairs;
    expect(pair.a).toBe(globalId('Model', a.id));
    expect(pair.qualityDifference).toBe(-3);
    expect(pair.quality.statistic).toBeCloseTo(-1.897367, 5);
    expect(pair.quality.degreesOfFreedom).toBeCloseTo(5.882353, 5);
    expect(pair.quality.pValue).toBeCloseTo(0.107531, 5);
    expect(pair.latency.pValue).toBe(1);
    expect(pair.errorRateDifference).toBeCloseTo(0.2, 12);
    expect(report.verdict).toMatchObject({
      outcome: 'NOT_ENOUGH_EVIDENCE',
      winner: null,
      objective: 'QUALITY',
      adjustedAlpha: 0.05,
      // (1.959964 + 0.841621)^2 (2.5 + 10) / 3^2 = 10.9, so 11 per arm; 6 more than the 5 each has.
      requiredSamplesPerArm: 11,
      additionalSamplesPerArm: 6,
    });
  });

  it('declares a winner among an experiment’s versions when the difference is significant', async () => {
    const org = await createTestOrg('ab-exp');
    const model = await seedModel(org, 'exp-model');
    const v1 = await seedVersion(org, model.id, '1.0.0');
    const v2 = await seedVersion(org, model.id, '2.0.0');
    const experiment = await seedExperiment(org, 'exp-1');
    const wave = (i: number) => [-0.02, 0, 0.02][i % 3] as number;
    const rows = [];
    for (let i = 0; i < 30; i++) {
      rows.push({
        modelId: model.id,
        versionId: v1.id,
        experimentId: experiment.id,
        quality: 0.5 + wave(i),
        timestamp: new Date(T0 + i),
      });
      rows.push({
        modelId: model.id,
        versionId: v2.id,
        experimentId: experiment.id,
        quality: 0.9 + wave(i),
        timestamp: new Date(T0 + i),
      });
    }
    // Requests of the model outside the experiment do not count.
    rows.push({ modelId: model.id, versionId: v1.id, quality: 100, timestamp: new Date(T0) });
    await seedRequests(org, rows);
    const report = fieldOf(
      await gql(org.tokens.VIEWER, AbTest, {
        experimentId: globalId('Experiment', experiment.id),
        armsBy: 'VERSION',
        ...RANGE,
      }),
      'abTestCompare',
    );
    expect(report.arms.map((arm: any) => [arm.modelVersion.version, arm.requests])).toEqual([
      ['1.0.0', 30],
      ['2.0.0', 30],
    ]);
    expect(report.verdict).toMatchObject({
      outcome: 'WINNER',
      winner: globalId('ModelVersion', v2.id),
      additionalSamplesPerArm: 0,
    });
    const refused = [
      await gql(org.tokens.VIEWER, AbTest, { ...RANGE }),
      // An experiment with modelIds keeps those arms of it (the seed's call); both lists cannot.
      await gql(org.tokens.VIEWER, AbTest, {
        modelIds: [globalId('Model', model.id)],
        versionIds: [globalId('ModelVersion', v2.id)],
      }),
      await gql(org.tokens.VIEWER, AbTest, { modelIds: [unknownId('Model')] }),
      await gql(org.tokens.VIEWER, AbTest, { experimentId: unknownId('Experiment') }),
    ];
    for (const response of refused)
      expect(topLevelError(response).extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('roiFrontier and costForecast', () => {
  it('finds the Pareto frontier and the cheapest model within a quality tolerance', async () => {
    const org = await createTestOrg('roi');
    const specs = [
      ['premium', 0.95, 0.1],
      ['balanced', 0.9, 0.02],
      ['cheap', 0.6, 0.001],
      ['dominated', 0.85, 0.05],
    ] as const;
    const ids: Record<string, string> = {};
    for (const [name, quality, cost] of specs) {
      const model = await seedModel(org, name);
      ids[name] = model.id;
      await seedRequests(org, [
        { modelId: model.id, quality, costUsd: cost, timestamp: new Date(T0) },
      ]);
    }
    const Frontier = /* GraphQL */ `
      query Frontier($ids: [ID!]!, $tolerance: Float!, $from: DateTime, $to: DateTime) {
        roiFrontier(modelIds: $ids, qualityTolerance: $tolerance, from: $from, to: $to) {
          frontier { model { name } }
          entries { model { name } onFrontier qualityPerDollar }
          bestQuality
          cheapestWithinTolerance { name }
        }
      }
    `;
    const all = Object.values(ids).map((id) => globalId('Model', id));
    const result = fieldOf(
      await gql(org.tokens.VIEWER, Frontier, { ids: all, tolerance: 0.05, ...RANGE }),
      'roiFrontier',
    );
    expect(result.frontier.map((e: any) => e.model.name)).toEqual(['cheap', 'balanced', 'premium']);
    expect(result.entries.find((e: any) => e.model.name === 'dominated').onFrontier).toBe(false);
    expect(result.bestQuality).toBe(0.95);
    expect(result.cheapestWithinTolerance).toEqual({ name: 'balanced' });
    const strict = fieldOf(
      await gql(org.tokens.VIEWER, Frontier, { ids: all, tolerance: 0, ...RANGE }),
      'roiFrontier',
    );
    expect(strict.cheapestWithinTolerance).toEqual({ name: 'premium' });
  });

  it('forecasts the next days’ spend from the daily trend and finds when a budget is passed', async () => {
    const org = await createTestOrg('forecast');
    const model = await seedModel(org, 'forecast-model');
    // Ten days of history ending 2026-10-21 (today is 10-21): spend 1, 2, ..., 10 USD a day.
    const today = Date.parse('2026-10-21T00:00:00.000Z');
    const rows = [];
    for (let i = 0; i < 10; i++) {
      rows.push({
        modelId: model.id,
        costUsd: i + 1,
        timestamp: new Date(today - (10 - i) * DAY + 3600_000),
      });
    }
    rows.push({ modelId: model.id, timestamp: new Date(today - DAY + 7200_000) }); // unpriced
    await seedRequests(org, rows);
    const Forecast = /* GraphQL */ `
      query Forecast($id: ID!, $at: DateTime!) {
        node(id: $id) { ... on Model {
          costForecast(days: 5, historyDays: 10, monthlyBudgetUsd: 100, at: $at) {
            trendPerDayUsd forecastUsd forecastLowUsd forecastHighUsd unpricedRequests monthToDateUsd budgetCrossedOn
            daily { day costUsd }
          }
        } }
      }
    `;
    const forecast = fieldOf(
      await gql(org.tokens.VIEWER, Forecast, {
        id: globalId('Model', model.id),
        at: iso(today + 12 * 3600_000),
      }),
      'node',
    ).costForecast;
    expect(forecast.trendPerDayUsd).toBeCloseTo(1, 10);
    // An exact line: 11 + 12 + 13 + 14 + 15, with no residual spread.
    expect(forecast.forecastUsd).toBeCloseTo(65, 9);
    expect(forecast.forecastLowUsd).toBeCloseTo(65, 6);
    expect(forecast.forecastHighUsd).toBeCloseTo(65, 6);
    expect(forecast.unpricedRequests).toBe(1);
    expect(forecast.daily).toHaveLength(10);
    expect(forecast.daily[0]).toEqual({ day: '2026-10-11', costUsd: 1 });
    // October 11-20 spent 55; the 21st adds 11 (66), the 22nd 12 (78), the 23rd 13 (91), the 24th 14 (105).
    expect(forecast.monthToDateUsd).toBeCloseTo(55, 10);
    expect(forecast.budgetCrossedOn).toBe('2026-10-24');
  });
});

describe('automatic promotion', () => {
  const RuleSet = /* GraphQL */ `
    mutation RuleSet($input: AutoPromotionRuleSetInput!) {
      autoPromotionRuleSet(input: $input) {
        __typename
        ... on AutoPromotionRuleSetPayload { rule { objective significanceLevel minSamples enabled } }
        ... on Error { message path }
      }
    }
  `;
  const Run = /* GraphQL */ `
    mutation Run($input: AutoPromotionRunInput!) {
      autoPromotionRun(input: $input) {
        __typename
        ... on AutoPromotionRunPayload { decision {
          outcome dryRun reason winner { version } previousProductionVersion { version }
          eligibleVersions { version }
          comparison { verdict { outcome } arms { modelVersion { version } meanQualityPerDollar } }
        } }
        ... on Error { message path }
      }
    }
  `;

  async function setup(name: string) {
    const org = await createTestOrg(name);
    const model = await seedModel(org, `${name}-model`);
    const v1 = await seedVersion(org, model.id, '1.0.0');
    const v2 = await seedVersion(org, model.id, '2.0.0');
    // The default policy requires an approval; these tests opt out, then back in to test the gate.
    await setPromotionPolicy(serviceDeps(), viewerOf(org, 'ADMIN'), {
      requireApproval: false,
      requiredChecks: [],
    });
    await promoteModelVersion(serviceDeps(), viewerOf(org), { versionId: v1.id });
    const wave = (i: number) => [-0.02, 0, 0.02][i % 3] as number;
    const rows = [];
    for (let i = 0; i < 30; i++) {
      // v2: better quality at the same cost, but slower.
      rows.push({
        modelId: model.id,
        versionId: v1.id,
        quality: 0.5 + wave(i),
        costUsd: 0.01,
        latencyMs: 100,
        timestamp: new Date(T0 + i),
      });
      rows.push({
        modelId: model.id,
        versionId: v2.id,
        quality: 0.9 + wave(i),
        costUsd: 0.01,
        latencyMs: 900,
        timestamp: new Date(T0 + i),
      });
    }
    await seedRequests(org, rows);
    return { org, model, v1, v2, modelId: globalId('Model', model.id) };
  }

  it('shows what it would do in a dry run, then promotes the winner through the gate and audits the decision', async () => {
    const { org, model, v2, modelId } = await setup('auto');
    const noRule = fieldOf(
      await gql(org.tokens.EDITOR, Run, { input: { modelId, ...RANGE } }),
      'autoPromotionRun',
    );
    expect(noRule).toMatchObject({ __typename: 'ConflictError', path: ['input', 'modelId'] });
    const rule = fieldOf(
      await gql(org.tokens.EDITOR, RuleSet, {
        input: {
          modelId,
          objective: 'QUALITY_PER_DOLLAR',
          significanceLevel: 0.01,
          minSamples: 20,
        },
      }),
      'autoPromotionRuleSet',
    );
    expect(rule.rule).toEqual({
      objective: 'QUALITY_PER_DOLLAR',
      significanceLevel: 0.01,
      minSamples: 20,
      enabled: true,
    });

    const before = await usageRowCounts(org.orgId);
    const dry = fieldOf(
      await gql(org.tokens.EDITOR, Run, { input: { modelId, ...RANGE, dryRun: true } }),
      'autoPromotionRun',
    );
    expect(dry.decision).toMatchObject({
      outcome: 'WOULD_PROMOTE',
      dryRun: true,
      winner: { version: '2.0.0' },
      previousProductionVersion: { version: '1.0.0' },
      comparison: { verdict: { outcome: 'WINNER' } },
    });
    expect(dry.decision.comparison.arms.map((a: any) => a.meanQualityPerDollar)).toEqual([
      expect.closeTo(50, 9),
      expect.closeTo(90, 9),
    ]);
    expect(await usageRowCounts(org.orgId)).toEqual(before);

    const real = fieldOf(
      await gql(org.tokens.EDITOR, Run, { input: { modelId, ...RANGE } }),
      'autoPromotionRun',
    );
    expect(real.decision).toMatchObject({
      outcome: 'PROMOTED',
      dryRun: false,
      winner: { version: '2.0.0' },
    });
    const production = await gql(
      org.tokens.VIEWER,
      /* GraphQL */ `query ($id: ID!) { node(id: $id) { ... on Model { productionVersion { version } } } }`,
      { id: modelId },
    );
    expect(production.data?.node.productionVersion).toEqual({ version: '2.0.0' });
    const promote = await auditEvents(org.orgId, { action: 'model.promote', subjectId: model.id });
    expect(promote.at(-1)?.after).toMatchObject({ versionId: v2.id });
    expect(promote.at(-1)?.reason).toMatch(/^Automatic promotion/);
    const [decision] = await auditEvents(org.orgId, { action: 'autoPromotion.decide' });
    expect(decision?.after).toMatchObject({
      outcome: 'PROMOTED',
      winnerVersionId: v2.id,
      rule: { objective: 'QUALITY_PER_DOLLAR', significanceLevel: 0.01, minSamples: 20 },
      verdict: { outcome: 'WINNER', adjustedAlpha: 0.01 },
    });
    expect(decision?.after.arms).toHaveLength(2);
    expect(decision?.after.arms[1]).toMatchObject({
      versionId: v2.id,
      requests: 30,
      eligible: true,
    });

    const again = fieldOf(
      await gql(org.tokens.EDITOR, Run, { input: { modelId, ...RANGE } }),
      'autoPromotionRun',
    );
    expect(again.decision.outcome).toBe('ALREADY_PRODUCTION');
    expect(await auditEvents(org.orgId, { action: 'autoPromotion.decide' })).toHaveLength(2);
  });

  it('leaves out versions over the latency ceiling, and is refused by the approval gate like a person', async () => {
    const { org, modelId } = await setup('auto-gate');
    fieldOf(
      await gql(org.tokens.EDITOR, RuleSet, {
        input: { modelId, objective: 'QUALITY_UNDER_CEILINGS', maxLatencyMs: 500 },
      }),
      'autoPromotionRuleSet',
    );
    const capped = fieldOf(
      await gql(org.tokens.EDITOR, Run, { input: { modelId, ...RANGE } }),
      'autoPromotionRun',
    );
    expect(capped.decision).toMatchObject({
      outcome: 'NO_WINNER',
      eligibleVersions: [{ version: '1.0.0' }],
      winner: null,
    });

    fieldOf(
      await gql(org.tokens.EDITOR, RuleSet, {
        input: { modelId, objective: 'QUALITY_UNDER_CEILINGS', maxLatencyMs: 1000 },
      }),
      'autoPromotionRuleSet',
    );
    await setPromotionPolicy(serviceDeps(), viewerOf(org, 'ADMIN'), {
      requireApproval: true,
      requiredChecks: [],
    });
    const refused = fieldOf(
      await gql(org.tokens.EDITOR, Run, { input: { modelId, ...RANGE } }),
      'autoPromotionRun',
    );
    expect(refused.decision).toMatchObject({
      outcome: 'REFUSED',
      winner: { version: '2.0.0' },
      previousProductionVersion: { version: '1.0.0' },
    });
    expect(refused.decision.reason).toMatch(/promotion gate refused/);
    const production = await gql(
      org.tokens.VIEWER,
      /* GraphQL */ `query ($id: ID!) { node(id: $id) { ... on Model { productionVersion { version } } } }`,
      { id: modelId },
    );
    expect(production.data?.node.productionVersion).toEqual({ version: '1.0.0' });
    const decisions = await auditEvents(org.orgId, { action: 'autoPromotion.decide' });
    expect(decisions.map((d) => d.after.outcome)).toEqual(['NO_WINNER', 'REFUSED']);
  });

  it('refuses bad rules without writing', async () => {
    const { org, modelId } = await setup('auto-bad');
    const before = await usageRowCounts(org.orgId);
    const cases: [Record<string, unknown>, string, string][] = [
      [{ modelId, objective: 'QUALITY_UNDER_CEILINGS' }, 'ValidationError', 'objective'],
      [
        { modelId, objective: 'QUALITY_PER_DOLLAR', significanceLevel: 0.7 },
        'ValidationError',
        'significanceLevel',
      ],
      [
        { modelId, objective: 'QUALITY_PER_DOLLAR', minSamples: 1 },
        'ValidationError',
        'minSamples',
      ],
      [
        { modelId, objective: 'QUALITY_UNDER_CEILINGS', maxLatencyMs: -5 },
        'ValidationError',
        'maxLatencyMs',
      ],
      [
        { modelId: unknownId('Model'), objective: 'QUALITY_PER_DOLLAR' },
        'NotFoundError',
        'modelId',
      ],
      [
        { modelId, objective: 'QUALITY_PER_DOLLAR', experimentId: unknownId('Experiment') },
        'NotFoundError',
        'experimentId',
      ],
    ];
    for (const [input, typename, field] of cases) {
      const result = fieldOf(
        await gql(org.tokens.EDITOR, RuleSet, { input }),
        'autoPromotionRuleSet',
      );
      expect(result, JSON.stringify(input)).toMatchObject({
        __typename: typename,
        path: ['input', field],
      });
    }
    expect(
      topLevelError(
        await gql(org.tokens.VIEWER, RuleSet, {
          input: { modelId, objective: 'QUALITY_PER_DOLLAR' },
        }),
      ).extensions?.code,
    ).toBe('FORBIDDEN');
    expect(await usageRowCounts(org.orgId)).toEqual(before);
  });
});

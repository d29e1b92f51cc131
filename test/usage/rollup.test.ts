// The hourly rollup (migrations/0006) against the raw computation: for random windows, every
// rollup-based read equals its raw twin in usage.repository.ts (the reference): counts and token
// sums exactly, REAL sums and moments to 1e-9 relative (the order of additions differs). Also: the
// rollup table itself equals a GROUP BY over the raw rows after inserts, updates and deletes.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import {
  compareArms,
  forecastCosts,
  usageReports,
} from '../../src/registry/usage/analysis.service.ts';
import { splitRange } from '../../src/registry/usage/rollup.repository.ts';
import { setPrice } from '../../src/registry/usage/usage.service.ts';
import type { ArmSelection } from '../../src/registry/usage/usage-scope.ts';
import { USAGE_READS } from '../../src/registry/usage/usage-source.ts';
import {
  seedDeployment,
  seedExperiment,
  seedModel,
  seedVersion,
  serviceDeps,
  viewerOf,
} from '../helpers/fixtures.ts';
import { createTestOrg, testDb } from '../helpers/graphql.ts';
import { DAY, iso, seedRequests } from './helpers.ts';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-09-01T00:00:00.000Z');
const SPAN = 4 * DAY;

/** Deterministic PRNG (mulberry32), so a failure reproduces. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Deep equality with numbers compared to 1e-9 relative (exact for integers and nulls). */
function expectClose(actual: unknown, expected: unknown, path = '$'): void {
  if (typeof expected === 'number' && Number.isNaN(expected)) {
    expect(Number.isNaN(actual as number), path).toBe(true);
    return;
  }
  if (typeof expected === 'number' && typeof actual === 'number') {
    if (Number.isInteger(expected) && Number.isInteger(actual) && Math.abs(expected) < 2 ** 52) {
      // Counts and token sums: exact. (A REAL sum that happens to be whole is compared the same.)
      if (
        actual !== expected &&
        Math.abs(actual - expected) > 1e-9 * Math.max(1, Math.abs(expected))
      ) {
        throw new Error(`${path}: ${actual} !== ${expected}`);
      }
      return;
    }
    const scale = Math.max(1, Math.abs(expected));
    if (!(Math.abs(actual - expected) <= 1e-9 * scale)) {
      throw new Error(`${path}: ${actual} differs from ${expected}`);
    }
    return;
  }
  if (Array.isArray(expected)) {
    expect(Array.isArray(actual), path).toBe(true);
    expect((actual as unknown[]).length, `${path}.length`).toBe(expected.length);
    for (const [i, item] of expected.entries()) {
      expectClose((actual as unknown[])[i], item, `${path}[${i}]`);
    }
    return;
  }
  if (expected instanceof Map) {
    expectClose(
      Object.fromEntries(actual as Map<string, unknown>),
      Object.fromEntries(expected),
      path,
    );
    return;
  }
  if (expected instanceof Date) {
    expect((actual as Date).toISOString(), path).toBe(expected.toISOString());
    return;
  }
  if (expected !== null && typeof expected === 'object') {
    expect(Object.keys(actual as object).sort(), path).toEqual(Object.keys(expected).sort());
    for (const [key, value] of Object.entries(expected)) {
      expectClose((actual as Record<string, unknown>)[key], value, `${path}.${key}`);
    }
    return;
  }
  expect(actual, path).toBe(expected);
}

async function seedWorld(seed: number) {
  const org = await createTestOrg(`rollup-${seed}`);
  const random = rng(seed);
  const models = [];
  for (let m = 0; m < 3; m++) {
    const model = await seedModel(org, `rollup-model-${m}`);
    const versions = [
      await seedVersion(org, model.id, '1.0.0'),
      await seedVersion(org, model.id, '2.0.0'),
    ];
    models.push({ model, versions });
  }
  const deployment = await seedDeployment(org, 'rollup-prod', [
    { versionId: models[0]?.versions[0]?.id as string },
  ]);
  const experiment = await seedExperiment(org, 'rollup-ab');
  // A price for one provider model from day 1: requests before it stay unpriced.
  await setPrice(serviceDeps(), viewerOf(org, 'ADMIN'), {
    provider: 'anthropic',
    modelPattern: 'claude-*',
    inputPerMillion: 3,
    outputPerMillion: 15,
    cachedInputPerMillion: 0.3,
    effectiveFrom: new Date(T0 + DAY),
  });
  const requests = [];
  for (let i = 0; i < 1200; i++) {
    const { model, versions } = models[Math.floor(random() * 3)] as (typeof models)[number];
    const inputTokens = Math.floor(random() * 3000);
    const outputTokens = Math.floor(random() * 900);
    const kind = random();
    requests.push({
      modelId: model.id,
      versionId: random() < 0.85 ? versions[Math.floor(random() * 2)]?.id : null,
      deploymentId: random() < 0.5 ? deployment.id : null,
      experimentId: random() < 0.6 ? experiment.id : null,
      provider: kind < 0.4 ? 'openai' : 'anthropic',
      providerModel: kind < 0.4 ? 'gpt-x' : 'claude-y',
      latencyMs: 50 + random() * 2000,
      inputTokens,
      outputTokens,
      cachedTokens: Math.floor(inputTokens * random() * 0.5),
      reasoningTokens: Math.floor(outputTokens * random() * 0.3),
      // Given costs for some openai requests (0 included); others unpriced or from the table.
      costUsd: kind < 0.25 ? Math.round(random() * 1e6) / 1e8 : kind < 0.27 ? 0 : null,
      quality: random() < 0.8 ? random() : null,
      status: random() < 0.07 ? ('ERROR' as const) : ('SUCCESS' as const),
      timestamp: new Date(T0 + Math.floor(random() * SPAN)),
    });
  }
  await seedRequests(org, requests);
  return { org, models, experiment, random };
}

/** A random window inside the data: on hour boundaries, inside one hour, or anywhere. */
function randomWindow(random: () => number) {
  const shape = random();
  let from = T0 - HOUR + Math.floor(random() * (SPAN + 2 * HOUR));
  let to = from + 1 + Math.floor(random() * SPAN);
  if (shape < 0.2) {
    from = Math.floor(from / HOUR) * HOUR;
    to = Math.ceil(to / HOUR) * HOUR;
  } else if (shape < 0.35) {
    to = from + 1 + Math.floor(random() * (HOUR / 2));
  }
  return { from: iso(from), to: iso(to) };
}

describe('splitRange', () => {
  it('cuts a range into whole hours and raw edges, or all raw under two hour boundaries', () => {
    expect(
      splitRange({ from: '2026-01-01T10:15:00.000Z', to: '2026-01-01T13:05:00.000Z' }),
    ).toEqual({
      whole: { from: '2026-01-01T11:00:00.000Z', to: '2026-01-01T13:00:00.000Z' },
      raw: [
        { from: '2026-01-01T10:15:00.000Z', to: '2026-01-01T11:00:00.000Z' },
        { from: '2026-01-01T13:00:00.000Z', to: '2026-01-01T13:05:00.000Z' },
      ],
    });
    expect(
      splitRange({ from: '2026-01-01T10:00:00.000Z', to: '2026-01-01T12:00:00.000Z' }),
    ).toEqual({
      whole: { from: '2026-01-01T10:00:00.000Z', to: '2026-01-01T12:00:00.000Z' },
      raw: [],
    });
    expect(
      splitRange({ from: '2026-01-01T10:15:00.000Z', to: '2026-01-01T11:05:00.000Z' }),
    ).toEqual({
      whole: null,
      raw: [{ from: '2026-01-01T10:15:00.000Z', to: '2026-01-01T11:05:00.000Z' }],
    });
  });
});

describe('hourly rollup == raw rows', () => {
  it('gives the raw answers for totals, breakdowns, trends, daily costs and arm moments on 40 random windows', async () => {
    const { org, models, experiment, random } = await seedWorld(7);
    const db = testDb();
    const ids = models.map((m) => m.model.id);
    const armSelections: ArmSelection[] = [
      { kind: 'models', ids },
      { kind: 'experiment', experimentId: experiment.id, armColumn: 'model_id' },
      {
        kind: 'experiment',
        experimentId: experiment.id,
        armColumn: 'version_id',
        modelId: ids[0] as string,
      },
      { kind: 'versions', modelId: ids[1] as string, ids: null },
      { kind: 'versions', modelId: null, ids: models.flatMap((m) => m.versions.map((v) => v.id)) },
    ];
    let nonEmpty = 0;
    for (let w = 0; w < 40; w++) {
      const range = randomWindow(random);
      const [raw, rollup] = [USAGE_READS.RAW, USAGE_READS.ROLLUP];
      const rawTotals = await raw.totals(db, org.orgId, ids, range);
      if (rawTotals.size > 0) nonEmpty++;
      expectClose(await rollup.totals(db, org.orgId, ids, range), rawTotals, `w${w}.totals`);
      for (const by of ['provider', 'deployment_id'] as const) {
        expectClose(
          await rollup.breakdowns(db, org.orgId, ids, range, by),
          await raw.breakdowns(db, org.orgId, ids, range, by),
          `w${w}.by.${by}`,
        );
      }
      for (const granularity of ['HOUR', 'DAY', 'WEEK'] as const) {
        expectClose(
          await rollup.trends(db, org.orgId, ids, range, granularity),
          await raw.trends(db, org.orgId, ids, range, granularity),
          `w${w}.trends.${granularity}`,
        );
      }
      expectClose(
        await rollup.dailyCosts(db, org.orgId, ids, range),
        await raw.dailyCosts(db, org.orgId, ids, range),
        `w${w}.daily`,
      );
      for (const [a, arms] of armSelections.entries()) {
        expectClose(
          await rollup.armMoments(db, org.orgId, arms, range),
          await raw.armMoments(db, org.orgId, arms, range),
          `w${w}.arms${a}`,
        );
      }
    }
    // The windows did hit data (not 40 empty comparisons).
    expect(nonEmpty).toBeGreaterThan(30);
  }, 240_000);

  it('gives the raw answers through the services: usage, abTestCompare and the forecast', async () => {
    const { org, models, experiment, random } = await seedWorld(11);
    const db = testDb();
    const ids = models.map((m) => m.model.id);
    for (let w = 0; w < 10; w++) {
      const range = randomWindow(random);
      expectClose(
        await usageReports(db, org.orgId, ids, range, 'ROLLUP'),
        await usageReports(db, org.orgId, ids, range, 'RAW'),
        `w${w}.usage`,
      );
      for (const objective of ['QUALITY', 'QUALITY_PER_DOLLAR'] as const) {
        const options = {
          arms: { kind: 'experiment', experimentId: experiment.id, armColumn: 'model_id' } as const,
          range,
          alpha: 0.05,
          power: 0.8,
          objective,
        };
        expectClose(
          await compareArms(db, org.orgId, { ...options, source: 'ROLLUP' }),
          await compareArms(db, org.orgId, { ...options, source: 'RAW' }),
          `w${w}.ab.${objective}`,
        );
      }
    }
    const at = new Date(T0 + SPAN + 7 * HOUR + 1234);
    const options = { at, historyDays: 5, horizonDays: 30, monthlyBudgetUsd: 1 };
    expectClose(
      await forecastCosts(db, org.orgId, ids, { ...options, source: 'ROLLUP' }),
      await forecastCosts(db, org.orgId, ids, { ...options, source: 'RAW' }),
      'forecast',
    );
  }, 120_000);

  it('stays equal to a GROUP BY over the raw rows after updates that move rows and after deletes', async () => {
    const { org, models } = await seedWorld(3);
    const groupBy = `SELECT model_id, substr(requested_at, 1, 13) || ':00:00.000Z' AS hour,
        coalesce(version_id, '') AS version_id, provider, coalesce(deployment_id, '') AS deployment_id,
        coalesce(experiment_id, '') AS experiment_id, status,
        count(*) AS requests, sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens,
        count(cost_usd) AS priced_count, count(quality) AS quality_count,
        round(coalesce(sum(cost_usd), 0), 9) AS cost, round(sum(latency_ms), 6) AS latency
      FROM inference_request WHERE org_id = ?1
      GROUP BY 1, 2, 3, 4, 5, 6, 7 ORDER BY 1, 2, 3, 4, 5, 6, 7`;
    const fromRollup = `SELECT model_id, hour, version_id, provider, deployment_id, experiment_id, status,
        requests, input_tokens, output_tokens, priced_count, quality_count,
        round(cost_sum, 9) AS cost, round(latency_sum, 6) AS latency
      FROM usage_rollup_hourly WHERE org_id = ?1 AND requests > 0 ORDER BY 1, 2, 3, 4, 5, 6, 7`;
    const compare = async () => {
      const raw = await env.DB.prepare(groupBy).bind(org.orgId).all();
      const rollup = await env.DB.prepare(fromRollup).bind(org.orgId).all();
      expect(raw.results.length).toBeGreaterThan(0);
      expect(rollup.results).toEqual(raw.results);
    };
    await compare();
    const [m0, m1] = models as [(typeof models)[number], (typeof models)[number]];
    // Move some requests to another model, version, hour and status; change others in place.
    await env.DB.prepare(
      `UPDATE inference_request SET model_id = ?2, version_id = ?3, status = 'ERROR',
         requested_at = strftime('%Y-%m-%dT%H:%M:%fZ', requested_at, '+3 hours')
       WHERE org_id = ?1 AND model_id = ?4 AND rowid % 5 = 0`,
    )
      .bind(org.orgId, m1.model.id, m1.versions[1]?.id, m0.model.id)
      .run();
    await env.DB.prepare(
      `UPDATE inference_request SET quality = 0.5, latency_ms = latency_ms + 1 WHERE org_id = ?1 AND rowid % 7 = 0`,
    )
      .bind(org.orgId)
      .run();
    await compare();
    await env.DB.prepare('DELETE FROM inference_request WHERE org_id = ?1 AND rowid % 3 = 0')
      .bind(org.orgId)
      .run();
    await compare();
  });
});

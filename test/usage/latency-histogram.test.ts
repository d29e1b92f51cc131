// The hourly latency histogram (migrations/0008) against the raw computation. Property-style
// (fast-check): on random requests (ties, values exactly at bucket boundaries, one request, none)
// and random windows (whole hours, starting and ending mid-hour, inside one hour, empty), the
// histogram-guided distributions equal the raw window computation: count, min, max, p50, p95 and
// p99 bit for bit (Object.is), mean and variance to 1e-9 relative (sums in another order; exact
// when all values are equal). Every scope: models, experiment arms by model and by version,
// versions of one model and a version list. Also: the histogram equals a GROUP BY over the raw rows
// after inserts through inferenceTrack, after updates that move rows and after deletes, and a
// re-pricing update leaves it alone.
import { env } from 'cloudflare:test';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Distribution } from '../../src/registry/metrics/metrics.ts';
import { compareArms, usageReports } from '../../src/registry/usage/analysis.service.ts';
import type { ArmSelection } from '../../src/registry/usage/usage-scope.ts';
import { USAGE_READS } from '../../src/registry/usage/usage-source.ts';
import { seedExperiment, seedModel, seedVersion } from '../helpers/fixtures.ts';
import { createTestOrg, type TestOrg, testDb } from '../helpers/graphql.ts';
import { iso, seedRequests } from './helpers.ts';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-10-05T00:00:00.000Z');
/** The data spans six hours, so windows have whole hours and partial edges. */
const SPAN = 6 * HOUR;

/** Bucket boundaries (and the values around them), the largest latency the API takes, and zero. */
const EDGE_VALUES = [
  0, 0.1, 0.12, 1, 1.2, 8.2, 10, 100, 120, 150, 180, 999.9999999999999, 1000, 1200, 1800, 2200,
  82_000_000, 86_400_000,
];

const latencyArb = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...EDGE_VALUES) },
  // Few distinct integers: many ties.
  { weight: 3, arbitrary: fc.integer({ min: 95, max: 130 }) },
  { weight: 2, arbitrary: fc.double({ min: 0, max: 5000, noNaN: true, noDefaultInfinity: true }) },
);

const requestArb = fc.record({
  model: fc.integer({ min: 0, max: 1 }),
  version: fc.integer({ min: -1, max: 1 }),
  inExperiment: fc.boolean(),
  latencyMs: latencyArb,
  at: fc.integer({ min: 0, max: SPAN - 1 }),
});

/** A window: whole hours, mid-hour edges, inside one hour, or empty/outside the data. */
const windowArb = fc.oneof(
  fc
    .tuple(fc.integer({ min: -1, max: 6 }), fc.integer({ min: 0, max: 7 }))
    .map(([a, b]) => ({ from: T0 + Math.min(a, b) * HOUR, to: T0 + (Math.max(a, b) + 1) * HOUR })),
  fc
    .tuple(fc.integer({ min: -HOUR, max: SPAN }), fc.integer({ min: 1, max: SPAN + HOUR }))
    .map(([from, length]) => ({ from: T0 + from, to: T0 + from + length })),
  fc
    .tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: HOUR - 2 }))
    .chain(([hour, start]) =>
      fc.integer({ min: start + 1, max: HOUR }).map((end) => ({
        from: T0 + hour * HOUR + start,
        to: T0 + hour * HOUR + end,
      })),
    ),
  fc.constant({ from: T0 + SPAN + HOUR, to: T0 + SPAN + 3 * HOUR }),
);

function expectSameDistribution(
  actual: Distribution | undefined,
  expected: Distribution,
  path: string,
) {
  expect(actual, path).toBeDefined();
  const got = actual as Distribution;
  for (const key of ['count', 'min', 'max', 'p50', 'p95', 'p99'] as const) {
    if (!Object.is(got[key], expected[key])) {
      throw new Error(`${path}.${key}: ${got[key]} is not ${expected[key]} (bit for bit)`);
    }
  }
  for (const key of ['mean', 'variance', 'stddev'] as const) {
    const want = expected[key];
    const have = got[key];
    if (want === null || have === null) {
      expect(have, `${path}.${key}`).toBe(want);
      continue;
    }
    if (!(Math.abs(have - want) <= 1e-9 * Math.max(1, Math.abs(want)))) {
      throw new Error(`${path}.${key}: ${have} differs from ${want}`);
    }
  }
}

function expectSameMaps(
  actual: Map<string, Distribution>,
  expected: Map<string, Distribution>,
  path: string,
) {
  expect([...actual.keys()].sort(), `${path} groups`).toEqual([...expected.keys()].sort());
  for (const [group, distribution] of expected) {
    expectSameDistribution(actual.get(group), distribution, `${path}[${group}]`);
  }
}

/** The histogram's rows against a GROUP BY over the raw requests (counts exact, sums rounded). */
async function expectHistogramInStep(orgId: string) {
  const bucketOf = `(SELECT b.bucket FROM usage_latency_bucket AS b WHERE b.lower_ms <= r.latency_ms
    ORDER BY b.lower_ms DESC LIMIT 1)`;
  const raw = await env.DB.prepare(
    `SELECT r.model_id, substr(r.requested_at, 1, 13) || ':00:00.000Z' AS hour,
        coalesce(r.version_id, '') AS version_id, coalesce(r.experiment_id, '') AS experiment_id,
        ${bucketOf} AS bucket, count(*) AS requests, round(sum(r.latency_ms), 3) AS s
      FROM inference_request AS r WHERE r.org_id = ?1
      GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5`,
  )
    .bind(orgId)
    .all();
  const histogram = await env.DB.prepare(
    `SELECT model_id, hour, version_id, experiment_id, bucket, requests, round(latency_sum, 3) AS s
      FROM usage_latency_hourly WHERE org_id = ?1 ORDER BY 1, 2, 3, 4, 5`,
  )
    .bind(orgId)
    .all();
  expect(histogram.results).toEqual(raw.results);
}

interface World {
  org: TestOrg;
  models: { id: string; versions: string[] }[];
  experimentId: string;
}

let world: World;

beforeAll(async () => {
  const org = await createTestOrg('latency-histogram');
  const models = [];
  for (let m = 0; m < 2; m++) {
    const model = await seedModel(org, `histogram-model-${m}`);
    models.push({
      id: model.id,
      versions: [
        (await seedVersion(org, model.id, '1.0.0')).id,
        (await seedVersion(org, model.id, '2.0.0')).id,
      ],
    });
  }
  const experiment = await seedExperiment(org, 'histogram-ab');
  world = { org, models, experimentId: experiment.id };
});

type RequestDraft = typeof requestArb extends fc.Arbitrary<infer T> ? T : never;

async function replaceRequests(requests: RequestDraft[]) {
  // Deleting goes through the delete triggers: the histogram must be empty afterwards.
  await env.DB.prepare('DELETE FROM inference_request WHERE org_id = ?1')
    .bind(world.org.orgId)
    .run();
  const left = await env.DB.prepare(
    'SELECT count(*) AS n FROM usage_latency_hourly WHERE org_id = ?1',
  )
    .bind(world.org.orgId)
    .first<{ n: number }>();
  expect(left?.n).toBe(0);
  if (requests.length === 0) return;
  await seedRequests(
    world.org,
    requests.map((request) => {
      const model = world.models[request.model] as World['models'][number];
      return {
        modelId: model.id,
        versionId: request.version < 0 ? null : model.versions[request.version],
        experimentId: request.inExperiment ? world.experimentId : null,
        latencyMs: request.latencyMs,
        timestamp: new Date(T0 + request.at),
      };
    }),
  );
}

function armSelections(): ArmSelection[] {
  const [m0, m1] = world.models as [World['models'][number], World['models'][number]];
  return [
    { kind: 'models', ids: [m0.id, m1.id] },
    { kind: 'experiment', experimentId: world.experimentId, armColumn: 'model_id' },
    { kind: 'experiment', experimentId: world.experimentId, armColumn: 'version_id' },
    {
      kind: 'experiment',
      experimentId: world.experimentId,
      armColumn: 'version_id',
      modelId: m1.id,
    },
    { kind: 'versions', modelId: m0.id, ids: null },
    { kind: 'versions', modelId: null, ids: [m0.versions[1] as string, ...m1.versions] },
  ];
}

describe('histogram-guided latency distributions == raw', () => {
  it('on random requests and windows, in every scope', async () => {
    const db = testDb();
    let nonEmpty = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(requestArb, { minLength: 0, maxLength: 120 }),
        fc.array(windowArb, { minLength: 1, maxLength: 4 }),
        async (requests, windows) => {
          await replaceRequests(requests);
          await expectHistogramInStep(world.org.orgId);
          const ids = world.models.map((m) => m.id);
          for (const window of windows) {
            const range = { from: iso(window.from), to: iso(window.to) };
            const expected = await USAGE_READS.RAW.latency(db, world.org.orgId, ids, range);
            if (expected.size > 0) nonEmpty += 1;
            expectSameMaps(
              await USAGE_READS.ROLLUP.latency(db, world.org.orgId, ids, range),
              expected,
              `models ${range.from}..${range.to}`,
            );
            for (const [a, arms] of armSelections().entries()) {
              expectSameMaps(
                await USAGE_READS.ROLLUP.armLatency(db, world.org.orgId, arms, range),
                await USAGE_READS.RAW.armLatency(db, world.org.orgId, arms, range),
                `arms${a} ${range.from}..${range.to}`,
              );
            }
          }
        },
      ),
      { numRuns: 40, seed: 20261126 },
    );
    // The windows did hit data.
    expect(nonEmpty).toBeGreaterThan(20);
  }, 300_000);

  it('one request, and all requests equal (mean and variance exact)', async () => {
    const db = testDb();
    const [m0] = world.models as [World['models'][number]];
    const range = { from: iso(T0), to: iso(T0 + SPAN) };
    await replaceRequests([{ model: 0, version: 0, inExperiment: false, latencyMs: 0.1, at: 5 }]);
    const one = (await USAGE_READS.ROLLUP.latency(db, world.org.orgId, [m0.id], range)).get(m0.id);
    expect(one).toEqual({
      count: 1,
      mean: 0.1,
      min: 0.1,
      max: 0.1,
      variance: null,
      stddev: null,
      p50: 0.1,
      p95: 0.1,
      p99: 0.1,
    });
    await replaceRequests(
      Array.from({ length: 7 }, (_, i) => ({
        model: 0,
        version: 0,
        inExperiment: false,
        latencyMs: 0.1,
        at: i * HOUR - (i % 2),
      })).filter((r) => r.at >= 0),
    );
    const same = (await USAGE_READS.ROLLUP.latency(db, world.org.orgId, [m0.id], range)).get(m0.id);
    expect(same).toMatchObject({ mean: 0.1, variance: 0, stddev: 0, p50: 0.1, p99: 0.1 });
  });

  it('answers from the raw rows when a rank the histogram promised is missing (a delete between its statements)', async () => {
    // given requests, and a histogram row claiming one request more than exist (as if a request
    // of the range were deleted after the histogram was read)
    const db = testDb();
    const [m0] = world.models as [World['models'][number]];
    const range = { from: iso(T0), to: iso(T0 + SPAN) };
    await replaceRequests(
      [100, 105, 110, 115].map((latencyMs, i) => ({
        model: 0,
        version: 0,
        inExperiment: false,
        latencyMs,
        at: HOUR + i,
      })),
    );
    // One hour, one bucket: one row, now claiming 14 requests where 4 exist.
    await env.DB.prepare(
      'UPDATE usage_latency_hourly SET requests = requests + 10 WHERE org_id = ?1 AND model_id = ?2',
    )
      .bind(world.org.orgId, m0.id)
      .run();

    // when
    const answer = await USAGE_READS.ROLLUP.latency(db, world.org.orgId, [m0.id], range);

    const raw = await USAGE_READS.RAW.latency(db, world.org.orgId, [m0.id], range);
    await env.DB.prepare('DELETE FROM usage_latency_hourly WHERE org_id = ?1')
      .bind(world.org.orgId)
      .run();

    // then the exact raw answer, not an error and not a wrong rank
    expectSameMaps(answer, raw, 'after a missing rank');
    expect(answer.get(m0.id)).toMatchObject({ count: 4, min: 100, max: 115, p50: 107.5 });
  });

  it('the services (usage, abTestCompare) answer the same from either source', async () => {
    const db = testDb();
    const ids = world.models.map((m) => m.id);
    const requests = Array.from({ length: 300 }, (_, i) => ({
      model: i % 2,
      version: (i % 3) - 1,
      inExperiment: i % 4 !== 0,
      latencyMs: EDGE_VALUES[i % EDGE_VALUES.length] as number,
      at: (i * 7_919_000) % SPAN,
    }));
    await replaceRequests(requests);
    const range = { from: iso(T0 + 1234), to: iso(T0 + SPAN - 4321) };
    const [rollup, raw] = [
      await usageReports(db, world.org.orgId, ids, range, 'ROLLUP'),
      await usageReports(db, world.org.orgId, ids, range, 'RAW'),
    ];
    for (const [i, report] of raw.entries()) {
      expectSameDistribution(
        rollup[i]?.latency ?? undefined,
        report.latency as Distribution,
        `usage${i}`,
      );
    }
    const options = {
      arms: {
        kind: 'experiment',
        experimentId: world.experimentId,
        armColumn: 'model_id',
      } as const,
      range,
      alpha: 0.05,
      power: 0.8,
      objective: 'QUALITY' as const,
    };
    const ab = await compareArms(db, world.org.orgId, { ...options, source: 'ROLLUP' });
    const abRaw = await compareArms(db, world.org.orgId, { ...options, source: 'RAW' });
    expect(ab.arms.map((arm) => arm.key)).toEqual(abRaw.arms.map((arm) => arm.key));
    for (const [i, arm] of abRaw.arms.entries()) {
      expectSameDistribution(ab.arms[i]?.latency, arm.latency, `ab${i}`);
    }
  });

  it('stays in step after updates that move requests, re-pricing and deletes', async () => {
    const db = testDb();
    const [m0, m1] = world.models as [World['models'][number], World['models'][number]];
    await replaceRequests(
      Array.from({ length: 200 }, (_, i) => ({
        model: i % 2,
        version: i % 2,
        inExperiment: i % 3 === 0,
        latencyMs: 90 + (i % 50) * 1.5,
        at: (i * 1_234_567) % SPAN,
      })),
    );
    const counts = await env.DB.prepare(
      'SELECT count(*) AS n FROM usage_latency_hourly WHERE org_id = ?1',
    )
      .bind(world.org.orgId)
      .first<{ n: number }>();
    // A re-pricing update (cost only) does not touch the histogram.
    await env.DB.prepare(
      `UPDATE inference_request SET cost_usd = 0.001, cost_source = 'PROVIDED' WHERE org_id = ?1`,
    )
      .bind(world.org.orgId)
      .run();
    await expectHistogramInStep(world.org.orgId);
    expect(
      await env.DB.prepare('SELECT count(*) AS n FROM usage_latency_hourly WHERE org_id = ?1')
        .bind(world.org.orgId)
        .first<{ n: number }>(),
    ).toEqual(counts);
    // Move requests to the other model, version, experiment and hour; change latencies in place
    // (across bucket boundaries: 120 and 150).
    await env.DB.prepare(
      `UPDATE inference_request SET model_id = ?2, version_id = ?3, experiment_id = NULL,
         requested_at = strftime('%Y-%m-%dT%H:%M:%fZ', requested_at, '+2 hours')
       WHERE org_id = ?1 AND model_id = ?4 AND rowid % 4 = 0`,
    )
      .bind(world.org.orgId, m1.id, m1.versions[0], m0.id)
      .run();
    await env.DB.prepare(
      'UPDATE inference_request SET latency_ms = latency_ms + 31 WHERE org_id = ?1 AND rowid % 5 = 0',
    )
      .bind(world.org.orgId)
      .run();
    await expectHistogramInStep(world.org.orgId);
    await env.DB.prepare('DELETE FROM inference_request WHERE org_id = ?1 AND rowid % 3 = 0')
      .bind(world.org.orgId)
      .run();
    await expectHistogramInStep(world.org.orgId);
    const range = { from: iso(T0 + 999), to: iso(T0 + SPAN + 2 * HOUR) };
    const ids = [m0.id, m1.id];
    expectSameMaps(
      await USAGE_READS.ROLLUP.latency(db, world.org.orgId, ids, range),
      await USAGE_READS.RAW.latency(db, world.org.orgId, ids, range),
      'after updates and deletes',
    );
    for (const [a, arms] of armSelections().entries()) {
      expectSameMaps(
        await USAGE_READS.ROLLUP.armLatency(db, world.org.orgId, arms, range),
        await USAGE_READS.RAW.armLatency(db, world.org.orgId, arms, range),
        `after updates, arms${a}`,
      );
    }
  });
});

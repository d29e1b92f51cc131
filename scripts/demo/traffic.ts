// Deterministic traffic: seeded inference requests and metric points, identical on every run of a
// day.
import { createHash } from 'node:crypto';
import { type ModelSpec, PROD_DEPLOYMENT } from './example.ts';
import { assert } from './output.ts';
import type { Ids } from './seed.ts';

const SEED = 20_240_409;
const REQUESTS_PER_MODEL = 1_200;
export const DAYS_OF_TRAFFIC = 14;
export const DAY_MS = 86_400_000;

/** mulberry32: a small seeded PRNG, so every run sends the same requests. */
function prng(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const normal = () => {
    const u = Math.max(next(), Number.EPSILON);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
  };
  return { next, normal };
}

function seedOf(text: string): number {
  return createHash('sha256').update(text).digest().readUInt32LE(0) ^ SEED;
}

export function trafficFor(spec: ModelSpec, ids: Ids, dayStart: number) {
  const random = prng(seedOf(spec.name));
  const model = ids.models[spec.name];
  assert(model, `model ${spec.name} registered`);
  const requests: Record<string, unknown>[] = [];
  const windowStart = dayStart - DAYS_OF_TRAFFIC * DAY_MS;
  for (let i = 0; i < REQUESTS_PER_MODEL; i++) {
    const { traffic } = spec;
    const failed = random.next() < traffic.errorRate;
    const inputTokens = Math.max(
      50,
      Math.round(traffic.inputTokensMean * Math.exp(0.45 * random.normal() - 0.1)),
    );
    const outputTokens = failed
      ? 0
      : Math.max(10, Math.round(traffic.outputTokensMean * Math.exp(0.4 * random.normal() - 0.08)));
    // Latency grows with the output: a base log-normal time plus ~8 ms per output token.
    const latencyMs =
      Math.round(
        traffic.latencyMedianMs *
          Math.exp(traffic.latencySigma * random.normal()) *
          (0.7 + outputTokens / 1_000),
      ) + (failed ? 30_000 : 0);
    const quality = failed
      ? null
      : Math.round(
          Math.min(1, Math.max(0, traffic.qualityMean + traffic.qualitySd * random.normal())) *
            1000,
        ) / 1000;
    const timestamp = new Date(windowStart + Math.floor(random.next() * DAYS_OF_TRAFFIC * DAY_MS));
    requests.push({
      idempotencyKey: `demo:${spec.name}:${String(i).padStart(5, '0')}`,
      modelId: model.id,
      versionId: model.versions[spec.servingVersion],
      deploymentId: ids.deployments[PROD_DEPLOYMENT],
      experimentId: ids.experimentId,
      provider: spec.provider,
      providerModel: spec.providerModel,
      latencyMs,
      inputTokens,
      outputTokens,
      quality,
      status: failed ? 'ERROR' : 'SUCCESS',
      timestamp: timestamp.toISOString(),
    });
  }
  return requests;
}

const METRIC_INTERVAL_MS = 30 * 60_000;
const METRIC_POINTS = 8 * 48;

/**
 * Latency measured every 30 minutes for 8 days, and a daily accuracy on the golden eval set. The
 * fine-tuned Llama gets 30% slower in the last 24 hours, so metricAlerts has something to say.
 */
export function metricPointsFor(spec: ModelSpec, versionId: string, now: number) {
  const random = prng(seedOf(`${spec.name}:metrics`));
  const last = Math.floor(now / METRIC_INTERVAL_MS) * METRIC_INTERVAL_MS;
  const points: Record<string, unknown>[] = [];
  for (let i = METRIC_POINTS - 1; i >= 0; i--) {
    const at = last - i * METRIC_INTERVAL_MS;
    const regressed = spec.name === 'llama-3.1-70b' && at > now - DAY_MS;
    const value =
      spec.traffic.latencyMedianMs * Math.exp(0.12 * random.normal()) * (regressed ? 1.3 : 1);
    points.push({
      versionId,
      type: 'LATENCY',
      value: Math.round(value * 10) / 10,
      timestamp: new Date(at).toISOString(),
      context: { window: '30m', statistic: 'p50', deployment: PROD_DEPLOYMENT },
    });
  }
  for (let day = 7; day >= 0; day--) {
    const accuracy = spec.traffic.qualityMean + 0.06 + 0.01 * random.normal();
    points.push({
      versionId,
      type: 'ACCURACY',
      value: Math.round(Math.min(1, accuracy) * 1000) / 1000,
      timestamp: new Date(last - day * DAY_MS).toISOString(),
      context: { dataset: 'support-eval-golden-500' },
    });
  }
  return points;
}

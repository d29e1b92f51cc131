// biome-ignore-all lint/suspicious/noExplicitAny: response shapes are checked by the assertions
// inferenceTrack and the price table: costs from data with history, unpriced requests, idempotency,
// the Analytics Engine contract, and bad input that writes nothing.
import { describe, expect, it } from 'vitest';
import { RecordingEventSink } from '../../src/ports/event-sink.ts';
import { trackInferences } from '../../src/registry/usage/usage.service.ts';
import {
  auditEvents,
  fieldOf,
  globalId,
  seedModel,
  seedVersion,
  serviceDeps,
  topLevelError,
  unknownId,
  viewerOf,
} from '../helpers/fixtures.ts';
import { createTestOrg, gql, type TestOrg } from '../helpers/graphql.ts';
import { DAY, iso, usageRowCounts } from './helpers.ts';

const PriceSet = /* GraphQL */ `
  mutation PriceSet($input: PriceSetInput!) {
    priceSet(input: $input) {
      __typename
      ... on PriceSetPayload { price { provider modelPattern inputPerMillion outputPerMillion cachedInputPerMillion effectiveFrom } }
      ... on Error { message path }
    }
  }
`;

const InferenceTrack = /* GraphQL */ `
  mutation InferenceTrack($input: InferenceTrackInput!) {
    inferenceTrack(input: $input) {
      __typename
      ... on InferenceTrackPayload {
        recorded unpriced
        tracked { deduplicated request { id provider providerModel costUsd costSource latencyMs idempotencyKey model { name } } }
      }
      ... on Error { message path }
    }
  }
`;

const T0 = Date.parse('2026-09-15T12:00:00.000Z');

async function setup(name: string) {
  const org = await createTestOrg(name);
  const model = await seedModel(org, `${name}-gpt`);
  const version = await seedVersion(org, model.id, '1.0.0');
  return { org, model, version, modelId: globalId('Model', model.id) };
}

function setPrice(org: TestOrg, input: Record<string, unknown>, token = org.admin.token) {
  return gql(token, PriceSet, { input });
}

describe('the price table', () => {
  it('prices requests at their time by the most specific pattern, and never prices unknown models at $0', async () => {
    const { org, modelId } = await setup('price');
    const prices = [
      {
        provider: 'OpenAI',
        modelPattern: 'gpt-4o*',
        inputPerMillion: 2.5,
        outputPerMillion: 10,
        cachedInputPerMillion: 1.25,
        effectiveFrom: '2026-01-01T00:00:00.000Z',
      },
      {
        provider: 'openai',
        modelPattern: 'gpt-4o-mini*',
        inputPerMillion: 0.15,
        outputPerMillion: 0.6,
        effectiveFrom: '2026-01-01T00:00:00.000Z',
      },
      // A price change: requests from October on pay more; earlier ones keep the old price.
      {
        provider: 'openai',
        modelPattern: 'gpt-4o*',
        inputPerMillion: 5,
        outputPerMillion: 15,
        effectiveFrom: '2026-10-01T00:00:00.000Z',
      },
    ];
    for (const price of prices) {
      expect(fieldOf(await setPrice(org, price), 'priceSet').__typename).toBe('PriceSetPayload');
    }
    const base = { modelId, provider: 'openai', latencyMs: 800, status: 'SUCCESS' };
    const tokens = {
      inputTokens: 1000,
      cachedTokens: 200,
      outputTokens: 500,
      reasoningTokens: 100,
    };
    const result = fieldOf(
      await gql(org.tokens.EDITOR, InferenceTrack, {
        input: {
          requests: [
            { ...base, ...tokens, providerModel: 'gpt-4o-2024-08-06', timestamp: iso(T0) },
            {
              ...base,
              ...tokens,
              providerModel: 'gpt-4o-2024-08-06',
              timestamp: iso(T0 + 20 * DAY),
            },
            {
              ...base,
              providerModel: 'gpt-4o-mini',
              inputTokens: 1000,
              outputTokens: 1000,
              timestamp: iso(T0 + 20 * DAY),
            },
            {
              ...base,
              provider: 'Mystery',
              providerModel: 'x-1',
              inputTokens: 5,
              outputTokens: 5,
              timestamp: iso(T0),
            },
            {
              ...base,
              providerModel: 'gpt-4o',
              inputTokens: 5,
              outputTokens: 5,
              costUsd: 0.5,
              timestamp: iso(T0),
            },
          ],
        },
      }),
      'inferenceTrack',
    );
    expect(result.__typename).toBe('InferenceTrackPayload');
    expect(result.recorded).toBe(5);
    expect(result.unpriced).toBe(1);
    const costs = result.tracked.map((t: any) => [t.request.costUsd, t.request.costSource]);
    // (800 x 2.5 + 200 x 1.25 + 400 x 10 + 100 x 10) / 1e6
    expect(costs[0][0]).toBeCloseTo(0.00725, 12);
    // After the change: no cached or reasoning price, so the input and output prices apply.
    expect(costs[1][0]).toBeCloseTo((800 * 5 + 200 * 5 + 400 * 15 + 100 * 15) / 1e6, 12);
    expect(costs[2][0]).toBeCloseTo((1000 * 0.15 + 1000 * 0.6) / 1e6, 12);
    expect(costs[3]).toEqual([null, null]);
    expect(costs[4]).toEqual([0.5, 'PROVIDED']);
    expect(costs.slice(0, 3).map((c: unknown[]) => c[1])).toEqual([
      'PRICE_TABLE',
      'PRICE_TABLE',
      'PRICE_TABLE',
    ]);
    expect(result.tracked[3].request.provider).toBe('mystery');

    // Correcting an entry (same provider, pattern, date) replaces it; each change is audited.
    const corrected = fieldOf(
      await setPrice(org, { ...prices[1], outputPerMillion: 0.7 }),
      'priceSet',
    );
    expect(corrected.price.outputPerMillion).toBe(0.7);
    expect((await usageRowCounts(org.orgId)).prices).toBe(3);
    const audit = await auditEvents(org.orgId, { action: 'price.set' });
    expect(audit).toHaveLength(4);
    expect(audit[3]?.before).toMatchObject({ outputPerMillion: 0.6 });
    expect(audit[3]?.after).toMatchObject({ outputPerMillion: 0.7 });
    const listed = await gql(
      org.tokens.VIEWER,
      /* GraphQL */ `{ prices(provider: "OPENAI") { edges { node { modelPattern effectiveFrom } } } }`,
    );
    expect(fieldOf(listed, 'prices').edges).toHaveLength(3);
  });

  it('lets only admins set prices, and refuses bad ones without writing', async () => {
    const { org } = await setup('price-bad');
    const before = await usageRowCounts(org.orgId);
    const good = {
      provider: 'openai',
      modelPattern: 'gpt-4o',
      inputPerMillion: 1,
      outputPerMillion: 2,
    };
    expect(topLevelError(await setPrice(org, good, org.tokens.EDITOR)).extensions?.code).toBe(
      'FORBIDDEN',
    );
    const bad: [Record<string, unknown>, string][] = [
      [{ ...good, inputPerMillion: -1 }, 'inputPerMillion'],
      [{ ...good, reasoningPerMillion: 2e6 }, 'reasoningPerMillion'],
      [{ ...good, provider: ' ' }, 'provider'],
      [{ ...good, effectiveFrom: '1990-01-01T00:00:00.000Z' }, 'effectiveFrom'],
    ];
    for (const [input, field] of bad) {
      const result = fieldOf(await setPrice(org, input), 'priceSet');
      expect(result).toMatchObject({ __typename: 'ValidationError', path: ['input', field] });
    }
    expect(await usageRowCounts(org.orgId)).toEqual(before);
  });
});

describe('inferenceTrack', () => {
  it('records the same idempotency key once and returns the first result', async () => {
    const { org, modelId } = await setup('idem');
    const request = {
      modelId,
      provider: 'openai',
      providerModel: 'gpt-x',
      latencyMs: 10,
      inputTokens: 1,
      outputTokens: 1,
      status: 'SUCCESS',
      idempotencyKey: 'req-1',
    };
    const first = fieldOf(
      await gql(org.tokens.EDITOR, InferenceTrack, { input: { request } }),
      'inferenceTrack',
    );
    const again = fieldOf(
      await gql(org.tokens.EDITOR, InferenceTrack, { input: { request } }),
      'inferenceTrack',
    );
    expect(first.tracked[0].deduplicated).toBe(false);
    expect(again).toMatchObject({ recorded: 0, tracked: [{ deduplicated: true }] });
    expect(again.tracked[0].request).toEqual(first.tracked[0].request);
    // The same key with a different request is a ConflictError (test/idempotency/inference.test.ts).
    // Twice within one batch: recorded once.
    const batch = fieldOf(
      await gql(org.tokens.EDITOR, InferenceTrack, {
        input: {
          requests: [
            { ...request, idempotencyKey: 'req-2' },
            { ...request, idempotencyKey: 'req-2' },
            { ...request, idempotencyKey: null },
          ],
        },
      }),
      'inferenceTrack',
    );
    expect(batch.recorded).toBe(2);
    expect(batch.tracked.map((t: any) => t.deduplicated)).toEqual([false, true, false]);
    expect(batch.tracked[1].request.id).toBe(batch.tracked[0].request.id);
    expect((await usageRowCounts(org.orgId)).requests).toBe(3);
  });

  it('refuses bad requests with the index of the bad one, and writes nothing', async () => {
    const { org, modelId, version } = await setup('track-bad');
    const other = await seedModel(org, 'track-bad-other');
    const before = await usageRowCounts(org.orgId);
    const good = {
      modelId,
      provider: 'openai',
      providerModel: 'gpt-x',
      latencyMs: 10,
      inputTokens: 1,
      outputTokens: 1,
      status: 'SUCCESS',
    };
    const cases: [Record<string, unknown>, string, string][] = [
      [{ ...good, inputTokens: -1 }, 'ValidationError', 'inputTokens'],
      [{ ...good, latencyMs: -0.5 }, 'ValidationError', 'latencyMs'],
      [{ ...good, cachedTokens: 2 }, 'ValidationError', 'cachedTokens'],
      [{ ...good, reasoningTokens: 5 }, 'ValidationError', 'reasoningTokens'],
      [{ ...good, costUsd: -1 }, 'ValidationError', 'costUsd'],
      [{ ...good, timestamp: iso(Date.now() + DAY) }, 'ValidationError', 'timestamp'],
      [{ ...good, providerModel: '' }, 'ValidationError', 'providerModel'],
      [{ ...good, modelId: unknownId('Model') }, 'NotFoundError', 'modelId'],
      [
        {
          ...good,
          modelId: globalId('Model', other.id),
          versionId: globalId('ModelVersion', version.id),
        },
        'NotFoundError',
        'versionId',
      ],
      [{ ...good, deploymentId: unknownId('Deployment') }, 'NotFoundError', 'deploymentId'],
      [{ ...good, experimentId: unknownId('Experiment') }, 'NotFoundError', 'experimentId'],
    ];
    for (const [bad, typename, field] of cases) {
      const result = fieldOf(
        await gql(org.tokens.EDITOR, InferenceTrack, { input: { requests: [good, bad] } }),
        'inferenceTrack',
      );
      expect(result.__typename, JSON.stringify(bad)).toBe(typename);
      expect(result.path).toEqual(['input', 'requests', '1', field]);
    }
    const single = fieldOf(
      await gql(org.tokens.EDITOR, InferenceTrack, {
        input: { request: { ...good, outputTokens: -3 } },
      }),
      'inferenceTrack',
    );
    expect(single).toMatchObject({
      __typename: 'ValidationError',
      path: ['input', 'request', 'outputTokens'],
    });
    const both = fieldOf(
      await gql(org.tokens.EDITOR, InferenceTrack, { input: { request: good, requests: [good] } }),
      'inferenceTrack',
    );
    expect(both).toMatchObject({ __typename: 'ValidationError', path: ['input'] });
    const tooMany = fieldOf(
      await gql(org.tokens.EDITOR, InferenceTrack, {
        input: { requests: Array.from({ length: 1001 }, () => good) },
      }),
      'inferenceTrack',
    );
    expect(tooMany).toMatchObject({ __typename: 'ValidationError', path: ['input', 'requests'] });
    const fractional = await gql(org.tokens.EDITOR, InferenceTrack, {
      input: { request: { ...good, inputTokens: 1.5 } },
    });
    expect(topLevelError(fractional).message).toMatch(/Int/);
    expect(await usageRowCounts(org.orgId)).toEqual(before);
  });

  it('writes each new request to Analytics Engine after the commit, not duplicates', async () => {
    const { org, model, version } = await setup('track-ae');
    const sink = new RecordingEventSink();
    const request = {
      modelId: model.id,
      versionId: version.id,
      provider: 'openai',
      providerModel: 'gpt-x',
      latencyMs: 42,
      inputTokens: 100,
      outputTokens: 50,
      cachedTokens: 10,
      reasoningTokens: 5,
      status: 'ERROR' as const,
      idempotencyKey: 'ae-1',
      timestamp: new Date(T0),
    };
    await trackInferences(serviceDeps(), viewerOf(org), sink, [request, request]);
    expect(sink.events).toEqual([
      {
        index: org.orgId,
        blobs: [
          'inference',
          model.id,
          version.id,
          'openai',
          'gpt-x',
          'ERROR',
          'UNPRICED',
          '',
          '',
          'UNSCORED',
        ],
        doubles: [42, 100, 50, 10, 5, 0, 0, T0],
      },
    ]);
    const again = new RecordingEventSink();
    await trackInferences(serviceDeps(), viewerOf(org), again, [request]);
    expect(again.events).toEqual([]);
  });
});

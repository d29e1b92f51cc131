// Attribution: every tracked request keeps the API token that sent it and an optional end user
// (inferenceTrack, /api/vibe/track, OTLP spans); usageAttribution groups the organization's usage
// by token, end user or experiment.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { api } from '../api/api-client.ts';
import { globalId, seedExperiment, seedModel } from '../helpers/fixtures.ts';
import { createTestOrg, gql } from '../helpers/graphql.ts';
import { postTraces, protobufExport, randomHex } from '../otlp/otlp-client.ts';

const INFERENCE_TRACK = /* GraphQL */ `
  mutation InferenceTrack($input: InferenceTrackInput!) {
    inferenceTrack(input: $input) {
      __typename
      ... on InferenceTrackPayload { recorded }
      ... on ValidationError { path }
    }
  }
`;

const USAGE_ATTRIBUTION = /* GraphQL */ `
  query UsageAttribution($by: UsageAttribution!, $modelId: ID, $first: Int! = 50) {
    usageAttribution(by: $by, modelId: $modelId, first: $first) {
      key requests inputTokens
      apiToken { name }
      experiment { name }
    }
  }
`;

function request(modelId: string, extra: Record<string, unknown> = {}) {
  return {
    modelId: globalId('Model', modelId),
    provider: 'openai',
    providerModel: 'gpt-4o',
    latencyMs: 100,
    inputTokens: 10,
    outputTokens: 5,
    status: 'SUCCESS',
    ...extra,
  };
}

async function attribution(token: string, by: string, modelId?: string) {
  const response = await gql(token, USAGE_ATTRIBUTION, {
    by,
    modelId: modelId ? globalId('Model', modelId) : undefined,
  });
  expect(response.errors).toBeUndefined();
  return response.data?.usageAttribution as {
    key: string | null;
    requests: number;
    inputTokens: number;
    apiToken: { name: string } | null;
    experiment: { name: string } | null;
  }[];
}

describe('usage attribution', () => {
  it('records the token and end user of inferenceTrack and groups by them', async () => {
    const org = await createTestOrg('attr-track');
    const model = await seedModel(org, 'bot');
    const tracked = await gql(org.tokens.EDITOR, INFERENCE_TRACK, {
      input: {
        requests: [
          request(model.id, { endUserId: 'ann' }),
          request(model.id, { endUserId: 'ann' }),
          request(model.id, { endUserId: 'bob' }),
        ],
      },
    });
    expect(tracked.data?.inferenceTrack.recorded).toBe(3);
    await gql(org.admin.token, INFERENCE_TRACK, { input: { request: request(model.id) } });

    expect(await attribution(org.tokens.VIEWER, 'END_USER')).toMatchObject([
      { key: 'ann', requests: 2, inputTokens: 20 },
      { key: null, requests: 1 },
      { key: 'bob', requests: 1 },
    ]);
    const byToken = await attribution(org.admin.token, 'API_TOKEN');
    expect(byToken.map((g) => g.requests)).toEqual([3, 1]);
    expect(byToken.every((g) => g.apiToken !== null)).toBe(true);
    // A non-admin sees the groups but not other users' tokens.
    const asViewer = await attribution(org.tokens.VIEWER, 'API_TOKEN');
    expect(asViewer.map((g) => [g.requests, g.apiToken])).toEqual([
      [3, null],
      [1, null],
    ]);
    const rows = await env.DB.prepare(
      'SELECT count(DISTINCT token_id) AS tokens FROM inference_request WHERE org_id = ?',
    )
      .bind(org.orgId)
      .first<{ tokens: number }>();
    expect(rows?.tokens).toBe(2);
  });

  it('groups OTLP spans and /api/vibe/track requests by end user and experiment', async () => {
    const org = await createTestOrg('attr-otlp');
    const model = await seedModel(org, 'bot');
    await seedExperiment(org, 'prompt-ab');
    await postTraces({
      token: org.tokens.EDITOR,
      body: protobufExport({
        resource: { 'registry.model': 'bot', 'registry.experiment': 'prompt-ab' },
        spans: [
          {
            traceId: randomHex(16),
            attributes: {
              'gen_ai.operation.name': 'chat',
              'gen_ai.provider.name': 'openai',
              'gen_ai.request.model': 'gpt-4o',
              'gen_ai.usage.input_tokens': 8,
              'gen_ai.usage.output_tokens': 2,
              'user.id': 'carol',
            },
          },
        ],
      }),
    });
    const rest = await api(org.tokens.EDITOR, 'POST', '/api/vibe/track', {
      model_id: globalId('Model', model.id),
      provider: 'openai',
      provider_model: 'gpt-4o',
      latency_ms: 50,
      tokens_input: 4,
      tokens_output: 1,
      end_user_id: 'carol',
    });
    expect(rest.status).toBe(201);
    expect(await attribution(org.tokens.VIEWER, 'END_USER', model.id)).toMatchObject([
      { key: 'carol', requests: 2, inputTokens: 12 },
    ]);
    const byExperiment = await attribution(org.tokens.VIEWER, 'EXPERIMENT');
    expect(byExperiment).toHaveLength(2);
    expect(byExperiment).toContainEqual(
      expect.objectContaining({ requests: 1, experiment: { name: 'prompt-ab' } }),
    );
    expect(byExperiment).toContainEqual(
      expect.objectContaining({ key: null, requests: 1, experiment: null }),
    );
  });

  it('refuses bad input and answers nothing for unknown or foreign models', async () => {
    const org = await createTestOrg('attr-bad');
    const other = await createTestOrg('attr-bad-other');
    const model = await seedModel(org, 'bot');
    const theirs = await seedModel(other, 'theirs');
    await gql(other.tokens.EDITOR, INFERENCE_TRACK, { input: { request: request(theirs.id) } });
    const long = await gql(org.tokens.EDITOR, INFERENCE_TRACK, {
      input: { request: request(model.id, { endUserId: 'x'.repeat(201) }) },
    });
    expect(long.data?.inferenceTrack).toEqual({
      __typename: 'ValidationError',
      path: ['input', 'request', 'endUserId'],
    });
    const restLong = await api(org.tokens.EDITOR, 'POST', '/api/vibe/track', {
      model_id: globalId('Model', model.id),
      provider: 'openai',
      provider_model: 'gpt-4o',
      latency_ms: 50,
      tokens_input: 4,
      tokens_output: 1,
      end_user_id: '',
    });
    expect(restLong.status).toBe(400);
    expect(restLong.body.error.path).toEqual(['body', 'end_user_id']);
    expect(await attribution(org.tokens.VIEWER, 'END_USER', theirs.id)).toEqual([]);
    expect(await attribution(org.tokens.VIEWER, 'END_USER', crypto.randomUUID())).toEqual([]);
    const first = await gql(org.tokens.VIEWER, USAGE_ATTRIBUTION, { by: 'API_TOKEN', first: 0 });
    expect(first.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      argument: 'first',
    });
    const malformed = await gql(org.tokens.VIEWER, USAGE_ATTRIBUTION, {
      by: 'END_USER',
      modelId: 'nope',
    });
    expect(malformed.errors?.[0]?.extensions).toMatchObject({
      code: 'NOT_FOUND',
      argument: 'modelId',
    });
    const rows = await env.DB.prepare(
      'SELECT count(*) AS n FROM inference_request WHERE org_id = ?',
    )
      .bind(org.orgId)
      .first<{ n: number }>();
    expect(rows?.n).toBe(0);
  });
});

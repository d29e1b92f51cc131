// inferenceScore: named scores after the fact, found by request id or by span, several per request,
// the mean of "quality" scores becoming the request's quality in usage; bad input writes nothing.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { api } from '../api/api-client.ts';
import { globalId, seedModel } from '../helpers/fixtures.ts';
import { createTestOrg, gql, type TestOrg } from '../helpers/graphql.ts';
import { postTraces, protobufExport, randomHex } from '../otlp/otlp-client.ts';

const INFERENCE_SCORE = /* GraphQL */ `
  mutation InferenceScore($input: InferenceScoreInput!) {
    inferenceScore(input: $input) {
      __typename
      ... on InferenceScorePayload {
        score { name value source comment }
        request { id quality scores { name value source } }
      }
      ... on Error { message }
      ... on ValidationError { path }
      ... on NotFoundError { path }
    }
  }
`;

const MODEL_USAGE = /* GraphQL */ `
  query ModelUsage($id: ID!) {
    node(id: $id) { ... on Model { usage { meanQuality qualityScoredRequests } } }
  }
`;

async function spanRequest(org: TestOrg) {
  const model = await seedModel(org, `bot-${crypto.randomUUID().slice(0, 6)}`);
  const traceId = randomHex(16);
  const spanId = randomHex(8);
  await postTraces({
    token: org.tokens.EDITOR,
    body: protobufExport({
      resource: { 'registry.model': model.name },
      spans: [
        {
          traceId,
          spanId,
          attributes: {
            'gen_ai.operation.name': 'chat',
            'gen_ai.provider.name': 'openai',
            'gen_ai.request.model': 'gpt-4o',
            'gen_ai.usage.input_tokens': 10,
            'gen_ai.usage.output_tokens': 5,
          },
        },
      ],
    }),
  });
  const row = await env.DB.prepare(
    'SELECT id FROM inference_request WHERE org_id = ? AND trace_id = ? AND span_id = ?',
  )
    .bind(org.orgId, traceId, spanId)
    .first<{ id: string }>();
  if (!row) throw new Error('span not recorded');
  return { model, traceId, spanId, requestId: row.id };
}

async function scoreCount(orgId: string) {
  const row = await env.DB.prepare('SELECT count(*) AS n FROM inference_score WHERE org_id = ?')
    .bind(orgId)
    .first<{ n: number }>();
  return row?.n ?? -1;
}

describe('inferenceScore', () => {
  it('scores by span and by id, several names, quality as the mean of quality scores', async () => {
    const org = await createTestOrg('score');
    const { model, traceId, spanId, requestId } = await spanRequest(org);
    const byUser = await gql(org.tokens.EDITOR, INFERENCE_SCORE, {
      input: { traceId, spanId, name: 'quality', value: 1, source: 'USER', comment: 'thumbs up' },
    });
    expect(byUser.data?.inferenceScore).toMatchObject({
      __typename: 'InferenceScorePayload',
      score: { name: 'quality', value: 1, source: 'USER', comment: 'thumbs up' },
      request: { id: requestId, quality: 1 },
    });
    const byJudge = await gql(org.tokens.EDITOR, INFERENCE_SCORE, {
      input: { requestId, name: 'quality', value: 0.5, source: 'MODEL_JUDGE' },
    });
    expect(byJudge.data?.inferenceScore.request.quality).toBe(0.75);
    const other = await gql(org.tokens.EDITOR, INFERENCE_SCORE, {
      input: { requestId, name: 'toxicity', value: 0.1, source: 'MODEL_JUDGE' },
    });
    expect(other.data?.inferenceScore.request).toMatchObject({
      quality: 0.75,
      scores: [
        { name: 'quality', value: 0.5, source: 'MODEL_JUDGE' },
        { name: 'quality', value: 1, source: 'USER' },
        { name: 'toxicity', value: 0.1, source: 'MODEL_JUDGE' },
      ],
    });
    // The same name and source again replaces that score.
    const again = await gql(org.tokens.EDITOR, INFERENCE_SCORE, {
      input: { requestId, name: 'quality', value: 0, source: 'USER' },
    });
    expect(again.data?.inferenceScore.request.quality).toBe(0.25);
    expect(await scoreCount(org.orgId)).toBe(3);
    const usage = await gql(org.tokens.VIEWER, MODEL_USAGE, { id: globalId('Model', model.id) });
    expect(usage.data?.node.usage).toEqual({ meanQuality: 0.25, qualityScoredRequests: 1 });
  });

  it('scores through POST /api/vibe/score', async () => {
    const org = await createTestOrg('score-rest');
    const { requestId } = await spanRequest(org);
    const scored = await api(org.tokens.EDITOR, 'POST', '/api/vibe/score', {
      request_id: requestId,
      name: 'quality',
      value: 4,
      source: 'human_review',
    });
    expect(scored.status).toBe(200);
    expect(scored.body).toMatchObject({
      score: { request_id: requestId, name: 'quality', value: 4, source: 'HUMAN_REVIEW' },
      request: { id: requestId, quality_score: 4 },
    });
  });

  it('refuses bad input, unknown and foreign requests, writing nothing', async () => {
    const org = await createTestOrg('score-bad');
    const other = await createTestOrg('score-bad-other');
    const { requestId, traceId, spanId } = await spanRequest(org);
    const foreign = await spanRequest(other);
    const cases: [Record<string, unknown>, string, string[]][] = [
      [{ name: 'q', value: 1, source: 'USER' }, 'ValidationError', ['input']],
      [
        { requestId, traceId, spanId, name: 'q', value: 1, source: 'USER' },
        'ValidationError',
        ['input'],
      ],
      [{ traceId, name: 'q', value: 1, source: 'USER' }, 'ValidationError', ['input', 'spanId']],
      [{ requestId, name: ' ', value: 1, source: 'USER' }, 'ValidationError', ['input', 'name']],
      [
        { requestId, name: 'q', value: 1, source: 'USER', comment: 'x'.repeat(2001) },
        'ValidationError',
        ['input', 'comment'],
      ],
      [
        { requestId: crypto.randomUUID(), name: 'q', value: 1, source: 'USER' },
        'NotFoundError',
        ['input', 'requestId'],
      ],
      [
        { requestId: foreign.requestId, name: 'q', value: 1, source: 'USER' },
        'NotFoundError',
        ['input', 'requestId'],
      ],
      [
        { traceId: foreign.traceId, spanId: foreign.spanId, name: 'q', value: 1, source: 'USER' },
        'NotFoundError',
        ['input', 'spanId'],
      ],
    ];
    for (const [input, typename, path] of cases) {
      const result = await gql(org.tokens.EDITOR, INFERENCE_SCORE, { input });
      expect(result.data?.inferenceScore, JSON.stringify(input).slice(0, 80)).toMatchObject({
        __typename: typename,
        path,
      });
    }
    const viewer = await gql(org.tokens.VIEWER, INFERENCE_SCORE, {
      input: { requestId, name: 'q', value: 1, source: 'USER' },
    });
    expect(viewer.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await scoreCount(org.orgId)).toBe(0);
    expect(await scoreCount(other.orgId)).toBe(0);
  });
});

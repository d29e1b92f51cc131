import { describe, expect, it } from 'vitest';
import { globalId, seedModel } from '../helpers/fixtures.ts';
import { createTestOrg, gql } from '../helpers/graphql.ts';
import { tableCounts } from './helpers.ts';

const InferenceTrack = /* GraphQL */ `
  mutation InferenceTrack($input: InferenceTrackInput!) {
    inferenceTrack(input: $input) {
      __typename
      ... on InferenceTrackPayload { recorded tracked { deduplicated request { id latencyMs } } }
      ... on Error { message path }
    }
  }
`;

async function setup(name: string) {
  const org = await createTestOrg(name);
  const model = await seedModel(org, 'llm');
  const request = (key: string, latencyMs = 100) => ({
    modelId: globalId('Model', model.id),
    provider: 'openai',
    providerModel: 'gpt-4o',
    latencyMs,
    inputTokens: 10,
    outputTokens: 5,
    status: 'SUCCESS',
    idempotencyKey: key,
  });
  const track = (input: Record<string, unknown>) =>
    gql(org.tokens.EDITOR, InferenceTrack, { input }).then((r) => r.data?.inferenceTrack);
  return { org, request, track };
}

describe('inferenceTrack keys follow the idempotency rule', () => {
  it('replays a request sent again with its key, and records it once', async () => {
    const { org, request, track } = await setup('inference-replay');
    const first = await track({ request: request('r-1') });
    const before = await tableCounts(org.orgId);
    const again = await track({ request: request('r-1') });
    expect(again.recorded).toBe(0);
    expect(again.tracked[0]).toEqual({ ...first.tracked[0], deduplicated: true });
    expect(await tableCounts(org.orgId)).toEqual(before);
  });

  it('refuses a key sent again with a different request, on that request’s key, writing nothing', async () => {
    const { org, request, track } = await setup('inference-conflict');
    await track({ request: request('r-2', 100) });
    const before = await tableCounts(org.orgId);
    const single = await track({ request: request('r-2', 999) });
    expect(single).toMatchObject({
      __typename: 'ConflictError',
      path: ['input', 'request', 'idempotencyKey'],
    });
    const batch = await track({ requests: [request('r-3'), request('r-2', 999)] });
    expect(batch).toMatchObject({
      __typename: 'ConflictError',
      path: ['input', 'requests', '1', 'idempotencyKey'],
    });
    const twiceInOneBatch = await track({ requests: [request('r-4', 1), request('r-4', 2)] });
    expect(twiceInOneBatch).toMatchObject({
      __typename: 'ConflictError',
      path: ['input', 'requests', '1', 'idempotencyKey'],
    });
    expect(await tableCounts(org.orgId)).toEqual(before);
  });

  it('records once when batches sharing keys race', async () => {
    const { org, request, track } = await setup('inference-race');
    const before = await tableCounts(org.orgId);
    const batch = { requests: [request('a'), request('b'), request('c')] };
    const answers = await Promise.all([track(batch), track(batch), track(batch)]);
    for (const answer of answers) expect(answer.__typename).toBe('InferenceTrackPayload');
    expect(answers.reduce((sum, answer) => sum + answer.recorded, 0)).toBe(3);
    const ids = answers.map((answer) =>
      answer.tracked.map((t: { request: { id: string } }) => t.request.id),
    );
    for (const list of ids) expect(list).toEqual(ids[0]);
    const after = await tableCounts(org.orgId);
    expect(after.inference_request - before.inference_request).toBe(3);
  });
});

describe('inferenceTrack keys follow the same key rule as every other key', () => {
  it('accepts 200 characters, and refuses 201, whitespace around it and control characters', async () => {
    const { org, request, track } = await setup('inference-key-rule');
    const longest = 'k'.repeat(200);
    const ok = await track({ request: request(longest) });
    expect(ok.__typename).toBe('InferenceTrackPayload');
    // Stored exactly as sent (the column holds up to 200 characters).
    expect((await track({ request: request(longest) })).tracked[0].deduplicated).toBe(true);
    const before = await tableCounts(org.orgId);
    for (const key of ['k'.repeat(201), ' padded', 'padded ', 'a\tb', '']) {
      expect(await track({ request: request(key) })).toMatchObject({
        __typename: 'ValidationError',
        path: ['input', 'request', 'idempotencyKey'],
      });
    }
    expect(await tableCounts(org.orgId)).toEqual(before);
  });
});

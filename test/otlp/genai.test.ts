// GenAI spans through POST /v1/traces become tracked requests (the same service as inferenceTrack):
// attribution by registry.* or the provider model map, unmatched spans kept, re-sent spans once,
// and every bad span rejected with its reason while the valid spans of the export are recorded.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { MAX_OTLP_GENAI_SPANS } from '../../src/routes/otlp.ts';
import {
  globalId,
  seedDeployment,
  seedExperiment,
  seedModel,
  seedVersion,
} from '../helpers/fixtures.ts';
import { createTestOrg, gql, type TestOrg } from '../helpers/graphql.ts';
import {
  type Attr,
  jsonExport,
  postTraces,
  protobufExport,
  randomHex,
  type SpanSpec,
} from './otlp-client.ts';

const INFERENCE_REQUESTS = /* GraphQL */ `
  query InferenceRequests($traceId: String!) {
    inferenceRequests(traceId: $traceId) {
      model { id name }
      modelVersion { version }
      deployment { name }
      experiment { name }
      provider providerModel latencyMs inputTokens outputTokens cachedTokens reasoningTokens
      status traceId spanId endUserId costUsd
    }
  }
`;

const PROVIDER_MODEL_MAP_SET = /* GraphQL */ `
  mutation ProviderModelMapSet($input: ProviderModelMapSetInput!) {
    providerModelMapSet(input: $input) {
      __typename
      ... on ProviderModelMapSetPayload {
        providerModelMap { id provider providerModel model { name } modelVersion { version } }
      }
      ... on Error { message }
      ... on NotFoundError { path }
    }
  }
`;

const UNMATCHED_USAGE = /* GraphQL */ `
  query UnmatchedUsage {
    unmatchedUsage {
      groups { provider providerModel spans inputTokens outputTokens }
      recent { traceId spanId providerModel inputTokens status endUserId }
    }
  }
`;

function chatSpan(attributes: Record<string, Attr>, spec: Partial<SpanSpec> = {}): SpanSpec {
  return {
    name: 'chat gpt-4o',
    durationMs: 1234,
    ...spec,
    attributes: {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.response.model': 'gpt-4o-2024-08-06',
      'gen_ai.usage.input_tokens': 100,
      'gen_ai.usage.output_tokens': 40,
      ...attributes,
    },
  };
}

async function countRows(orgId: string) {
  const row = await env.DB.prepare(
    `SELECT (SELECT count(*) FROM inference_request WHERE org_id = ?1) AS requests,
      (SELECT count(*) FROM unmatched_inference WHERE org_id = ?1) AS unmatched`,
  )
    .bind(orgId)
    .first<{ requests: number; unmatched: number }>();
  return row ?? { requests: -1, unmatched: -1 };
}

/** The fields of InferenceRequest the assertions read one by one. */
interface LandedRequest {
  model: { name: string };
  modelVersion: { version: string } | null;
  status: string;
  outputTokens: number;
}

async function requestsOf(org: TestOrg, traceId: string) {
  const response = await gql(org.tokens.VIEWER, INFERENCE_REQUESTS, { traceId });
  expect(response.errors).toBeUndefined();
  return response.data?.inferenceRequests as LandedRequest[];
}

async function modelWithVersion(org: TestOrg, name: string, version = '1.0.0') {
  const model = await seedModel(org, name);
  const created = await seedVersion(org, model.id, version);
  return { model, version: created };
}

describe('GenAI spans as tracked requests', () => {
  it('records a span naming its model by registry.* with tokens, latency, ids and end user', async () => {
    const org = await createTestOrg('otlp-genai');
    await modelWithVersion(org, 'support-bot', '2.1.0');
    await seedDeployment(org, 'prod-eu');
    await seedExperiment(org, 'prompt-ab');
    const traceId = randomHex(16);
    const spanId = randomHex(8);
    const answer = await postTraces({
      token: org.tokens.EDITOR,
      body: protobufExport({
        resource: { 'service.name': 'chat-api', 'registry.model': 'support-bot' },
        spans: [
          chatSpan(
            {
              'registry.version': '2.1.0',
              'registry.deployment': 'prod-eu',
              'registry.experiment': 'prompt-ab',
              'gen_ai.usage.cache_read.input_tokens': 30,
              'gen_ai.usage.reasoning.output_tokens': 12,
              'enduser.id': 'user-42',
            },
            { traceId, spanId },
          ),
        ],
      }),
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({});
    const [request, ...rest] = await requestsOf(org, traceId);
    expect(rest).toEqual([]);
    expect(request).toMatchObject({
      model: { name: 'support-bot' },
      modelVersion: { version: '2.1.0' },
      deployment: { name: 'prod-eu' },
      experiment: { name: 'prompt-ab' },
      provider: 'openai',
      providerModel: 'gpt-4o-2024-08-06',
      latencyMs: 1234,
      inputTokens: 100,
      outputTokens: 40,
      cachedTokens: 30,
      reasoningTokens: 12,
      status: 'SUCCESS',
      traceId,
      spanId,
      endUserId: 'user-42',
    });
    const stored = await env.DB.prepare(
      'SELECT token_id FROM inference_request WHERE org_id = ? AND trace_id = ?',
    )
      .bind(org.orgId, traceId)
      .first<{ token_id: string | null }>();
    expect(stored?.token_id).toEqual(expect.any(String));
  });

  it('reads the older attribute names and the model by global ID, from OTLP/JSON', async () => {
    const org = await createTestOrg('otlp-older');
    const { model } = await modelWithVersion(org, 'legacy-bot');
    const traceId = randomHex(16);
    const answer = await postTraces({
      token: org.tokens.EDITOR,
      contentType: 'application/json',
      body: jsonExport({
        spans: [
          {
            traceId,
            durationMs: 500,
            attributes: {
              'gen_ai.operation.name': 'text_completion',
              'gen_ai.system': 'Anthropic',
              'gen_ai.request.model': 'claude-3-haiku',
              'gen_ai.usage.prompt_tokens': 7,
              'gen_ai.usage.completion_tokens': 3,
              'registry.model': globalId('Model', model.id),
              'user.id': 'u-1',
            },
          },
        ],
      }),
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({});
    expect(await requestsOf(org, traceId)).toMatchObject([
      {
        model: { name: 'legacy-bot' },
        provider: 'anthropic',
        providerModel: 'claude-3-haiku',
        inputTokens: 7,
        outputTokens: 3,
        latencyMs: 500,
        endUserId: 'u-1',
      },
    ]);
  });

  it('records failures from span status ERROR or error.type, and embeddings without output tokens', async () => {
    const org = await createTestOrg('otlp-errors');
    await modelWithVersion(org, 'bot');
    const traceId = randomHex(16);
    const answer = await postTraces({
      token: org.tokens.EDITOR,
      body: protobufExport({
        resource: { 'registry.model': 'bot' },
        spans: [
          chatSpan({}, { traceId, statusCode: 2, startMs: Date.now() - 3000 }),
          chatSpan({ 'error.type': 'timeout' }, { traceId, startMs: Date.now() - 2000 }),
          {
            traceId,
            startMs: Date.now() - 1000,
            attributes: {
              'gen_ai.operation.name': 'embeddings',
              'gen_ai.provider.name': 'openai',
              'gen_ai.request.model': 'text-embedding-3-small',
              'gen_ai.usage.input_tokens': 64,
            },
          },
        ],
      }),
    });
    expect(answer.body).toEqual({});
    const requests = await requestsOf(org, traceId);
    expect(requests.map((r) => [r.status, r.outputTokens])).toEqual([
      ['ERROR', 40],
      ['ERROR', 40],
      ['SUCCESS', 0],
    ]);
  });

  it('counts a model call once: agent and step spans around it are ignored, by name', async () => {
    // The shape the Vercel AI SDK exports (test/clients/ai-sdk.client.test.ts): invoke_agent and
    // agent_step spans around the chat span, each with the same usage.
    const org = await createTestOrg('otlp-wrappers');
    await modelWithVersion(org, 'agent-bot');
    const traceId = randomHex(16);
    const answer = await postTraces({
      token: org.tokens.EDITOR,
      body: protobufExport({
        resource: { 'registry.model': 'agent-bot' },
        spans: [
          chatSpan({ 'gen_ai.operation.name': 'invoke_agent' }, { traceId }),
          chatSpan({ 'gen_ai.operation.name': 'agent_step' }, { traceId }),
          chatSpan({}, { traceId }),
          chatSpan({ 'gen_ai.operation.name': 'execute_tool' }, { traceId }),
        ],
      }),
    });
    expect(answer.status).toBe(200);
    expect(Number(answer.body.partialSuccess?.rejectedSpans)).toBe(0);
    expect(answer.body.partialSuccess?.errorMessage).toMatch(
      /no model call ignored \(invoke_agent 1, agent_step 1, execute_tool 1\)/,
    );
    expect(await requestsOf(org, traceId)).toHaveLength(1);
  });

  it('records a re-sent span once and answers it as accepted', async () => {
    const org = await createTestOrg('otlp-resend');
    await modelWithVersion(org, 'bot');
    const traceId = randomHex(16);
    const body = protobufExport({
      resource: { 'registry.model': 'bot' },
      spans: [chatSpan({}, { traceId }), chatSpan({}, { traceId })],
    });
    const first = await postTraces({ token: org.tokens.EDITOR, body });
    expect(first.body).toEqual({});
    const again = await postTraces({ token: org.tokens.EDITOR, body });
    expect(again.status).toBe(200);
    expect(Number(again.body.partialSuccess?.rejectedSpans)).toBe(0);
    expect(again.body.partialSuccess?.errorMessage).toMatch(/2 span\(s\) already recorded/);
    expect(await requestsOf(org, traceId)).toHaveLength(2);
    expect((await countRows(org.orgId)).requests).toBe(2);
  });

  it('attributes spans without registry.model through the provider model map, most specific first', async () => {
    const org = await createTestOrg('otlp-map');
    const general = await modelWithVersion(org, 'gpt4o-any');
    const pinned = await modelWithVersion(org, 'gpt4o-pinned', '3.0.0');
    const set = (providerModel: string, modelId: string, versionId?: string) =>
      gql(org.admin.token, PROVIDER_MODEL_MAP_SET, {
        input: { provider: 'OpenAI', providerModel, modelId, versionId },
      });
    const wide = await set('gpt-4o*', globalId('Model', general.model.id));
    expect(wide.data?.providerModelMapSet).toMatchObject({
      __typename: 'ProviderModelMapSetPayload',
      providerModelMap: {
        provider: 'openai',
        providerModel: 'gpt-4o*',
        model: { name: 'gpt4o-any' },
      },
    });
    await set(
      'gpt-4o-2024-08-06',
      globalId('Model', pinned.model.id),
      globalId('ModelVersion', pinned.version.id),
    );
    const traceId = randomHex(16);
    await postTraces({
      token: org.tokens.EDITOR,
      body: protobufExport({
        spans: [
          chatSpan({}, { traceId, startMs: Date.now() - 2000 }),
          chatSpan(
            { 'gen_ai.response.model': 'gpt-4o-mini' },
            { traceId, startMs: Date.now() - 1000 },
          ),
        ],
      }),
    });
    expect(
      (await requestsOf(org, traceId)).map((r) => [r.model.name, r.modelVersion?.version ?? null]),
    ).toEqual([
      ['gpt4o-pinned', '3.0.0'],
      ['gpt4o-any', null],
    ]);
    const maps = await gql(
      org.tokens.VIEWER,
      '{ providerModelMaps { providerModel model { name } } }',
    );
    expect(maps.data?.providerModelMaps).toEqual([
      { providerModel: 'gpt-4o*', model: { name: 'gpt4o-any' } },
      { providerModel: 'gpt-4o-2024-08-06', model: { name: 'gpt4o-pinned' } },
    ]);
  });

  it('keeps spans that map to nothing as unmatched usage, once, visible in unmatchedUsage', async () => {
    const org = await createTestOrg('otlp-unmatched');
    const traceId = randomHex(16);
    const body = protobufExport({
      spans: [
        chatSpan({ 'gen_ai.response.model': 'mystery-1', 'enduser.id': 'ann' }, { traceId }),
        chatSpan({ 'gen_ai.response.model': 'mystery-1' }, { traceId }),
      ],
    });
    const answer = await postTraces({ token: org.tokens.EDITOR, body });
    expect(Number(answer.body.partialSuccess?.rejectedSpans)).toBe(0);
    expect(answer.body.partialSuccess?.errorMessage).toMatch(/2 span\(s\) kept as unmatched/);
    const again = await postTraces({ token: org.tokens.EDITOR, body });
    expect(again.body.partialSuccess?.errorMessage).toMatch(/2 span\(s\) already recorded/);
    expect(await countRows(org.orgId)).toEqual({ requests: 0, unmatched: 2 });
    const usage = await gql(org.tokens.VIEWER, UNMATCHED_USAGE);
    expect(usage.data?.unmatchedUsage.groups).toEqual([
      {
        provider: 'openai',
        providerModel: 'mystery-1',
        spans: 2,
        inputTokens: 200,
        outputTokens: 80,
      },
    ]);
    expect(usage.data?.unmatchedUsage.recent).toHaveLength(2);
    expect(usage.data?.unmatchedUsage.recent).toContainEqual(
      expect.objectContaining({ traceId, providerModel: 'mystery-1', endUserId: 'ann' }),
    );
  });

  it('rejects each bad span with its reason and records the valid spans of the export', async () => {
    const org = await createTestOrg('otlp-bad');
    const other = await createTestOrg('otlp-bad-other');
    await modelWithVersion(org, 'bot');
    const foreign = await seedModel(other, 'their-bot');
    const traceId = randomHex(16);
    const bad: [Record<string, Attr>, Partial<SpanSpec>, RegExp][] = [
      [{ 'gen_ai.usage.input_tokens': -5 }, {}, /gen_ai\.usage\.input_tokens: Must be at least 0/],
      [
        { 'gen_ai.usage.output_tokens': -1 },
        {},
        /gen_ai\.usage\.output_tokens: Must be at least 0/,
      ],
      [
        { 'gen_ai.usage.input_tokens': 'many' },
        {},
        /gen_ai\.usage\.input_tokens must be an integer/,
      ],
      [{ 'registry.model': 'no-such-bot' }, {}, /registry\.model: no model named "no-such-bot"/],
      [
        { 'registry.model': globalId('Model', foreign.id) },
        {},
        /registry\.model: No model with this id/,
      ],
      [
        { 'registry.version': '9.9.9' },
        {},
        /registry\.version: the model has no version "9\.9\.9"/,
      ],
      [{ 'registry.deployment': 'nowhere' }, {}, /registry\.deployment: no deployment named/],
      [{ 'gen_ai.usage.cache_read.input_tokens': 500 }, {}, /Cached tokens are part of the input/],
      [{}, { traceId: '0'.repeat(32) }, /trace id: Must be 32 lowercase hex digits/],
      [{}, { durationMs: -10 }, /span duration .*Must be at least 0/],
      [{}, { startMs: Date.now() + 3_600_000 }, /span start time: Must not be in the future/],
    ];
    const missing = chatSpan({}, { traceId });
    delete missing.attributes?.['gen_ai.usage.input_tokens'];
    const noProvider = chatSpan({}, { traceId });
    delete noProvider.attributes?.['gen_ai.provider.name'];
    const answer = await postTraces({
      token: org.tokens.EDITOR,
      body: protobufExport({
        resource: { 'registry.model': 'bot' },
        spans: [
          chatSpan({}, { traceId }),
          ...bad.map(([attributes, spec]) => chatSpan(attributes, { traceId, ...spec })),
          missing,
          noProvider,
        ],
      }),
    });
    expect(answer.status).toBe(200);
    expect(Number(answer.body.partialSuccess?.rejectedSpans)).toBe(bad.length + 2);
    expect(answer.body.partialSuccess?.errorMessage).toMatch(/13 span\(s\) rejected/);
    expect(await countRows(org.orgId)).toEqual({ requests: 1, unmatched: 0 });
    expect(await countRows(other.orgId)).toEqual({ requests: 0, unmatched: 0 });
    // Every reason, one span per export, so that none hides behind "N more".
    for (const [attributes, spec, reason] of bad) {
      const single = await postTraces({
        token: org.tokens.EDITOR,
        body: protobufExport({
          resource: { 'registry.model': 'bot' },
          spans: [chatSpan(attributes, { ...spec })],
        }),
      });
      expect(single.body.partialSuccess?.errorMessage).toMatch(reason);
    }
    for (const [span, reason] of [
      [missing, /gen_ai\.usage\.input_tokens or gen_ai\.usage\.prompt_tokens is missing/],
      [noProvider, /gen_ai\.provider\.name or gen_ai\.system is missing/],
    ] as const) {
      const single = await postTraces({
        token: org.tokens.EDITOR,
        body: protobufExport({
          resource: { 'registry.model': 'bot' },
          spans: [{ ...span, traceId: randomHex(16) }],
        }),
      });
      expect(Number(single.body.partialSuccess?.rejectedSpans)).toBe(1);
      expect(single.body.partialSuccess?.errorMessage).toMatch(reason);
    }
    expect(await countRows(org.orgId)).toEqual({ requests: 1, unmatched: 0 });
  });

  it(`records up to ${MAX_OTLP_GENAI_SPANS} GenAI spans of one export and rejects the surplus`, async () => {
    const org = await createTestOrg('otlp-10k');
    await modelWithVersion(org, 'bot');
    const traceId = randomHex(16);
    const spans = Array.from({ length: MAX_OTLP_GENAI_SPANS + 1 }, () => chatSpan({}, { traceId }));
    const answer = await postTraces({
      token: org.tokens.EDITOR,
      body: protobufExport({ resource: { 'registry.model': 'bot' }, spans }),
    });
    expect(answer.status).toBe(200);
    expect(Number(answer.body.partialSuccess?.rejectedSpans)).toBe(1);
    expect(answer.body.partialSuccess?.errorMessage).toMatch(/more than 10000 GenAI spans/);
    expect((await countRows(org.orgId)).requests).toBe(MAX_OTLP_GENAI_SPANS);
  }, 120_000);
});

describe('providerModelMapSet and providerModelMapDelete', () => {
  it('refuses unknown, foreign and mismatched ids, and non-admins, writing nothing', async () => {
    const org = await createTestOrg('pmm-bad');
    const other = await createTestOrg('pmm-other');
    const mine = await modelWithVersion(org, 'mine');
    const second = await modelWithVersion(org, 'second');
    const theirs = await seedModel(other, 'theirs');
    const set = (token: string, input: Record<string, unknown>) =>
      gql(token, PROVIDER_MODEL_MAP_SET, {
        input: { provider: 'openai', providerModel: 'x', ...input },
      });
    const foreign = await set(org.admin.token, { modelId: globalId('Model', theirs.id) });
    expect(foreign.data?.providerModelMapSet).toMatchObject({
      __typename: 'NotFoundError',
      path: ['input', 'modelId'],
    });
    const mismatched = await set(org.admin.token, {
      modelId: globalId('Model', mine.model.id),
      versionId: globalId('ModelVersion', second.version.id),
    });
    expect(mismatched.data?.providerModelMapSet).toMatchObject({
      __typename: 'NotFoundError',
      path: ['input', 'versionId'],
    });
    const empty = await set(org.admin.token, {
      modelId: globalId('Model', mine.model.id),
      providerModel: '  ',
    });
    expect(empty.data?.providerModelMapSet.__typename).toBe('ValidationError');
    const editor = await set(org.tokens.EDITOR, { modelId: globalId('Model', mine.model.id) });
    expect(editor.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const deleted = await gql(
      org.admin.token,
      /* GraphQL */ `mutation ($id: ID!) { providerModelMapDelete(input: { id: $id }) { __typename } }`,
      { id: globalId('ProviderModelMap', crypto.randomUUID()) },
    );
    expect(deleted.data?.providerModelMapDelete.__typename).toBe('NotFoundError');
    const count = await env.DB.prepare(
      'SELECT count(*) AS n FROM provider_model_map WHERE org_id = ?',
    )
      .bind(org.orgId)
      .first<{ n: number }>();
    expect(count?.n).toBe(0);
  });

  it('changes the target of the same name and deletes a mapping, both audited', async () => {
    const org = await createTestOrg('pmm-audit');
    const a = await modelWithVersion(org, 'a');
    const b = await modelWithVersion(org, 'b');
    const set = (modelId: string) =>
      gql(org.admin.token, PROVIDER_MODEL_MAP_SET, {
        input: { provider: 'openai', providerModel: 'gpt-*', modelId: globalId('Model', modelId) },
      });
    const first = await set(a.model.id);
    const second = await set(b.model.id);
    const id = second.data?.providerModelMapSet.providerModelMap.id;
    expect(id).toBe(first.data?.providerModelMapSet.providerModelMap.id);
    expect(second.data?.providerModelMapSet.providerModelMap.model.name).toBe('b');
    const deleted = await gql(
      org.admin.token,
      /* GraphQL */ `mutation ($id: ID!) { providerModelMapDelete(input: { id: $id }) { __typename } }`,
      { id },
    );
    expect(deleted.data?.providerModelMapDelete.__typename).toBe('ProviderModelMapDeletePayload');
    const audit = await env.DB.prepare(
      "SELECT action FROM audit_event WHERE org_id = ? AND action LIKE 'providerModelMap.%' ORDER BY id",
    )
      .bind(org.orgId)
      .all<{ action: string }>();
    expect(audit.results.map((r) => r.action)).toEqual([
      'providerModelMap.set',
      'providerModelMap.set',
      'providerModelMap.delete',
    ]);
    expect(
      (await gql(org.tokens.VIEWER, '{ providerModelMaps { id } }')).data?.providerModelMaps,
    ).toEqual([]);
  });
});

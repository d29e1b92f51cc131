// The REST twins of the provider model map and unmatched usage: the same service and rules as
// GraphQL's providerModelMapSet/Delete, providerModelMaps and unmatchedUsage.
import { describe, expect, it } from 'vitest';
import { globalId, seedModel, unknownId } from '../helpers/fixtures.ts';
import { createTestOrg } from '../helpers/graphql.ts';
import { postTraces, protobufExport, randomHex } from '../otlp/otlp-client.ts';
import { api } from './api-client.ts';

describe('/api/vibe/provider-models and /api/vibe/unmatched', () => {
  it('sets, lists and deletes a mapping, refusing unknown ids and non-admins', async () => {
    const org = await createTestOrg('rest-pmm');
    const model = await seedModel(org, 'bot');
    const body = {
      provider: 'OpenAI',
      provider_model: 'gpt-4o*',
      model_id: globalId('Model', model.id),
    };
    const set = await api(org.admin.token, 'POST', '/api/vibe/provider-models', body);
    expect(set.status).toBe(200);
    expect(set.body.provider_model_map).toMatchObject({
      provider: 'openai',
      provider_model: 'gpt-4o*',
      model_id: globalId('Model', model.id),
      version_id: null,
    });
    const listed = await api(org.tokens.VIEWER, 'GET', '/api/vibe/provider-models');
    expect(listed.body.provider_model_maps).toEqual([set.body.provider_model_map]);

    const editor = await api(org.tokens.EDITOR, 'POST', '/api/vibe/provider-models', body);
    expect(editor.status).toBe(403);
    const unknown = await api(org.admin.token, 'POST', '/api/vibe/provider-models', {
      ...body,
      model_id: unknownId('Model'),
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.path).toEqual(['body', 'model_id']);

    const id = set.body.provider_model_map.id;
    const deleted = await api(org.admin.token, 'DELETE', `/api/vibe/provider-models/${id}`);
    expect(deleted.status).toBe(200);
    const again = await api(org.admin.token, 'DELETE', `/api/vibe/provider-models/${id}`);
    expect(again.status).toBe(404);
    expect((await api(org.tokens.VIEWER, 'GET', '/api/vibe/provider-models')).body).toEqual({
      provider_model_maps: [],
    });
  });

  it('reports unmatched spans per provider model with examples', async () => {
    const org = await createTestOrg('rest-unmatched');
    const traceId = randomHex(16);
    await postTraces({
      token: org.tokens.EDITOR,
      body: protobufExport({
        spans: [
          {
            traceId,
            attributes: {
              'gen_ai.operation.name': 'chat',
              'gen_ai.provider.name': 'mistral',
              'gen_ai.request.model': 'mistral-large',
              'gen_ai.usage.input_tokens': 11,
              'gen_ai.usage.output_tokens': 5,
            },
          },
        ],
      }),
    });
    const unmatched = await api(org.tokens.VIEWER, 'GET', '/api/vibe/unmatched?examples=5');
    expect(unmatched.status).toBe(200);
    expect(unmatched.body.groups).toMatchObject([
      { provider: 'mistral', provider_model: 'mistral-large', spans: 1, tokens_input: 11 },
    ]);
    expect(unmatched.body.recent[0]).toMatchObject({ trace_id: traceId, tokens_output: 5 });
    const bad = await api(org.tokens.VIEWER, 'GET', '/api/vibe/unmatched?groups=0');
    expect(bad.status).toBe(400);
  });
});

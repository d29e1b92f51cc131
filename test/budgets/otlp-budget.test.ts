// An enforced budget on the OTLP path (POST /v1/traces goes through the same tracking service):
// an export that would overshoot is refused whole with 402, and a re-sent span counts once.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { setPrice } from '../../src/registry/usage/usage.service.ts';
import { seedModel, serviceDeps, viewerOf } from '../helpers/fixtures.ts';
import { createTestOrg, gql } from '../helpers/graphql.ts';
import { postTraces, protobufExport, randomHex, type SpanSpec } from '../otlp/otlp-client.ts';

const BudgetSet = /* GraphQL */ `
  mutation BudgetSet($input: BudgetSetInput!) {
    budgetSet(input: $input) { __typename ... on Error { message } }
  }
`;

/** A chat span of 100 input tokens: $1 at the test's price. */
function span(): SpanSpec {
  return {
    traceId: randomHex(16),
    spanId: randomHex(8),
    name: 'chat budget-model',
    durationMs: 100,
    attributes: {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-budget',
      'gen_ai.usage.input_tokens': 100,
      'gen_ai.usage.output_tokens': 0,
    },
  };
}

describe('an enforced budget on OTLP exports', () => {
  it('refuses an export that would overshoot with 402 and counts a re-sent span once', async () => {
    const org = await createTestOrg('otlp-budget');
    await seedModel(org, 'budget-model');
    await setPrice(serviceDeps(), viewerOf(org, 'ADMIN'), {
      provider: 'openai',
      modelPattern: 'gpt-budget',
      inputPerMillion: 10_000,
      outputPerMillion: 0,
      effectiveFrom: new Date('2020-01-01T00:00:00Z'),
    });
    const set = await gql(org.admin.token, BudgetSet, {
      input: { scope: 'ORGANIZATION', period: 'DAY', limitUsd: 2, enforce: true },
    });
    expect(set.data?.budgetSet.__typename).toBe('BudgetSetPayload');
    const send = (spans: SpanSpec[]) =>
      postTraces({
        token: org.tokens.EDITOR,
        body: protobufExport({ resource: { 'registry.model': 'budget-model' }, spans }),
      });
    const first = [span(), span()];
    expect((await send(first)).status).toBe(200);
    // The same spans again: already recorded, nothing reserved.
    expect((await send(first)).status).toBe(200);
    const refused = await send([span()]);
    expect(refused.status).toBe(402);
    expect(refused.body.message).toMatch(/budget/);
    const row = await env.DB.prepare(
      'SELECT count(*) AS n, sum(cost_usd) AS spent FROM inference_request WHERE org_id = ?',
    )
      .bind(org.orgId)
      .first<{ n: number; spent: number }>();
    expect(row).toEqual({ n: 2, spent: 2 });
  });
});

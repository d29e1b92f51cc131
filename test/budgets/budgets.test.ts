// biome-ignore-all lint/suspicious/noExplicitAny: response shapes are checked by the assertions
// Budgets: budgetSet / budgets / budgetDelete with bad input, enforcement under 50 concurrent
// inferenceTrack calls, threshold events exactly once, idempotent retries counted once, and the
// period rollover (time injected through request timestamps and budgets(at:)).
import { env, SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import {
  auditEvents,
  fieldOf,
  globalId,
  seedExperiment,
  seedModel,
  unknownId,
} from '../helpers/fixtures.ts';
import { createTestOrg, gql, type TestOrg } from '../helpers/graphql.ts';
import { deliveriesOf, seedWebhook } from '../webhooks/webhook-fixtures.ts';

const BudgetSet = /* GraphQL */ `
  mutation BudgetSet($input: BudgetSetInput!) {
    budgetSet(input: $input) {
      __typename
      ... on BudgetSetPayload { budget { id scope scopeId period limitUsd thresholds enforce } }
      ... on Error { message path }
    }
  }
`;

const BudgetDelete = /* GraphQL */ `
  mutation BudgetDelete($input: BudgetDeleteInput!) {
    budgetDelete(input: $input) {
      __typename
      ... on BudgetDeletePayload { budget { id } }
      ... on Error { message path }
    }
  }
`;

const Budgets = /* GraphQL */ `
  query Budgets($at: DateTime) {
    budgets(at: $at) {
      budget { id scope limitUsd enforce }
      currentPeriod { start end spentUsd crossedThresholds refusedCount refusedUsd }
    }
  }
`;

const InferenceTrack = /* GraphQL */ `
  mutation InferenceTrack($input: InferenceTrackInput!) {
    inferenceTrack(input: $input) {
      __typename
      ... on InferenceTrackPayload { recorded tracked { deduplicated request { id costUsd } } }
      ... on BudgetExceededError { message limitUsd spentUsd requestedUsd periodStart budget { id } }
      ... on Error { message path }
    }
  }
`;

async function setup(name: string) {
  const org = await createTestOrg(name);
  const model = await seedModel(org, `${name}-llm`);
  return { org, model, modelId: globalId('Model', model.id) };
}

function setBudget(org: TestOrg, input: Record<string, unknown>, token = org.admin.token) {
  return gql(token, BudgetSet, { input });
}

function track(org: TestOrg, request: Record<string, unknown>, token = org.tokens.EDITOR) {
  return gql(token, InferenceTrack, {
    input: {
      request: {
        provider: 'openai',
        providerModel: 'gpt-test',
        latencyMs: 100,
        inputTokens: 10,
        outputTokens: 10,
        status: 'SUCCESS',
        ...request,
      },
    },
  });
}

async function spendInD1(orgId: string): Promise<{ n: number; spent: number }> {
  const row = await env.DB.prepare(
    'SELECT count(*) AS n, coalesce(sum(cost_usd), 0) AS spent FROM inference_request WHERE org_id = ?',
  )
    .bind(orgId)
    .first<{ n: number; spent: number }>();
  return row as { n: number; spent: number };
}

describe('budgetSet, budgets and budgetDelete', () => {
  it('upserts per scope and period, lists with the period’s spend, deletes, and audits each', async () => {
    const { org, modelId } = await setup('budget-crud');
    const first = await setBudget(org, {
      scope: 'MODEL',
      scopeId: modelId,
      period: 'DAY',
      limitUsd: 5,
    });
    const budget = fieldOf(first, 'budgetSet').budget;
    expect(budget).toMatchObject({
      scope: 'MODEL',
      scopeId: modelId,
      period: 'DAY',
      limitUsd: 5,
      thresholds: [0.5, 0.8, 1],
      enforce: false,
    });
    const again = await setBudget(org, {
      scope: 'MODEL',
      scopeId: modelId,
      period: 'DAY',
      limitUsd: 7,
      thresholds: [0.9],
      enforce: true,
    });
    expect(fieldOf(again, 'budgetSet').budget).toMatchObject({
      id: budget.id,
      limitUsd: 7,
      thresholds: [0.9],
      enforce: true,
    });
    await setBudget(org, { scope: 'ORGANIZATION', period: 'MONTH', limitUsd: 100 });

    const listed = await gql(org.tokens.VIEWER, Budgets);
    expect(listed.errors).toBeUndefined();
    expect(listed.data?.budgets).toHaveLength(2);
    expect(listed.data?.budgets.map((b: any) => b.currentPeriod.spentUsd)).toEqual([0, 0]);
    const count = await env.DB.prepare('SELECT budget_count FROM organization WHERE id = ?')
      .bind(org.orgId)
      .first<number>('budget_count');
    expect(count).toBe(2);

    const deleted = await gql(org.admin.token, BudgetDelete, { input: { id: budget.id } });
    expect(fieldOf(deleted, 'budgetDelete').budget.id).toBe(budget.id);
    expect((await gql(org.tokens.VIEWER, Budgets)).data?.budgets).toHaveLength(1);
    const actions = (await auditEvents(org.orgId, {}))
      .map((e) => e.action)
      .filter((a) => a.startsWith('budget.'));
    expect(actions).toEqual(['budget.set', 'budget.set', 'budget.set', 'budget.deleted']);
    const again2 = await gql(org.admin.token, BudgetDelete, { input: { id: budget.id } });
    expect(fieldOf(again2, 'budgetDelete').__typename).toBe('NotFoundError');
  });

  it('answers every bad input with a typed error and writes nothing', async () => {
    const { org, modelId } = await setup('budget-bad');
    const other = await setup('budget-other');
    const experiment = await seedExperiment(org, 'exp');
    const cases: [Record<string, unknown>, string, string[]][] = [
      [
        { scope: 'ORGANIZATION', period: 'DAY', limitUsd: -1 },
        'ValidationError',
        ['input', 'limitUsd'],
      ],
      [
        { scope: 'ORGANIZATION', period: 'DAY', limitUsd: 0 },
        'ValidationError',
        ['input', 'limitUsd'],
      ],
      [
        { scope: 'ORGANIZATION', period: 'DAY', limitUsd: 1e12 },
        'ValidationError',
        ['input', 'limitUsd'],
      ],
      [
        { scope: 'ORGANIZATION', period: 'DAY', limitUsd: 1, thresholds: [0] },
        'ValidationError',
        ['input', 'thresholds', '0'],
      ],
      [
        { scope: 'ORGANIZATION', period: 'DAY', limitUsd: 1, thresholds: [0.5, 1.5] },
        'ValidationError',
        ['input', 'thresholds', '1'],
      ],
      [
        { scope: 'ORGANIZATION', period: 'DAY', limitUsd: 1, thresholds: [0.8, 0.5] },
        'ValidationError',
        ['input', 'thresholds', '1'],
      ],
      [
        { scope: 'ORGANIZATION', period: 'DAY', limitUsd: 1, thresholds: [0.5, 0.5] },
        'ValidationError',
        ['input', 'thresholds', '1'],
      ],
      [
        { scope: 'ORGANIZATION', scopeId: modelId, period: 'DAY', limitUsd: 1 },
        'ValidationError',
        ['input', 'scopeId'],
      ],
      [{ scope: 'MODEL', period: 'DAY', limitUsd: 1 }, 'ValidationError', ['input', 'scopeId']],
      // Another organization's model, a missing one, and an id of the wrong kind: all not found.
      [
        { scope: 'MODEL', scopeId: other.modelId, period: 'DAY', limitUsd: 1 },
        'NotFoundError',
        ['input', 'scopeId'],
      ],
      [
        { scope: 'MODEL', scopeId: unknownId('Model'), period: 'DAY', limitUsd: 1 },
        'NotFoundError',
        ['input', 'scopeId'],
      ],
      [
        {
          scope: 'MODEL',
          scopeId: globalId('Experiment', experiment.id),
          period: 'DAY',
          limitUsd: 1,
        },
        'NotFoundError',
        ['input', 'scopeId'],
      ],
      [
        { scope: 'EXPERIMENT', scopeId: modelId, period: 'DAY', limitUsd: 1 },
        'NotFoundError',
        ['input', 'scopeId'],
      ],
      [
        { scope: 'API_TOKEN', scopeId: unknownId('ApiToken'), period: 'DAY', limitUsd: 1 },
        'NotFoundError',
        ['input', 'scopeId'],
      ],
    ];
    for (const [input, typename, path] of cases) {
      const answer = fieldOf(await setBudget(org, input), 'budgetSet');
      expect({ input, typename: answer.__typename, path: answer.path }).toEqual({
        input,
        typename,
        path,
      });
    }
    // NaN cannot be sent as JSON; a GraphQL Float refuses Infinity: the variable is refused.
    const nan = await setBudget(org, { scope: 'ORGANIZATION', period: 'DAY', limitUsd: 'NaN' });
    expect(nan.errors?.[0]?.message).toMatch(/Float/);
    const editor = await setBudget(
      org,
      { scope: 'ORGANIZATION', period: 'DAY', limitUsd: 1 },
      org.tokens.EDITOR,
    );
    expect(editor.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await gql(org.tokens.VIEWER, Budgets)).data?.budgets).toEqual([]);
  });
});

describe('an enforced budget under concurrency', () => {
  it('50 concurrent inferenceTrack calls never overshoot; the rest are refused with BudgetExceededError', async () => {
    const { org, modelId } = await setup('budget-enforce');
    // $1 per request, $20 limit: exactly 20 of the 50 fit.
    const set = await setBudget(org, {
      scope: 'MODEL',
      scopeId: modelId,
      period: 'DAY',
      limitUsd: 20,
      enforce: true,
    });
    const budgetId = fieldOf(set, 'budgetSet').budget.id;
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => track(org, { modelId, costUsd: 1 })),
    );
    const kinds = answers.map((a) => fieldOf(a, 'inferenceTrack').__typename);
    expect(kinds.filter((k) => k === 'InferenceTrackPayload')).toHaveLength(20);
    expect(kinds.filter((k) => k === 'BudgetExceededError')).toHaveLength(30);
    const refusal = answers
      .map((a) => fieldOf(a, 'inferenceTrack'))
      .find((a) => a.__typename === 'BudgetExceededError');
    expect(refusal).toMatchObject({ limitUsd: 20, requestedUsd: 1, budget: { id: budgetId } });
    expect(refusal.spentUsd).toBeLessThanOrEqual(20);
    expect(await spendInD1(org.orgId)).toEqual({ n: 20, spent: 20 });
    const [status] = (await gql(org.tokens.VIEWER, Budgets)).data?.budgets ?? [];
    expect(status.currentPeriod).toMatchObject({
      spentUsd: 20,
      refusedCount: 30,
      refusedUsd: 30,
      crossedThresholds: [0.5, 0.8, 1],
    });
    // Each threshold announced once, the last by the request that reached the limit exactly.
    const events = await auditEvents(org.orgId, { action: 'budget.thresholdCrossed' });
    expect(events.map((e) => (e.after as any).threshold).sort()).toEqual([0.5, 0.8, 1]);
    expect(events[0]).toMatchObject({
      subject_kind: 'Budget',
      subject_id: budgetId.length ? events[0]?.subject_id : '',
    });
    expect(events[0]?.after).toMatchObject({ scope: 'MODEL', period: 'DAY', limitUsd: 20 });
  });

  it('REST /api/vibe/track answers 402 when an enforced budget refuses', async () => {
    const { org, modelId } = await setup('budget-rest');
    await setBudget(org, { scope: 'ORGANIZATION', period: 'DAY', limitUsd: 1, enforce: true });
    const post = (cost: number) =>
      SELF.fetch('http://registry.test/api/vibe/track', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${org.tokens.EDITOR}`,
        },
        body: JSON.stringify({
          model_id: modelId,
          provider: 'openai',
          provider_model: 'x',
          latency_ms: 1,
          tokens_input: 1,
          tokens_output: 1,
          cost_usd: cost,
        }),
      });
    expect((await post(0.6)).status).toBe(201);
    const refused = await post(0.6);
    expect(refused.status).toBe(402);
    const body = (await refused.json()) as any;
    expect(body.error).toMatchObject({
      code: 'BUDGET_EXCEEDED',
      limit_usd: 1,
      spent_usd: 0.6,
      requested_usd: 0.6,
    });
    const list = await SELF.fetch('http://registry.test/api/budgets', {
      headers: { authorization: `Bearer ${org.tokens.VIEWER}` },
    });
    const budgets = ((await list.json()) as any).budgets;
    expect(budgets[0].current_period).toMatchObject({ spent_usd: 0.6, refused_count: 1 });
  });
});

describe('thresholds without enforce', () => {
  it('records every request and writes each threshold’s event exactly once per period', async () => {
    const { org, modelId } = await setup('budget-thresholds');
    await setBudget(org, { scope: 'ORGANIZATION', period: 'DAY', limitUsd: 10 });
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => track(org, { modelId, costUsd: 0.5 })),
    );
    expect(
      answers.every((a) => fieldOf(a, 'inferenceTrack').__typename === 'InferenceTrackPayload'),
    ).toBe(true);
    expect(await spendInD1(org.orgId)).toEqual({ n: 50, spent: 25 });
    const events = await auditEvents(org.orgId, { action: 'budget.thresholdCrossed' });
    expect(events.map((e) => (e.after as any).threshold).sort()).toEqual([0.5, 0.8, 1]);
    for (const event of events) {
      expect((event.after as any).spentUsd).toBeGreaterThanOrEqual(
        (event.after as any).threshold * 10,
      );
    }
    const [status] = (await gql(org.tokens.VIEWER, Budgets)).data?.budgets ?? [];
    expect(status.currentPeriod).toMatchObject({ spentUsd: 25, refusedCount: 0 });
  });
});

describe('retries and periods', () => {
  it('counts an idempotent retry once, even sent concurrently', async () => {
    const { org, modelId } = await setup('budget-retry');
    await setBudget(org, { scope: 'ORGANIZATION', period: 'DAY', limitUsd: 3, enforce: true });
    const request = { modelId, costUsd: 1, idempotencyKey: 'retry-1' };
    const answers = await Promise.all(Array.from({ length: 10 }, () => track(org, request)));
    expect(
      answers.every((a) => fieldOf(a, 'inferenceTrack').__typename === 'InferenceTrackPayload'),
    ).toBe(true);
    expect(answers.filter((a) => fieldOf(a, 'inferenceTrack').recorded === 1)).toHaveLength(1);
    // Two more distinct requests fit ($3), a third does not.
    expect(fieldOf(await track(org, { modelId, costUsd: 1 }), 'inferenceTrack').__typename).toBe(
      'InferenceTrackPayload',
    );
    expect(fieldOf(await track(org, { modelId, costUsd: 1 }), 'inferenceTrack').__typename).toBe(
      'InferenceTrackPayload',
    );
    expect(fieldOf(await track(org, { modelId, costUsd: 1 }), 'inferenceTrack').__typename).toBe(
      'BudgetExceededError',
    );
    expect(fieldOf(await track(org, request), 'inferenceTrack').tracked[0].deduplicated).toBe(true);
    const [status] = (await gql(org.tokens.VIEWER, Budgets)).data?.budgets ?? [];
    expect(status.currentPeriod.spentUsd).toBe(3);
  });

  it('counts each day on its own: yesterday’s spend does not hold back today', async () => {
    const { org, modelId } = await setup('budget-rollover');
    await setBudget(org, {
      scope: 'MODEL',
      scopeId: modelId,
      period: 'DAY',
      limitUsd: 2,
      enforce: true,
    });
    const now = Date.now();
    const today = new Date(now);
    const yesterday = new Date(now - 86_400_000);
    for (const _ of [1, 2]) {
      const answer = await track(org, { modelId, costUsd: 1, timestamp: yesterday.toISOString() });
      expect(fieldOf(answer, 'inferenceTrack').__typename).toBe('InferenceTrackPayload');
    }
    expect(
      fieldOf(
        await track(org, { modelId, costUsd: 1, timestamp: yesterday.toISOString() }),
        'inferenceTrack',
      ).__typename,
    ).toBe('BudgetExceededError');
    expect(fieldOf(await track(org, { modelId, costUsd: 1 }), 'inferenceTrack').__typename).toBe(
      'InferenceTrackPayload',
    );
    const atYesterday = (await gql(org.tokens.VIEWER, Budgets, { at: yesterday.toISOString() }))
      .data?.budgets[0];
    const atToday = (await gql(org.tokens.VIEWER, Budgets, { at: today.toISOString() })).data
      ?.budgets[0];
    expect(atYesterday.currentPeriod).toMatchObject({
      spentUsd: 2,
      refusedCount: 1,
      crossedThresholds: [0.5, 0.8, 1],
    });
    expect(atToday.currentPeriod).toMatchObject({
      spentUsd: 1,
      refusedCount: 0,
      crossedThresholds: [0.5],
    });
    const events = await auditEvents(org.orgId, { action: 'budget.thresholdCrossed' });
    expect(events).toHaveLength(4);
  });

  it('seeds a budget set mid-period from what D1 already holds', async () => {
    const { org, modelId } = await setup('budget-seed');
    for (const _ of [1, 2, 3]) await track(org, { modelId, costUsd: 1 });
    await setBudget(org, { scope: 'ORGANIZATION', period: 'MONTH', limitUsd: 4, enforce: true });
    expect(fieldOf(await track(org, { modelId, costUsd: 1 }), 'inferenceTrack').__typename).toBe(
      'InferenceTrackPayload',
    );
    expect(fieldOf(await track(org, { modelId, costUsd: 1 }), 'inferenceTrack').__typename).toBe(
      'BudgetExceededError',
    );
  });

  it('a budget costs a tracking call no extra D1 statement', async () => {
    const { org, modelId } = await setup('budget-none');
    // The first call of a token also records its last use (off the request path, but counted).
    await track(org, { modelId, costUsd: 1 });
    const without = await track(org, { modelId, costUsd: 1 });
    await setBudget(org, { scope: 'ORGANIZATION', period: 'DAY', limitUsd: 100 });
    const withBudget = await track(org, { modelId, costUsd: 1 });
    // The budgets come with the references' one read; the counter call is not D1.
    expect(withBudget.statements).toBe(without.statements);
  });

  it('announces each crossed threshold to a webhook filtered on the budget’s model, once', async () => {
    const { org, model, modelId } = await setup('budget-webhook');
    const other = await seedModel(org, 'budget-webhook-other');
    const { webhook } = await seedWebhook(org, {
      events: ['BUDGET_THRESHOLD_CROSSED'],
      filter: { modelIds: [model.id] },
    });
    const { webhook: elsewhere } = await seedWebhook(org, {
      events: ['BUDGET_THRESHOLD_CROSSED'],
      filter: { modelIds: [other.id] },
    });
    await setBudget(org, { scope: 'MODEL', scopeId: modelId, period: 'DAY', limitUsd: 4 });
    // 0.5 reached by the second call, 0.8 by the fourth; later calls cross nothing new.
    for (const _ of [1, 2, 3, 4]) await track(org, { modelId, costUsd: 0.8 });
    await Promise.all([1, 2, 3].map(() => track(org, { modelId, costUsd: 0.1 })));

    const deliveries = await deliveriesOf(org.orgId);
    expect(deliveries.map((d) => [d.webhook_id, d.event_type])).toEqual([
      [webhook.id, 'BUDGET_THRESHOLD_CROSSED'],
      [webhook.id, 'BUDGET_THRESHOLD_CROSSED'],
    ]);
    expect(deliveries.some((d) => d.webhook_id === elsewhere.id)).toBe(false);
    const events = await auditEvents(org.orgId, { action: 'budget.thresholdCrossed' });
    expect(new Set(deliveries.map((d) => d.event_id))).toEqual(new Set(events.map((e) => e.id)));
  });
});

// biome-ignore-all lint/suspicious/noExplicitAny: response shapes are checked by the assertions
// The budget-thresholds job settles a counter's old reservations against D1: a Worker that died
// between its reservation and its batch gives its cost (and the thresholds it was to announce)
// back; recorded reservations are forgotten without changing the spend or double-counting a retry.
import { describe, expect, it } from 'vitest';
import { announceReachedThresholds } from '../../src/registry/budget/budget.service.ts';
import { periodOf, termsOf, toBudget } from '../../src/registry/budget/budget.ts';
import { auditEvents, fieldOf, globalId, seedModel, serviceDeps } from '../helpers/fixtures.ts';
import { createTestOrg, gql, type TestOrg, testDb } from '../helpers/graphql.ts';

const Track = /* GraphQL */ `
  mutation Track($input: InferenceTrackInput!) {
    inferenceTrack(input: $input) {
      __typename
      ... on InferenceTrackPayload { tracked { deduplicated } }
      ... on Error { message }
    }
  }
`;

function track(org: TestOrg, modelId: string, costUsd: number, idempotencyKey?: string) {
  return gql(org.tokens.EDITOR, Track, {
    input: {
      request: {
        provider: 'openai',
        providerModel: 'gpt-test',
        latencyMs: 100,
        inputTokens: 1,
        outputTokens: 1,
        status: 'SUCCESS',
        modelId,
        costUsd,
        ...(idempotencyKey ? { idempotencyKey } : {}),
      },
    },
  }).then((answer) => fieldOf(answer, 'inferenceTrack') as any);
}

async function spent(org: TestOrg): Promise<number> {
  const answer = await gql(
    org.tokens.VIEWER,
    '{ budgets { currentPeriod { spentUsd crossedThresholds } } }',
  );
  return answer.data?.budgets?.[0]?.currentPeriod?.spentUsd;
}

async function setup(name: string, input: Record<string, unknown>) {
  const org = await createTestOrg(name);
  const model = await seedModel(org, `${name}-llm`);
  const set = await gql(
    org.admin.token,
    'mutation($i: BudgetSetInput!) { budgetSet(input: $i) { __typename } }',
    { i: { scope: 'ORGANIZATION', period: 'DAY', ...input } },
  );
  expect(set.data?.budgetSet?.__typename).toBe('BudgetSetPayload');
  const row = await testDb()
    .selectFrom('budget')
    .selectAll()
    .where('org_id', '=', org.orgId)
    .executeTakeFirstOrThrow();
  const terms = termsOf(toBudget(row));
  const range = periodOf('DAY', new Date());
  const period = { start: range.start.toISOString(), end: range.end.toISOString() };
  return { org, modelId: globalId('Model', model.id), terms, period };
}

/** Runs the job as if ten minutes had passed since every reservation so far. */
function settleNow() {
  return announceReachedThresholds(serviceDeps(), new Date(), new Date(Date.now() + 60_000));
}

describe('settling old reservations (budget-thresholds job)', () => {
  it('gives back a reservation D1 never recorded, so the enforced limit counts only real spend', async () => {
    const { org, modelId, terms, period } = await setup('settle-dead', {
      limitUsd: 1,
      enforce: true,
    });
    expect((await track(org, modelId, 0.4, 'settle-k1')).__typename).toBe('InferenceTrackPayload');
    // A call whose Worker died after reserving: counted by the counter, never written to D1.
    const dead = await serviceDeps().budgetCounters.reserve({
      terms,
      periodStart: period.start,
      periodEnd: period.end,
      holder: 'dead-call',
      items: [{ key: 'row:never-written', costUsd: 0.5 }],
    });
    expect(dead).toMatchObject({ ok: true, crossed: [0.5, 0.8] });
    expect(await spent(org)).toBeCloseTo(0.9);
    expect((await track(org, modelId, 0.5)).__typename).toBe('BudgetExceededError');

    await settleNow();

    expect(await spent(org)).toBeCloseTo(0.4);
    const thresholds = async () =>
      (await auditEvents(org.orgId, { action: 'budget.thresholdCrossed' }))
        .map((e) => (e.after as any).threshold)
        .sort();
    // The refusal announced 1.0 (an enforced budget's first refusal does); 0.5 and 0.8, which the
    // dead call was to announce, were never written, and 0.4 reaches neither.
    expect(await thresholds()).toEqual([1]);
    expect((await track(org, modelId, 0.5)).__typename).toBe('InferenceTrackPayload');
    expect(await spent(org)).toBeCloseTo(0.9);
    // 0.5 and 0.8 are announced by the call that really reached them, once each.
    expect(await thresholds()).toEqual([0.5, 0.8, 1]);
  });

  it('forgets recorded reservations without changing the spend; a retry still counts once', async () => {
    const { org, modelId } = await setup('settle-recorded', { limitUsd: 10, enforce: true });
    for (const key of ['a', 'b', 'c']) {
      expect((await track(org, modelId, 1, `settle-${key}`)).__typename).toBe(
        'InferenceTrackPayload',
      );
    }
    await track(org, modelId, 1); // no idempotency key: reserved by row id
    expect(await spent(org)).toBeCloseTo(4);

    await settleNow();
    await settleNow(); // nothing left to settle: idempotent

    expect(await spent(org)).toBeCloseTo(4);
    const retry = await track(org, modelId, 1, 'settle-a');
    expect(retry.tracked[0].deduplicated).toBe(true);
    expect(await spent(org)).toBeCloseTo(4);
  });

  it('leaves recent reservations alone', async () => {
    const { org, terms, period } = await setup('settle-recent', { limitUsd: 10 });
    await serviceDeps().budgetCounters.reserve({
      terms,
      periodStart: period.start,
      periodEnd: period.end,
      holder: 'in-flight',
      items: [{ key: 'row:in-flight', costUsd: 2 }],
    });
    // The job's default: only reservations older than ten minutes are checked.
    await announceReachedThresholds(serviceDeps(), new Date());
    expect(await spent(org)).toBeCloseTo(2);
  });
});

// budget: 5,000 tracked requests (one per inferenceTrack call) at 50 concurrent against a model
// budget set to be crossed at request 2,500, in one run on one server:
//   A. today's path: no budget in the organization (viewer.budgets false: no read, no counter);
//   B. an enforced budget: exactly 2,500 recorded, 2,500 refused (BudgetExceededError), spend
//      exactly the limit;
//   C. the same budget without enforce: all 5,000 recorded, each threshold event once, the 1.0
//      event written at a spend within one request's cost of the limit;
//   D. today's path again (budgets deleted), so drift over the run shows.
// The throughput ratio is B (and C) over the mean of A and D.
import type { Client } from '../lib/graphql.ts';
import type { Scenario, ScenarioContext } from '../lib/scenario.ts';
import { ms, summarize, table } from '../lib/stats.ts';

const SIZES = { full: { requests: 5000 }, quick: { requests: 500 } };
const CONCURRENCY = 50;
const COST = 0.01;

const TRACK = `mutation($input: InferenceTrackInput!) { inferenceTrack(input: $input) {
  __typename ... on InferenceTrackPayload { recorded } ... on Error { message } } }`;

async function registerModel(client: Client, name: string): Promise<string> {
  const registered = await client.request<{ modelRegister: { model: { id: string } } }>(
    'mutation($input: ModelRegisterInput!) { modelRegister(input: $input) { ... on ModelRegisterPayload { model { id } } ... on Error { message } } }',
    { input: { name } },
  );
  return registered.data.modelRegister.model.id;
}

interface Phase {
  label: string;
  wallMs: number;
  latencies: number[];
  answers: Record<string, number>;
  failures: string[];
}

/** `count` single-request inferenceTrack calls, CONCURRENCY in flight, straight over fetch. */
async function trackPhase(
  context: ScenarioContext,
  url: string,
  label: string,
  modelId: string,
  count: number,
): Promise<Phase> {
  const latencies: number[] = [];
  const answers: Record<string, number> = {};
  const failures: string[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) {
        const index = next++;
        const body = JSON.stringify({
          query: TRACK,
          variables: {
            input: {
              request: {
                modelId,
                provider: 'openai',
                providerModel: 'gpt-4o-mini',
                latencyMs: 200,
                inputTokens: 100,
                outputTokens: 20,
                costUsd: COST,
                status: 'SUCCESS',
                idempotencyKey: `${label}-${index}`,
              },
            },
          },
        });
        const t = performance.now();
        const response = await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${context.seed.token}`,
          },
          body,
          signal: AbortSignal.any([context.signal, AbortSignal.timeout(30_000)]),
        });
        const json = (await response.json()) as {
          data?: { inferenceTrack?: { __typename: string; message?: string } };
          errors?: unknown;
        };
        latencies.push(performance.now() - t);
        const kind = json.data?.inferenceTrack?.__typename ?? `HTTP ${response.status}`;
        answers[kind] = (answers[kind] ?? 0) + 1;
        if (kind !== 'InferenceTrackPayload' && kind !== 'BudgetExceededError') {
          failures.push(`${label}: ${JSON.stringify(json).slice(0, 300)}`);
        }
      }
    }),
  );
  return { label, wallMs: performance.now() - started, latencies, answers, failures };
}

async function setBudget(client: Client, modelId: string, limitUsd: number, enforce: boolean) {
  const result = await client.request<{ budgetSet: { budget?: { id: string }; message?: string } }>(
    'mutation($input: BudgetSetInput!) { budgetSet(input: $input) { ... on BudgetSetPayload { budget { id } } ... on Error { message } } }',
    { input: { scope: 'MODEL', scopeId: modelId, period: 'DAY', limitUsd, enforce } },
  );
  const id = result.data.budgetSet.budget?.id;
  if (!id) throw new Error(`budgetSet: ${JSON.stringify(result.data)}`);
  return id;
}

interface BudgetFigures {
  spentUsd: number;
  refusedCount: number;
  crossedThresholds: number[];
  events: { threshold: number; spentUsd: number }[];
  recordedCostUsd: number;
  recorded: number;
}

async function budgetFigures(client: Client, budgetId: string, modelId: string) {
  const status = await client.request<{
    budgets: {
      budget: { id: string };
      currentPeriod: { spentUsd: number; refusedCount: number; crossedThresholds: number[] };
    }[];
  }>('{ budgets { budget { id } currentPeriod { spentUsd refusedCount crossedThresholds } } }');
  const mine = status.data.budgets.find((b) => b.budget.id === budgetId);
  const events = await client.request<{
    auditEvents: { edges: { node: { after: { threshold: number; spentUsd: number } } }[] };
  }>(
    'query($s: ID!) { auditEvents(subject: $s, actions: ["budget.thresholdCrossed"], first: 100) { edges { node { after } } } }',
    { s: budgetId },
  );
  const usage = await client.request<{
    node: { usage: { requests: number; totalCostUsd: number | null } };
  }>('query($id: ID!) { node(id: $id) { ... on Model { usage { requests totalCostUsd } } } }', {
    id: modelId,
  });
  return {
    spentUsd: mine?.currentPeriod.spentUsd ?? Number.NaN,
    refusedCount: mine?.currentPeriod.refusedCount ?? Number.NaN,
    crossedThresholds: mine?.currentPeriod.crossedThresholds ?? [],
    events: events.data.auditEvents.edges.map((e) => e.node.after),
    recordedCostUsd: usage.data.node.usage.totalCostUsd ?? 0,
    recorded: usage.data.node.usage.requests,
  } satisfies BudgetFigures;
}

async function run(context: ScenarioContext) {
  const { requests } = context.quick ? SIZES.quick : SIZES.full;
  const crossAt = requests / 2;
  const limitUsd = Math.round(crossAt * COST * 100) / 100;
  const { server, client } = await context.startServer('budget');
  const runId = Date.now().toString(36);
  const models = {
    before: await registerModel(client, `budget-bench-none-a-${runId}`),
    enforced: await registerModel(client, `budget-bench-enforced-${runId}`),
    open: await registerModel(client, `budget-bench-open-${runId}`),
    after: await registerModel(client, `budget-bench-none-d-${runId}`),
  };
  context.log(
    `${requests} single-request inferenceTrack calls per phase, ${CONCURRENCY} concurrent`,
  );

  // Warm-up (JIT, the token's last-use write), not measured.
  await trackPhase(context, server.url, `warm-${runId}`, models.before, 200);
  const a = await trackPhase(context, server.url, `a-${runId}`, models.before, requests);
  context.log(`A (no budget): ${ms(a.wallMs)}`);

  const enforcedBudget = await setBudget(client, models.enforced, limitUsd, true);
  const b = await trackPhase(context, server.url, `b-${runId}`, models.enforced, requests);
  context.log(`B (enforced budget): ${ms(b.wallMs)} ${JSON.stringify(b.answers)}`);
  const enforcedFigures = await budgetFigures(client, enforcedBudget, models.enforced);

  const openBudget = await setBudget(client, models.open, limitUsd, false);
  const c = await trackPhase(context, server.url, `c-${runId}`, models.open, requests);
  context.log(`C (budget, no enforce): ${ms(c.wallMs)} ${JSON.stringify(c.answers)}`);
  const openFigures = await budgetFigures(client, openBudget, models.open);

  for (const id of [enforcedBudget, openBudget]) {
    await client.request(
      'mutation($input: BudgetDeleteInput!) { budgetDelete(input: $input) { __typename } }',
      { input: { id } },
    );
  }
  const d = await trackPhase(context, server.url, `d-${runId}`, models.after, requests);
  context.log(`D (no budget again): ${ms(d.wallMs)}`);
  await context.stopServer();

  const failures = [...a.failures, ...b.failures, ...c.failures, ...d.failures];
  const check = (ok: boolean, message: string) => {
    if (!ok) failures.push(message);
  };
  const cents = (usd: number) => Math.round(usd * 100);
  check(
    b.answers.InferenceTrackPayload === crossAt,
    `B recorded ${b.answers.InferenceTrackPayload}`,
  );
  check(
    b.answers.BudgetExceededError === requests - crossAt,
    `B refused ${b.answers.BudgetExceededError}`,
  );
  check(
    cents(enforcedFigures.recordedCostUsd) === cents(limitUsd),
    `B spend ${enforcedFigures.recordedCostUsd}`,
  );
  check(
    cents(enforcedFigures.spentUsd) <= cents(limitUsd),
    `B counter ${enforcedFigures.spentUsd}`,
  );
  check(enforcedFigures.events.length === 3, `B events ${JSON.stringify(enforcedFigures.events)}`);
  check(
    c.answers.InferenceTrackPayload === requests,
    `C recorded ${c.answers.InferenceTrackPayload}`,
  );
  check(openFigures.events.length === 3, `C events ${JSON.stringify(openFigures.events)}`);
  const reached = openFigures.events.find((e) => e.threshold === 1);
  check(
    reached !== undefined && reached.spentUsd <= limitUsd + COST + 1e-9,
    `C: 1.0 announced at ${reached?.spentUsd}`,
  );

  const rate = (phase: Phase) => requests / (phase.wallMs / 1000);
  const baseline = (rate(a) + rate(d)) / 2;
  const row = (phase: Phase) => {
    const latency = summarize(phase.latencies);
    return [
      phase.label.replace(/-.*/, ''),
      ms(phase.wallMs),
      rate(phase).toFixed(0),
      (rate(phase) / baseline).toFixed(2),
      ms(latency.p50),
      ms(latency.p90),
      ms(latency.p99),
    ];
  };
  const report = [
    `budget: ${requests} tracked requests per phase at ${CONCURRENCY} concurrent, $${COST} each, limit $${limitUsd} (crossed at request ${crossAt})`,
    table(
      ['phase', 'wall', 'per second', 'vs no budget', 'p50', 'p90', 'p99'],
      [row(a), row(b), row(c), row(d)],
    ),
    'A, D: no budget in the organization (today’s path). B: enforced budget. C: budget without enforce.',
    `B: ${b.answers.InferenceTrackPayload ?? 0} recorded, ${b.answers.BudgetExceededError ?? 0} refused; recorded spend $${enforcedFigures.recordedCostUsd.toFixed(2)} (limit $${limitUsd}); counter $${enforcedFigures.spentUsd.toFixed(2)}, refused ${enforcedFigures.refusedCount}; threshold events ${enforcedFigures.events.map((e) => `${e.threshold}@$${e.spentUsd.toFixed(2)}`).join(', ')}`,
    `C: ${c.answers.InferenceTrackPayload ?? 0} recorded, spend $${openFigures.recordedCostUsd.toFixed(2)}; threshold events ${openFigures.events.map((e) => `${e.threshold}@$${e.spentUsd.toFixed(2)}`).join(', ')}`,
    failures.length
      ? `FAILURES (${failures.length}): ${failures.slice(0, 5).join(' | ')}`
      : 'No failures: no overshoot with enforce, each threshold announced once.',
  ].join('\n');
  return {
    report,
    results: {
      requests,
      concurrency: CONCURRENCY,
      costUsd: COST,
      limitUsd,
      phases: Object.fromEntries(
        [a, b, c, d].map((p) => [
          p.label.replace(/-.*/, ''),
          {
            wallMs: p.wallMs,
            perSecond: rate(p),
            answers: p.answers,
            latency: summarize(p.latencies),
          },
        ]),
      ),
      ratios: { enforced: rate(b) / baseline, open: rate(c) / baseline },
      enforced: enforcedFigures,
      open: openFigures,
      failures,
    },
  };
}

export const scenario: Scenario = {
  name: 'budget',
  description:
    '5,000 tracked requests at 50 concurrent against a budget crossed at request 2,500, enforced and not, vs no budget',
  skipStartup: true,
  run,
};

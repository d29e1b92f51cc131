// budget: 5,000 tracked requests (one per inferenceTrack call) at 50 concurrent against a model
// budget set to be crossed at request 2,500, in one run on one server:
//   B. an enforced budget: exactly 2,500 recorded, 2,500 refused (BudgetExceededError), spend
//      exactly the limit, each threshold announced once;
//   C. the same budget without enforce: all 5,000 recorded, each threshold event once, the 1.0
//      event written at a spend within one request's cost of the limit;
//   T. throughput: rounds of calls alternating between an organization without budgets (today's
//      path: viewer.budgets false, no read, no counter call) and one with a budget that applies
//      to every call (never refused), so both paths see the same machine load; the ratio is the
//      budget path's calls per second over today's.
import type { Client } from '../lib/graphql.ts';
import type { Scenario, ScenarioContext } from '../lib/scenario.ts';
import { organizationSeedSql } from '../lib/sql.ts';
import { ms, summarize, table } from '../lib/stats.ts';

const SIZES = {
  full: { requests: 5000, rounds: 8, perRound: 300 },
  quick: { requests: 500, rounds: 2, perRound: 100 },
};
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

/** modelRegister with another organization's token, straight over fetch. */
async function registerModelWith(
  context: ScenarioContext,
  url: string,
  token: string,
  name: string,
): Promise<string> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({
      query:
        'mutation($input: ModelRegisterInput!) { modelRegister(input: $input) { ... on ModelRegisterPayload { model { id } } } }',
      variables: { input: { name } },
    }),
    signal: context.signal,
  });
  const json = (await response.json()) as {
    data?: { modelRegister?: { model?: { id: string } } };
  };
  const id = json.data?.modelRegister?.model?.id;
  if (!id) throw new Error(`modelRegister (plain org): ${JSON.stringify(json)}`);
  return id;
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
  token = context.seed.token,
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
            authorization: `Bearer ${token}`,
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

/** A second organization (no budgets) with an admin token, written before the server starts. */
async function seedPlainOrganization(context: ScenarioContext): Promise<string> {
  const { sql, token } = organizationSeedSql({
    name: 'bench-plain-org',
    adminName: 'Plain Admin',
    email: 'plain-admin@example.com',
    tokenName: 'plain',
    createdAtMs: Date.now() - 86_400_000,
  });
  await context.execSql('plain-org', sql);
  return token;
}

async function run(context: ScenarioContext) {
  const { requests, rounds, perRound } = context.quick ? SIZES.quick : SIZES.full;
  const crossAt = requests / 2;
  const limitUsd = Math.round(crossAt * COST * 100) / 100;
  const plainToken = await seedPlainOrganization(context);
  const { server, client } = await context.startServer('budget');
  const runId = Date.now().toString(36);
  const models = {
    enforced: await registerModel(client, `budget-bench-enforced-${runId}`),
    open: await registerModel(client, `budget-bench-open-${runId}`),
    budgeted: await registerModel(client, `budget-bench-throughput-${runId}`),
  };
  const plainModel = await registerModelWith(context, server.url, plainToken, `plain-${runId}`);
  context.log(
    `${requests} single-request inferenceTrack calls per phase, ${CONCURRENCY} concurrent`,
  );

  // Warm-up (JIT, both tokens), not measured.
  await trackPhase(context, server.url, `warm-${runId}`, models.budgeted, 200);
  await trackPhase(context, server.url, `warmp-${runId}`, plainModel, 200, plainToken);

  const enforcedBudget = await setBudget(client, models.enforced, limitUsd, true);
  const b = await trackPhase(context, server.url, `b-${runId}`, models.enforced, requests);
  context.log(`B (enforced budget): ${ms(b.wallMs)} ${JSON.stringify(b.answers)}`);
  const enforcedFigures = await budgetFigures(client, enforcedBudget, models.enforced);

  const openBudget = await setBudget(client, models.open, limitUsd, false);
  const c = await trackPhase(context, server.url, `c-${runId}`, models.open, requests);
  context.log(`C (budget, no enforce): ${ms(c.wallMs)} ${JSON.stringify(c.answers)}`);
  const openFigures = await budgetFigures(client, openBudget, models.open);

  // T: the budget path (a model budget that every call reaches, never refused) against today's.
  await setBudget(client, models.budgeted, 1_000_000, true);
  const none: Phase = { label: 'none', wallMs: 0, latencies: [], answers: {}, failures: [] };
  const withBudget: Phase = {
    label: 'budget',
    wallMs: 0,
    latencies: [],
    answers: {},
    failures: [],
  };
  const add = (into: Phase, from: Phase) => {
    into.wallMs += from.wallMs;
    into.latencies.push(...from.latencies);
    into.failures.push(...from.failures);
    for (const [k, v] of Object.entries(from.answers)) into.answers[k] = (into.answers[k] ?? 0) + v;
  };
  for (let round = 0; round < rounds; round++) {
    // Alternate which goes first, so neither always follows the other.
    const order = round % 2 === 0 ? ['none', 'budget'] : ['budget', 'none'];
    for (const which of order) {
      const phase =
        which === 'none'
          ? await trackPhase(
              context,
              server.url,
              `tn${round}-${runId}`,
              plainModel,
              perRound,
              plainToken,
            )
          : await trackPhase(context, server.url, `tb${round}-${runId}`, models.budgeted, perRound);
      add(which === 'none' ? none : withBudget, phase);
    }
  }
  context.log(
    `T: ${rounds} rounds of ${perRound} each way: none ${ms(none.wallMs)}, budget ${ms(withBudget.wallMs)}`,
  );
  await context.stopServer();

  const failures = [...b.failures, ...c.failures, ...none.failures, ...withBudget.failures];
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
  check(
    (withBudget.answers.InferenceTrackPayload ?? 0) === rounds * perRound,
    `T budget path: ${JSON.stringify(withBudget.answers)}`,
  );
  const reached = openFigures.events.find((e) => e.threshold === 1);
  check(
    reached !== undefined && reached.spentUsd <= limitUsd + COST + 1e-9,
    `C: 1.0 announced at ${reached?.spentUsd}`,
  );

  const rate = (phase: Phase) =>
    Object.values(phase.answers).reduce((x, y) => x + y, 0) / (phase.wallMs / 1000);
  const ratio = rate(withBudget) / rate(none);
  const row = (phase: Phase, name: string) => {
    const latency = summarize(phase.latencies);
    return [
      name,
      ms(phase.wallMs),
      rate(phase).toFixed(1),
      (rate(phase) / rate(none)).toFixed(2),
      ms(latency.p50),
      ms(latency.p90),
      ms(latency.p99),
    ];
  };
  const report = [
    `budget: ${requests} tracked requests per phase at ${CONCURRENCY} concurrent, $${COST} each, limit $${limitUsd} (crossed at request ${crossAt})`,
    table(
      ['calls', 'wall', 'per second', 'vs no budget', 'p50', 'p90', 'p99'],
      [
        row(none, `T: no budget in the org (${rounds}x${perRound})`),
        row(withBudget, `T: a budget on every call (${rounds}x${perRound})`),
        row(b, 'B: enforced, crossed at half'),
        row(c, 'C: not enforced, crossed at half'),
      ],
    ),
    `Budget path / today's path (interleaved rounds T): ${ratio.toFixed(2)}x calls per second.`,
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
        [none, withBudget, b, c].map((p) => [
          p.label.replace(/-.*/, ''),
          {
            wallMs: p.wallMs,
            perSecond: rate(p),
            answers: p.answers,
            latency: summarize(p.latencies),
          },
        ]),
      ),
      ratio,
      rounds,
      perRound,
      enforced: enforcedFigures,
      open: openFigures,
      failures,
    },
  };
}

export const scenario: Scenario = {
  name: 'budget',
  description:
    '5,000 tracked requests at 50 concurrent against a budget crossed at request 2,500, enforced and not; interleaved rounds with and without a budget',
  skipStartup: true,
  run,
};

// Runs in the GraphQL graph: the same runs the MLflow API logs, through the same services.
// runCreate/runLog/runUpdate, Experiment.runs with MLflow's filter and order, Run.children and
// bestRun for sweeps, metric history pages, and the bad inputs of each.
import { describe, expect, it } from 'vitest';
import { fieldOf, globalId } from '../helpers/fixtures.ts';
import { createTestOrg, gql, type TestOrg } from '../helpers/graphql.ts';
import { mlflow } from './mlflow-client.ts';

const ERRORS = `__typename ... on Error { message } ... on ValidationError { path } ... on NotFoundError { path }`;
const Create = `mutation ($input: RunCreateInput!) { runCreate(input: $input) {
  ${ERRORS} ... on RunCreatePayload { run { id runId name status tags parent { id } experiment { id } } } } }`;
const Log = `mutation ($input: RunLogInput!) { runLog(input: $input) {
  ${ERRORS} ... on RunLogPayload { run { id params tags metrics { key value isNaN step timestamp } } } } }`;
const Update = `mutation ($input: RunUpdateInput!) { runUpdate(input: $input) {
  ${ERRORS} ... on RunUpdatePayload { run { id status endTime name } } } }`;
const ExperimentCreate = `mutation ($input: ExperimentCreateInput!) { experimentCreate(input: $input) {
  ... on ExperimentCreatePayload { experiment { id } } } }`;
const Runs = `query ($id: ID!, $first: Int, $after: String, $filter: String, $orderBy: [String!], $view: RunView) {
  node(id: $id) { ... on Experiment { runs(first: $first, after: $after, filter: $filter, orderBy: $orderBy, view: $view) {
    edges { cursor node { id name status params tags metrics { key value } parent { id } } }
    pageInfo { hasNextPage hasPreviousPage endCursor } } } } }`;

async function newExperiment(org: TestOrg, name = `sweep-${crypto.randomUUID()}`) {
  const created = await gql(org.tokens.EDITOR, ExperimentCreate, { input: { name } });
  return fieldOf(created, 'experimentCreate').experiment.id as string;
}

async function createRun(org: TestOrg, input: Record<string, unknown>) {
  const payload = fieldOf(await gql(org.tokens.EDITOR, Create, { input }), 'runCreate');
  expect(payload.__typename).toBe('RunCreatePayload');
  return payload.run;
}

async function logRun(org: TestOrg, input: Record<string, unknown>) {
  return fieldOf(await gql(org.tokens.EDITOR, Log, { input }), 'runLog');
}

/** A parent run with `trials` children, each logging lr, a val_loss history and its best value. */
async function sweep(org: TestOrg, trials: number) {
  const experimentId = await newExperiment(org);
  const parent = await createRun(org, { experimentId, name: 'sweep' });
  const children = [];
  for (let index = 0; index < trials; index++) {
    const child = await createRun(org, {
      experimentId,
      parentRunId: parent.id,
      name: `trial-${index}`,
      startTime: new Date(1_700_000_000_000 + index * 1000).toISOString(),
    });
    const loss = [0.9, 0.7, 0.5].map((value) => value - index * 0.1);
    const logged = await logRun(org, {
      runId: child.id,
      params: [{ key: 'lr', value: String(0.01 * (index + 1)) }],
      tags: [{ key: 'team', value: index % 2 ? 'nlp' : 'vision' }],
      metrics: loss.map((value, step) => ({
        key: 'val_loss',
        value,
        step,
        timestamp: new Date(1_700_000_000_000 + step).toISOString(),
      })),
    });
    expect(logged.__typename).toBe('RunLogPayload');
    children.push(child);
  }
  return { experimentId, parent, children };
}

describe('runs in GraphQL', () => {
  it('creates, logs and ends a sweep; lists, filters, orders and pages its runs', async () => {
    const org = await createTestOrg('gql-runs');
    const { experimentId, parent, children } = await sweep(org, 4);
    expect(parent.status).toBe('RUNNING');
    expect(parent.tags['mlflow.runName']).toBe('sweep');
    expect(children[0].parent.id).toBe(parent.id);
    expect(children[0].tags['mlflow.parentRunId']).toBe(parent.runId);
    expect(children[0].experiment.id).toBe(experimentId);

    const ended = fieldOf(
      await gql(org.tokens.EDITOR, Update, {
        input: { runId: children[3].id, status: 'FINISHED', endTime: '2026-12-07T10:00:00.000Z' },
      }),
      'runUpdate',
    );
    expect(ended.run).toMatchObject({ status: 'FINISHED', endTime: '2026-12-07T10:00:00.000Z' });

    const filtered = fieldOf(
      await gql(org.tokens.VIEWER, Runs, {
        id: experimentId,
        filter: "metrics.val_loss < 0.45 and tags.team = 'nlp'",
        orderBy: ['metrics.val_loss ASC'],
      }),
      'node',
    ).runs;
    // trial-1 ends at 0.4, trial-3 at 0.2; both tagged nlp.
    expect(filtered.edges.map((edge: any) => edge.node.name)).toEqual(['trial-3', 'trial-1']);
    expect(filtered.edges[0].node.params).toEqual({ lr: '0.04' });
    expect(filtered.edges[0].node.metrics[0].value).toBeCloseTo(0.2);

    // Five runs (the parent and four trials), paged by two, in MLflow's default order.
    const names: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 3; page++) {
      const runs: any = fieldOf(
        await gql(org.tokens.VIEWER, Runs, { id: experimentId, first: 2, after }),
        'node',
      ).runs;
      names.push(...runs.edges.map((edge: any) => edge.node.name));
      expect(runs.pageInfo.hasNextPage).toBe(page < 2);
      expect(runs.pageInfo.hasPreviousPage).toBe(page > 0);
      after = runs.pageInfo.endCursor;
    }
    expect(new Set(names).size).toBe(5);
    expect(names).toContain('sweep');

    const sweepOf = `query ($id: ID!) { node(id: $id) { ... on Run {
      best: bestRun(metric: "val_loss", mode: MIN) { name }
      worst: bestRun(metric: "val_loss", mode: MAX) { name }
      none: bestRun(metric: "accuracy", mode: MAX) { name }
      children(orderBy: ["params.lr DESC"], first: 2) { edges { node { name } } pageInfo { hasNextPage } }
    } } }`;
    const tree = fieldOf(await gql(org.tokens.VIEWER, sweepOf, { id: parent.id }), 'node');
    expect(tree.best.name).toBe('trial-3');
    expect(tree.worst.name).toBe('trial-0');
    expect(tree.none).toBeNull();
    expect(tree.children.edges.map((edge: any) => edge.node.name)).toEqual(['trial-3', 'trial-2']);
    expect(tree.children.pageInfo.hasNextPage).toBe(true);
  });

  it('reads a whole list of runs with their data in a constant number of statements', async () => {
    const org = await createTestOrg('gql-runs-n1');
    const small = await sweep(org, 2);
    const big = await sweep(org, 8);
    const count = async (id: string) =>
      (await gql(org.tokens.VIEWER, Runs, { id, first: 50 })).statements;
    // Authentication, the experiment, the search, then one statement each for params, tags and
    // metrics and one for the parents: the same for 3 runs as for 9.
    await count(small.experimentId); // the token's first request also records its use
    const few = await count(small.experimentId);
    expect(await count(big.experimentId)).toBe(few);
  });

  it('reads the runs of many experiments, and the children of many runs, in one search', async () => {
    const org = await createTestOrg('gql-runs-lists');
    const sweeps = [await sweep(org, 3), await sweep(org, 1), await sweep(org, 2)];
    const Lists = `query ($ids: [ID!]!, $first: Int, $after: String, $filter: String) {
      nodes(ids: $ids) { ... on Experiment { id runs(first: $first, after: $after, filter: $filter) {
        edges { node { name children(first: 2) { edges { node { name } } pageInfo { hasNextPage } } } }
        pageInfo { hasNextPage hasPreviousPage endCursor } } } } }`;
    const ids = sweeps.map((s) => s.experimentId);
    const first = ids.slice(0, 1);
    const query = (list: string[], variables: Record<string, unknown> = {}) =>
      gql(org.tokens.VIEWER, Lists, { ids: list, first: 2, ...variables });
    // biome-ignore lint/suspicious/noExplicitAny: the answer's shape is the query's.
    const read = async (list: string[], variables: Record<string, unknown> = {}): Promise<any> => {
      const result = await query(list, variables);
      expect(result.errors).toBeUndefined();
      return result.data;
    };
    const all = await read(ids);
    const names = (node: any) => node.runs.edges.map((edge: any) => edge.node.name);
    // Newest first: the parents start now, their trials in 2023.
    expect(all.nodes.map(names)).toEqual([
      ['sweep', 'trial-2'],
      ['sweep', 'trial-0'],
      ['sweep', 'trial-1'],
    ]);
    expect(all.nodes.map((node: any) => node.runs.pageInfo.hasNextPage)).toEqual([
      true,
      false,
      true,
    ]);
    // Second pages, each list from its own offset; a filter applies to every list.
    const next = await read(ids, { after: all.nodes[0].runs.pageInfo.endCursor });
    expect(next.nodes.map(names)).toEqual([['trial-1', 'trial-0'], [], ['trial-0']]);
    expect(next.nodes.map((node: any) => node.runs.pageInfo.hasPreviousPage)).toEqual([
      true,
      true,
      true,
    ]);
    const filtered = await read(ids, { filter: "params.lr = '0.02'" });
    expect(filtered.nodes.map(names)).toEqual([['trial-1'], [], ['trial-1']]);
    // The children of every parent on the page, from the same one search.
    const parents = all.nodes.flatMap((node: any) =>
      node.runs.edges.filter((edge: any) => edge.node.name === 'sweep'),
    );
    expect(
      parents.map((edge: any) => edge.node.children.edges.map((e: any) => e.node.name)),
    ).toEqual([['trial-2', 'trial-1'], ['trial-0'], ['trial-1', 'trial-0']]);
    // One search for all lists: as many statements for three experiments as for one.
    await query(first);
    const one = (await query(first)).statements;
    expect((await query(ids)).statements).toBe(one);
  });

  it('pages a metric history by step and keeps NaN', async () => {
    const org = await createTestOrg('gql-runs-history');
    const experimentId = await newExperiment(org);
    const run = await createRun(org, { experimentId });
    const points = Array.from({ length: 7 }, (_, step) => ({
      key: 'loss',
      step,
      ...(step === 3 ? { isNaN: true } : { value: 1 / (step + 1) }),
    }));
    const logged = await logRun(org, { runId: run.id, metrics: points });
    expect(logged.run.metrics).toEqual([
      expect.objectContaining({ key: 'loss', step: 6, isNaN: false }),
    ]);
    const History = `query ($id: ID!, $after: String) { node(id: $id) { ... on Run {
      metricHistory(key: "loss", first: 3, after: $after) {
        edges { node { step value isNaN } } pageInfo { hasNextPage endCursor } } } } }`;
    const steps: number[] = [];
    let after: string | null = null;
    let nan: any = null;
    for (let page = 0; page < 3; page++) {
      const history: any = fieldOf(
        await gql(org.tokens.VIEWER, History, { id: run.id, after }),
        'node',
      ).metricHistory;
      for (const edge of history.edges) {
        steps.push(edge.node.step);
        if (edge.node.step === 3) nan = edge.node;
      }
      after = history.pageInfo.endCursor;
      expect(history.pageInfo.hasNextPage).toBe(page < 2);
    }
    expect(steps).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(nan).toEqual({ step: 3, value: null, isNaN: true });

    const bad = await gql(org.tokens.VIEWER, History, { id: run.id, after: 'not-a-cursor' });
    expect(bad.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      argument: 'after',
    });
  });

  it('is one set of runs with the MLflow API, both ways', async () => {
    const org = await createTestOrg('gql-runs-mlflow');
    const experimentId = await newExperiment(org);
    const rawExperimentId = atob(experimentId).split(':')[1] as string;
    const viaMlflow = await mlflow(org.tokens.EDITOR, 'POST', 'runs/create', {
      experiment_id: rawExperimentId,
      run_name: 'from-mlflow',
    });
    const runId = viaMlflow.body.run.info.run_id as string;
    await mlflow(org.tokens.EDITOR, 'POST', 'runs/log-batch', {
      run_id: runId,
      params: [{ key: 'epochs', value: '3' }],
      metrics: [{ key: 'acc', value: 0.9, timestamp: 1_700_000_000_000, step: 2 }],
    });
    const read = fieldOf(
      await gql(org.tokens.VIEWER, Runs, { id: experimentId, filter: 'params.epochs = "3"' }),
      'node',
    ).runs.edges;
    expect(read).toHaveLength(1);
    expect(read[0].node).toMatchObject({
      id: globalId('Run', runId),
      name: 'from-mlflow',
      params: { epochs: '3' },
      metrics: [{ key: 'acc', value: 0.9 }],
    });

    const viaGraphql = await createRun(org, { experimentId, name: 'from-graphql' });
    await logRun(org, { runId: viaGraphql.id, params: [{ key: 'epochs', value: '5' }] });
    const got = await mlflow(org.tokens.VIEWER, 'GET', 'runs/get', { run_id: viaGraphql.runId });
    expect(got.body.run.info).toMatchObject({ run_name: 'from-graphql', status: 'RUNNING' });
    expect(got.body.run.data.params).toEqual([{ key: 'epochs', value: '5' }]);
  });

  it('answers every bad input with a typed error and writes nothing', async () => {
    const org = await createTestOrg('gql-runs-bad');
    const other = await createTestOrg('gql-runs-other');
    const experimentId = await newExperiment(org);
    const run = await createRun(org, { experimentId });
    await logRun(org, { runId: run.id, params: [{ key: 'lr', value: '0.1' }] });

    // A param is written once; the whole batch is refused, the metric with it too.
    const changed = await logRun(org, {
      runId: run.id,
      params: [{ key: 'lr', value: '0.2' }],
      metrics: [{ key: 'loss', value: 1 }],
    });
    expect(changed).toMatchObject({ __typename: 'ValidationError', path: ['input', 'params'] });
    const Data = `query ($id: ID!) { node(id: $id) { ... on Run { params metrics { key } } } }`;
    expect(fieldOf(await gql(org.tokens.VIEWER, Data, { id: run.id }), 'node')).toEqual({
      params: { lr: '0.1' },
      metrics: [],
    });

    const bad = [
      [{ runId: run.id, metrics: [{ key: 'loss' }] }, ['input', 'metrics', '0', 'value']],
      [
        { runId: run.id, metrics: [{ key: 'loss', value: 1, isNaN: true }] },
        ['input', 'metrics', '0', 'value'],
      ],
      [{ runId: run.id, metrics: [{ key: '../etc', value: 1 }] }, ['input', 'metrics', '0', 'key']],
      [
        {
          runId: run.id,
          params: Array.from({ length: 101 }, (_, i) => ({ key: `p${i}`, value: 'x' })),
        },
        ['input', 'params'],
      ],
    ] as const;
    for (const [input, path] of bad) {
      expect(await logRun(org, input)).toMatchObject({ __typename: 'ValidationError', path });
    }

    // Another organization's run and experiment are not found, as unknown ones are.
    const foreign = await logRun(other, { runId: run.id, metrics: [{ key: 'x', value: 1 }] });
    expect(foreign).toMatchObject({ __typename: 'NotFoundError', path: ['input', 'runId'] });
    const foreignCreate = fieldOf(
      await gql(other.tokens.EDITOR, Create, { input: { experimentId } }),
      'runCreate',
    );
    expect(foreignCreate).toMatchObject({
      __typename: 'NotFoundError',
      path: ['input', 'experimentId'],
    });

    // A parent must be a run of the same experiment.
    const elsewhere = await newExperiment(org);
    const crossed = fieldOf(
      await gql(org.tokens.EDITOR, Create, {
        input: { experimentId: elsewhere, parentRunId: run.id },
      }),
      'runCreate',
    );
    expect(crossed).toMatchObject({
      __typename: 'ValidationError',
      path: ['input', 'parentRunId'],
    });
    const notARun = fieldOf(
      await gql(org.tokens.EDITOR, Create, { input: { experimentId, parentRunId: experimentId } }),
      'runCreate',
    );
    // A global ID of another type names no run.
    expect(notARun).toMatchObject({ __typename: 'NotFoundError', path: ['input', 'parentRunId'] });

    // Viewers read, editors write.
    const viewer = await gql(org.tokens.VIEWER, Create, { input: { experimentId } });
    expect(viewer.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    // Filters are MLflow's grammar; what it refuses is refused here, naming the argument.
    for (const filter of [
      "metrics.loss < 1 or params.lr = '0.1'",
      'metrics.loss < "a"',
      "params.lr = '0.1",
    ]) {
      const refused = await gql(org.tokens.VIEWER, Runs, { id: experimentId, filter });
      expect(refused.errors?.[0]?.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        argument: 'filter',
      });
    }
    const badCursor = await gql(org.tokens.VIEWER, Runs, { id: experimentId, after: 'nope' });
    expect(badCursor.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    const tooMany = await gql(org.tokens.VIEWER, Runs, { id: experimentId, first: 1000 });
    expect(tooMany.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });

    // A deleted run takes no writes, is left out of lists, and stays readable.
    await mlflow(org.tokens.EDITOR, 'POST', 'runs/delete', { run_id: run.runId });
    const deleted = await logRun(org, { runId: run.id, metrics: [{ key: 'x', value: 1 }] });
    expect(deleted.__typename).toBe('ValidationError');
    const active = fieldOf(await gql(org.tokens.VIEWER, Runs, { id: experimentId }), 'node');
    expect(active.runs.edges).toHaveLength(0);
    const all = fieldOf(
      await gql(org.tokens.VIEWER, Runs, { id: experimentId, view: 'DELETED_ONLY' }),
      'node',
    );
    expect(all.runs.edges.map((edge: any) => edge.node.id)).toEqual([run.id]);
  });

  it('replays runCreate with the same idempotency key instead of starting a second run', async () => {
    const org = await createTestOrg('gql-runs-idem');
    const experimentId = await newExperiment(org);
    const input = { experimentId, name: 'once', idempotencyKey: `k-${crypto.randomUUID()}` };
    const first = await createRun(org, input);
    const again = await createRun(org, input);
    expect(again.id).toBe(first.id);
    const runs = fieldOf(await gql(org.tokens.VIEWER, Runs, { id: experimentId }), 'node').runs;
    expect(runs.edges).toHaveLength(1);
  });
});

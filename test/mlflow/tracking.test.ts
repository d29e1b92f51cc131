// MLflow's tracking endpoints (experiments, runs, metrics) through the Worker's fetch, with MLflow's
// field names, defaults, error bodies and statuses; bad input refused with nothing written.
import { describe, expect, it } from 'vitest';
import { createTestOrg } from '../helpers/graphql.ts';
import { mlflow } from './mlflow-client.ts';

async function experiment(token: string, name = `exp-${crypto.randomUUID()}`) {
  const created = await mlflow(token, 'POST', 'experiments/create', {
    name,
    tags: [{ key: 'team', value: 'nlp' }],
  });
  expect(created.status).toBe(200);
  return created.body.experiment_id as string;
}

async function run(token: string, experimentId: string, fields: Record<string, unknown> = {}) {
  const created = await mlflow(token, 'POST', 'runs/create', {
    experiment_id: experimentId,
    start_time: 1_700_000_000_000,
    ...fields,
  });
  expect(created.status).toBe(200);
  // As MLflow answers runs/create: the run with the tags it was created with.
  expect(created.body.run.data.tags).toContainEqual({
    key: 'mlflow.runName',
    value: created.body.run.info.run_name,
  });
  return created.body.run.info.run_id as string;
}

describe('MLflow experiments', () => {
  it('creates, gets by id and by name, tags, renames, deletes and restores', async () => {
    const org = await createTestOrg('mlflow-exp');
    const token = org.admin.token;
    const name = `triage-${crypto.randomUUID()}`;
    const id = await experiment(token, name);

    const got = await mlflow(token, 'GET', 'experiments/get', { experiment_id: id });
    expect(got.status).toBe(200);
    expect(got.body.experiment).toMatchObject({
      experiment_id: id,
      name,
      artifact_location: `mlflow-artifacts:/${id}`,
      lifecycle_stage: 'active',
      tags: [{ key: 'team', value: 'nlp' }],
    });
    expect(typeof got.body.experiment.creation_time).toBe('number');

    const byName = await mlflow(token, 'GET', 'experiments/get-by-name', { experiment_name: name });
    expect(byName.body.experiment.experiment_id).toBe(id);

    await mlflow(token, 'POST', 'experiments/set-experiment-tag', {
      experiment_id: id,
      key: 'owner',
      value: 'ana',
    });
    await mlflow(token, 'POST', 'experiments/update', { experiment_id: id, new_name: `${name}-2` });
    const renamed = await mlflow(token, 'GET', 'experiments/get', { experiment_id: id });
    expect(renamed.body.experiment.name).toBe(`${name}-2`);
    expect(renamed.body.experiment.tags).toHaveLength(2);

    await mlflow(token, 'POST', 'experiments/delete', { experiment_id: id });
    const deleted = await mlflow(token, 'GET', 'experiments/get', { experiment_id: id });
    expect(deleted.body.experiment.lifecycle_stage).toBe('deleted');
    const refused = await mlflow(token, 'POST', 'runs/create', { experiment_id: id });
    expect(refused.status).toBe(400);
    expect(refused.body.error_code).toBe('INVALID_PARAMETER_VALUE');
    await mlflow(token, 'POST', 'experiments/restore', { experiment_id: id });
    const restored = await mlflow(token, 'GET', 'experiments/get', { experiment_id: id });
    expect(restored.body.experiment.lifecycle_stage).toBe('active');
  });

  it('searches by name, tag and view type, paging by token', async () => {
    const org = await createTestOrg('mlflow-exp-search');
    const token = org.admin.token;
    const stem = `s${crypto.randomUUID().slice(0, 8)}`;
    const ids = [];
    for (let index = 0; index < 3; index++) ids.push(await experiment(token, `${stem}-${index}`));
    await mlflow(token, 'POST', 'experiments/delete', { experiment_id: ids[2] });

    const active = await mlflow(token, 'POST', 'experiments/search', {
      filter: `name LIKE '${stem}%' and tags.team = 'nlp'`,
      order_by: ['name DESC'],
      max_results: 1,
    });
    expect(active.status).toBe(200);
    expect(active.body.experiments.map((e: any) => e.name)).toEqual([`${stem}-1`]);
    const next = await mlflow(token, 'POST', 'experiments/search', {
      filter: `name LIKE '${stem}%'`,
      order_by: ['name DESC'],
      max_results: 1,
      page_token: active.body.next_page_token,
    });
    expect(next.body.experiments.map((e: any) => e.name)).toEqual([`${stem}-0`]);
    expect(next.body.next_page_token).toBeUndefined();

    const all = await mlflow(token, 'GET', 'experiments/search', {
      filter: `name LIKE '${stem}%'`,
      view_type: 'ALL',
    });
    expect(all.body.experiments).toHaveLength(3);
    // LIKE is case-sensitive in MLflow; ILIKE is not.
    const upper = stem.toUpperCase();
    const like = await mlflow(token, 'POST', 'experiments/search', {
      filter: `name LIKE '${upper}%'`,
    });
    expect(like.body.experiments).toBeUndefined();
    const ilike = await mlflow(token, 'POST', 'experiments/search', {
      filter: `name ILIKE '${upper}%'`,
    });
    expect(ilike.body.experiments).toHaveLength(2);
  });

  it('answers unknown, foreign and duplicate experiments as MLflow does', async () => {
    const org = await createTestOrg('mlflow-exp-bad');
    const other = await createTestOrg('mlflow-exp-other');
    const token = org.admin.token;
    const foreign = await experiment(other.admin.token);
    const missing = await mlflow(token, 'GET', 'experiments/get', { experiment_id: foreign });
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({
      error_code: 'RESOURCE_DOES_NOT_EXIST',
      message: `No Experiment with id=${foreign} exists`,
    });
    const name = `dup-${crypto.randomUUID()}`;
    await experiment(token, name);
    const duplicate = await mlflow(token, 'POST', 'experiments/create', { name });
    expect(duplicate.status).toBe(400);
    expect(duplicate.body.error_code).toBe('RESOURCE_ALREADY_EXISTS');
    const noName = await mlflow(token, 'POST', 'experiments/create', {});
    expect(noName.status).toBe(400);
    expect(noName.body.message).toContain("Missing value for required parameter 'name'");
    const badFilter = await mlflow(token, 'POST', 'experiments/search', {
      filter: "name = 'a' OR name = 'b'",
    });
    expect(badFilter.status).toBe(400);
    expect(badFilter.body.message).toContain('OR is not supported');
  });
});

describe('MLflow runs', () => {
  it('creates, logs a batch, gets, updates and searches with metric, param, tag and attribute filters', async () => {
    const org = await createTestOrg('mlflow-runs');
    const token = org.admin.token;
    const experimentId = await experiment(token);
    const runs = [];
    for (const [lr, rmse] of [
      ['0.01', 0.7],
      ['0.1', 0.9],
      ['0.001', 0.6],
    ] as const) {
      const id = await run(token, experimentId, { run_name: `lr-${lr}` });
      const logged = await mlflow(token, 'POST', 'runs/log-batch', {
        run_id: id,
        params: [{ key: 'lr', value: lr }],
        tags: [{ key: 'team', value: lr === '0.1' ? 'vision' : 'nlp' }],
        metrics: [
          { key: 'rmse', value: rmse + 0.5, timestamp: 1, step: 0 },
          { key: 'rmse', value: rmse, timestamp: 2, step: 1 },
        ],
      });
      expect(logged.status).toBe(200);
      // Token, run and its params read; then one batch: params, history, latest values, tags.
      expect(logged.statements).toBeLessThanOrEqual(7);
      runs.push(id);
    }
    await mlflow(token, 'POST', 'runs/update', {
      run_id: runs[0],
      status: 'FINISHED',
      end_time: 1_700_000_100_000,
    });

    const got = await mlflow(token, 'GET', 'runs/get', { run_id: runs[0] });
    expect(got.body.run.info).toMatchObject({
      run_id: runs[0],
      run_uuid: runs[0],
      run_name: 'lr-0.01',
      experiment_id: experimentId,
      status: 'FINISHED',
      start_time: 1_700_000_000_000,
      end_time: 1_700_000_100_000,
      lifecycle_stage: 'active',
    });
    expect(got.body.run.data.metrics).toEqual([{ key: 'rmse', value: 0.7, timestamp: 2, step: 1 }]);
    expect(got.body.run.data.params).toEqual([{ key: 'lr', value: '0.01' }]);

    const search = (filter: string, order_by: string[] = []) =>
      mlflow(token, 'POST', 'runs/search', { experiment_ids: [experimentId], filter, order_by });
    const byMetric = await search("metrics.rmse < 0.8 and params.lr != '0.1'", [
      'metrics.rmse ASC',
    ]);
    expect(byMetric.body.runs.map((r: any) => r.info.run_id)).toEqual([runs[2], runs[0]]);
    const byTag = await search("tags.team = 'vision'");
    expect(byTag.body.runs.map((r: any) => r.info.run_id)).toEqual([runs[1]]);
    const byStatus = await search("attributes.status = 'FINISHED'");
    expect(byStatus.body.runs.map((r: any) => r.info.run_id)).toEqual([runs[0]]);
    const byName = await search("attributes.run_name LIKE 'lr-0.0%'", ['params.lr DESC']);
    expect(byName.body.runs.map((r: any) => r.info.run_id)).toEqual([runs[0], runs[2]]);
    const quoted = await search('metrics.`rmse` >= 0.9');
    expect(quoted.body.runs.map((r: any) => r.info.run_id)).toEqual([runs[1]]);
    const byId = await search(`attributes.run_id IN ('${runs[1]}', '${runs[2]}')`, [
      'metrics.rmse DESC',
    ]);
    expect(byId.body.runs.map((r: any) => r.info.run_id)).toEqual([runs[1], runs[2]]);
  });

  it('keeps param values immutable, NaN and Infinity as MLflow keeps them, and pages metric history', async () => {
    const org = await createTestOrg('mlflow-values');
    const token = org.admin.token;
    const id = await run(token, await experiment(token));
    await mlflow(token, 'POST', 'runs/log-parameter', { run_id: id, key: 'lr', value: '0.1' });
    const same = await mlflow(token, 'POST', 'runs/log-parameter', {
      run_id: id,
      key: 'lr',
      value: '0.1',
    });
    expect(same.status).toBe(200);
    const changed = await mlflow(token, 'POST', 'runs/log-parameter', {
      run_id: id,
      key: 'lr',
      value: '0.2',
    });
    expect(changed.status).toBe(400);
    expect(changed.body.error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(changed.body.message).toContain('Changing param values is not allowed');

    await mlflow(token, 'POST', 'runs/log-metric', {
      run_id: id,
      key: 'nan',
      value: 'NaN',
      timestamp: 1,
    });
    await mlflow(token, 'POST', 'runs/log-metric', {
      run_id: id,
      key: 'inf',
      value: 'Infinity',
      timestamp: 1,
    });
    const points = Array.from({ length: 30 }, (_, step) => ({
      key: 'loss',
      value: 1 / (step + 1),
      timestamp: 10 + step,
      step,
    }));
    await mlflow(token, 'POST', 'runs/log-batch', { run_id: id, metrics: points });
    // The same point again is one row.
    await mlflow(token, 'POST', 'runs/log-batch', { run_id: id, metrics: points.slice(0, 5) });

    const got = await mlflow(token, 'GET', 'runs/get', { run_id: id });
    const latest = Object.fromEntries(got.body.run.data.metrics.map((m: any) => [m.key, m.value]));
    expect(latest).toEqual({ inf: 1.7976931348623157e308, loss: 1 / 30, nan: 'NaN' });

    const seen: number[] = [];
    let token_: string | undefined;
    do {
      const page = await mlflow(token, 'GET', 'metrics/get-history', {
        run_id: id,
        metric_key: 'loss',
        max_results: 7,
        ...(token_ ? { page_token: token_ } : {}),
      });
      expect(page.status).toBe(200);
      seen.push(...page.body.metrics.map((m: any) => m.step));
      token_ = page.body.next_page_token;
    } while (token_);
    expect(seen).toEqual(Array.from({ length: 30 }, (_, step) => step));
  });

  it('keeps one value when two calls log the same param concurrently', async () => {
    const org = await createTestOrg('mlflow-race');
    const token = org.admin.token;
    const id = await run(token, await experiment(token));
    const answers = await Promise.all(
      ['a', 'b', 'a', 'b'].map((value) =>
        mlflow(token, 'POST', 'runs/log-parameter', { run_id: id, key: 'seed', value }),
      ),
    );
    const stored = (await mlflow(token, 'GET', 'runs/get', { run_id: id })).body.run.data.params;
    expect(stored).toHaveLength(1);
    for (const answer of answers) {
      if (answer.status === 200) continue;
      expect(answer.status).toBe(400);
      expect(answer.body.error_code).toBe('INVALID_PARAMETER_VALUE');
    }
    expect(answers.filter((answer) => answer.status === 200).length).toBeGreaterThanOrEqual(1);
  });

  it('refuses bad batches whole, and answers deleted, foreign and unknown runs', async () => {
    const org = await createTestOrg('mlflow-bad');
    const other = await createTestOrg('mlflow-bad-other');
    const token = org.admin.token;
    const experimentId = await experiment(token);
    const id = await run(token, experimentId);
    const tooMany = await mlflow(token, 'POST', 'runs/log-batch', {
      run_id: id,
      params: Array.from({ length: 101 }, (_, i) => ({ key: `p${i}`, value: 'x' })),
    });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.message).toContain('at most 100 params');
    const badKey = await mlflow(token, 'POST', 'runs/log-batch', {
      run_id: id,
      params: [{ key: 'ok', value: '1' }],
      metrics: [{ key: 'bad key!', value: 1, timestamp: 1 }],
    });
    expect(badKey.status).toBe(400);
    expect(badKey.body.message).toContain("Invalid metric name: 'bad key!'");
    const longValue = await mlflow(token, 'POST', 'runs/log-parameter', {
      run_id: id,
      key: 'long',
      value: 'x'.repeat(6001),
    });
    expect(longValue.status).toBe(400);
    expect(longValue.body.message).toContain('exceeded length limit of 6000');
    const got = await mlflow(token, 'GET', 'runs/get', { run_id: id });
    expect(got.body.run.data).toEqual({
      tags: [{ key: 'mlflow.runName', value: got.body.run.info.run_name }],
    });

    const foreign = await mlflow(other.admin.token, 'GET', 'runs/get', { run_id: id });
    expect(foreign.status).toBe(404);
    expect(foreign.body.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
    const unknownFilter = await mlflow(token, 'POST', 'runs/search', {
      experiment_ids: [experimentId],
      filter: 'metrics.rmse LIKE 1',
    });
    expect(unknownFilter.status).toBe(400);
    const unknownAttribute = await mlflow(token, 'POST', 'runs/search', {
      experiment_ids: [experimentId],
      filter: "attributes.colour = 'red'",
    });
    expect(unknownAttribute.body.message).toContain("unknown attribute 'colour'");

    await mlflow(token, 'POST', 'runs/delete', { run_id: id });
    const afterDelete = await mlflow(token, 'POST', 'runs/set-tag', {
      run_id: id,
      key: 'k',
      value: 'v',
    });
    expect(afterDelete.status).toBe(400);
    expect(afterDelete.body.message).toContain("must be in the 'active' state");
    const hidden = await mlflow(token, 'POST', 'runs/search', { experiment_ids: [experimentId] });
    expect(hidden.body.runs).toBeUndefined();
    const deletedOnly = await mlflow(token, 'POST', 'runs/search', {
      experiment_ids: [experimentId],
      run_view_type: 'DELETED_ONLY',
    });
    expect(deletedOnly.body.runs).toHaveLength(1);
  });

  it('needs a token and an editing role, and answers unknown endpoints and methods', async () => {
    const org = await createTestOrg('mlflow-auth');
    const anonymous = await mlflow(null, 'POST', 'experiments/create', { name: 'x' });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error_code).toBe('UNAUTHENTICATED');
    const viewer = await mlflow(org.tokens.VIEWER, 'POST', 'experiments/create', { name: 'x' });
    expect(viewer.status).toBe(403);
    expect(viewer.body.error_code).toBe('PERMISSION_DENIED');
    const read = await mlflow(org.tokens.VIEWER, 'POST', 'experiments/search', {});
    expect(read.status).toBe(200);
    const unknown = await mlflow(org.admin.token, 'GET', 'runs/teleport');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error_code).toBe('ENDPOINT_NOT_FOUND');
    const method = await mlflow(org.admin.token, 'GET', 'runs/create');
    expect(method.status).toBe(405);
    const ajax = await mlflow(
      org.admin.token,
      'POST',
      'experiments/search',
      {},
      '/ajax-api/2.0/mlflow/',
    );
    expect(ajax.status).toBe(200);
  });
});

describe("MLflow's Default experiment (id 0)", () => {
  it('is made by the first run logged to it, once, and found as 0 afterwards', async () => {
    const org = await createTestOrg('mlflow-default');
    const before = await mlflow(org.tokens.VIEWER, 'GET', 'experiments/get', {
      experiment_id: '0',
    });
    expect(before).toMatchObject({ status: 404, body: { error_code: 'RESOURCE_DOES_NOT_EXIST' } });
    // A viewer's write makes nothing.
    const refused = await mlflow(org.tokens.VIEWER, 'POST', 'runs/create', { experiment_id: '0' });
    expect(refused.status).toBe(403);

    const runs = await Promise.all(
      [1, 2, 3].map(() => mlflow(org.tokens.EDITOR, 'POST', 'runs/create', { experiment_id: '0' })),
    );
    expect(runs.map((answer) => answer.status)).toEqual([200, 200, 200]);
    const ids = new Set(runs.map((answer) => answer.body.run.info.experiment_id));
    expect(ids.size).toBe(1);

    const got = await mlflow(org.tokens.VIEWER, 'GET', 'experiments/get', { experiment_id: '0' });
    expect(got.body.experiment).toMatchObject({ name: 'Default', experiment_id: [...ids][0] });
    const searched = await mlflow(org.tokens.VIEWER, 'POST', 'runs/search', {
      experiment_ids: ['0'],
    });
    expect(searched.body.runs).toHaveLength(3);

    // Another organization's 0 is its own.
    const other = await createTestOrg('mlflow-default-other');
    const theirs = await mlflow(other.tokens.VIEWER, 'GET', 'experiments/get', {
      experiment_id: '0',
    });
    expect(theirs.status).toBe(404);
  });
});

describe('metrics/get-history-bulk-interval', () => {
  it('samples each run’s steps evenly, first and last kept, and refuses bad input', async () => {
    const org = await createTestOrg('mlflow-bulk');
    const token = org.admin.token;
    const experimentId = await experiment(token);
    const runs = [await run(token, experimentId), await run(token, experimentId)];
    for (const [index, runId] of runs.entries()) {
      const steps = index === 0 ? 1000 : 5;
      await mlflow(token, 'POST', 'runs/log-batch', {
        run_id: runId,
        metrics: Array.from({ length: steps }, (_, step) => ({
          key: 'loss',
          value: step,
          timestamp: 1_700_000_000_000 + step,
          step,
        })),
      });
    }
    const sampled = await mlflow(token, 'GET', 'metrics/get-history-bulk-interval', {
      run_ids: runs,
      metric_key: 'loss',
      max_results: 10,
    });
    expect(sampled.status).toBe(200);
    const stepsOf = (runId: string) =>
      sampled.body.metrics.filter((m: any) => m.run_id === runId).map((m: any) => m.step);
    expect(stepsOf(runs[0] as string)).toEqual([0, 111, 222, 333, 444, 555, 666, 777, 888, 999]);
    expect(stepsOf(runs[1] as string)).toEqual([0, 1, 2, 3, 4]);
    expect(sampled.body.metrics[0]).toEqual({
      key: 'loss',
      value: 0,
      timestamp: 1_700_000_000_000,
      step: 0,
      run_id: runs[0],
    });

    const window = await mlflow(token, 'GET', 'metrics/get-history-bulk-interval', {
      run_ids: [runs[0]],
      metric_key: 'loss',
      start_step: 100,
      end_step: 200,
      max_results: 3,
    });
    expect(window.body.metrics.map((m: any) => m.step)).toEqual([100, 150, 200]);

    const other = await createTestOrg('mlflow-bulk-other');
    const foreign = await mlflow(other.admin.token, 'GET', 'metrics/get-history-bulk-interval', {
      run_ids: [runs[0]],
      metric_key: 'loss',
    });
    expect(foreign.status).toBe(404);
    for (const fields of [
      { run_ids: Array.from({ length: 101 }, () => runs[0]), metric_key: 'loss' },
      { run_ids: [runs[0]], metric_key: 'loss', max_results: 2501 },
      { run_ids: [runs[0]], metric_key: 'loss', start_step: 5, end_step: 1 },
      { run_ids: [runs[0]] },
    ]) {
      const refused = await mlflow(token, 'GET', 'metrics/get-history-bulk-interval', fields);
      expect(refused.status, JSON.stringify(fields)).toBe(400);
      expect(refused.body.error_code).toBe('INVALID_PARAMETER_VALUE');
    }
  });
});

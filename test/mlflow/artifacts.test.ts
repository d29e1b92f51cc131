// MLflow's artifact proxy and artifacts/list: a run's files in R2 under its organization and run,
// uploaded, listed, downloaded and deleted as MLflow's clients do; bad paths and other
// organizations refused.
import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { createTestOrg, type TestOrg } from '../helpers/graphql.ts';
import { mlflow } from './mlflow-client.ts';

const PROXY = 'http://registry.test/api/2.0/mlflow-artifacts/artifacts';

async function newRun(org: TestOrg) {
  const experiment = await mlflow(org.tokens.EDITOR, 'POST', 'experiments/create', {
    name: `art-${crypto.randomUUID()}`,
  });
  const run = await mlflow(org.tokens.EDITOR, 'POST', 'runs/create', {
    experiment_id: experiment.body.experiment_id,
  });
  return {
    experimentId: experiment.body.experiment_id as string,
    runId: run.body.run.info.run_id as string,
    artifactUri: run.body.run.info.artifact_uri as string,
  };
}

function proxy(token: string, method: string, path: string, body?: BodyInit) {
  return SELF.fetch(`${PROXY}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}` },
    body,
  });
}

describe('MLflow artifacts', () => {
  it('uploads, lists, downloads and deletes a run’s files', async () => {
    const org = await createTestOrg('mlflow-artifacts');
    const { experimentId, runId, artifactUri } = await newRun(org);
    expect(artifactUri).toBe(`mlflow-artifacts:/${experimentId}/${runId}/artifacts`);
    const base = `/${experimentId}/${runId}/artifacts`;
    const weights = new Uint8Array(70_000).map((_, i) => i % 251);
    for (const [path, body] of [
      ['/model/MLmodel', 'flavors:\n  python_function: {}\n'],
      ['/model/model.bin', weights],
      ['/plots/loss.png', 'png'],
      ['/notes.txt', 'hello'],
    ] as const) {
      const put = await proxy(org.tokens.EDITOR, 'PUT', `${base}${path}`, body);
      expect(put.status, path).toBe(200);
    }

    const root = await SELF.fetch(
      `${PROXY}?path=${encodeURIComponent(`${experimentId}/${runId}/artifacts`)}`,
      {
        headers: { authorization: `Bearer ${org.tokens.VIEWER}` },
      },
    );
    expect(await root.json()).toEqual({
      files: [
        { path: 'model', is_dir: true },
        { path: 'notes.txt', is_dir: false, file_size: 5 },
        { path: 'plots', is_dir: true },
      ],
    });
    const listed = await mlflow(org.tokens.VIEWER, 'GET', 'artifacts/list', {
      run_id: runId,
      path: 'model',
    });
    expect(listed.body).toEqual({
      root_uri: artifactUri,
      files: [
        { path: 'model/MLmodel', is_dir: false, file_size: 31 },
        { path: 'model/model.bin', is_dir: false, file_size: 70_000 },
      ],
    });

    const download = await proxy(org.tokens.VIEWER, 'GET', `${base}/model/model.bin`);
    expect(download.status).toBe(200);
    expect(new Uint8Array(await download.arrayBuffer())).toEqual(weights);

    expect((await proxy(org.tokens.EDITOR, 'DELETE', `${base}/notes.txt`)).status).toBe(200);
    const gone = await proxy(org.tokens.VIEWER, 'GET', `${base}/notes.txt`);
    expect(gone.status).toBe(404);
    expect(((await gone.json()) as any).error_code).toBe('RESOURCE_DOES_NOT_EXIST');
  });

  it('refuses bad paths, other organizations, viewers and deleted runs, storing nothing', async () => {
    const org = await createTestOrg('mlflow-artifacts-bad');
    const other = await createTestOrg('mlflow-artifacts-other');
    const { experimentId, runId } = await newRun(org);
    const base = `/${experimentId}/${runId}/artifacts`;
    // Encoded, so that no URL parser normalises them away before the Worker sees them.
    for (const path of [`${base}/a%2F..%2Fescape`, `${base}/a%2F%2Fdouble`, `${base}/a%2F.%2Fx`, `${base}/a%5Cb`]) {
      const refused = await proxy(org.tokens.EDITOR, 'PUT', path, 'x');
      expect(refused.status, path).toBe(400);
      expect(((await refused.json()) as any).error_code).toBe('INVALID_PARAMETER_VALUE');
    }
    const wrongExperiment = await proxy(
      org.tokens.EDITOR,
      'PUT',
      `/nope/${runId}/artifacts/f`,
      'x',
    );
    expect(wrongExperiment.status).toBe(404);
    const notArtifacts = await proxy(
      org.tokens.EDITOR,
      'PUT',
      `/${experimentId}/${runId}/other/f`,
      'x',
    );
    expect(notArtifacts.status).toBe(404);
    const foreign = await proxy(other.tokens.EDITOR, 'PUT', `${base}/f`, 'x');
    expect(foreign.status).toBe(404);
    const foreignList = await mlflow(other.tokens.VIEWER, 'GET', 'artifacts/list', {
      run_id: runId,
    });
    expect(foreignList.status).toBe(404);
    const viewer = await proxy(org.tokens.VIEWER, 'PUT', `${base}/f`, 'x');
    expect(viewer.status).toBe(403);
    const anonymous = await SELF.fetch(`${PROXY}${base}/f`, { method: 'PUT', body: 'x' });
    expect(anonymous.status).toBe(401);
    const streamed = await proxy(
      org.tokens.EDITOR,
      'PUT',
      `${base}/streamed`,
      new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('no length'));
          controller.close();
        },
      }),
    );
    expect(streamed.status).toBe(400);

    await mlflow(org.tokens.EDITOR, 'POST', 'runs/delete', { run_id: runId });
    const deleted = await proxy(org.tokens.EDITOR, 'PUT', `${base}/late`, 'x');
    expect(deleted.status).toBe(400);

    const listed = await mlflow(org.tokens.VIEWER, 'GET', 'artifacts/list', { run_id: runId });
    expect(listed.body.files).toBeUndefined();
  });
});

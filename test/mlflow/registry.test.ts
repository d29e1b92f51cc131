// MLflow's model registry endpoints over our models: registered models are Models, versions are
// ours numbered 1, 2, 3..., aliases ours, stages aliases and statuses, the promotion gate applies.
import { describe, expect, it } from 'vitest';
import { allowPromotionWithoutApproval } from '../governance/governance-fixtures.ts';
import { fieldOf, globalId, rowCounts, seedDeployment } from '../helpers/fixtures.ts';
import { createTestOrg, gql, type TestOrg } from '../helpers/graphql.ts';
import { mlflow } from './mlflow-client.ts';

async function registered(org: TestOrg, name = `triage-${crypto.randomUUID().slice(0, 8)}`) {
  const created = await mlflow(org.tokens.EDITOR, 'POST', 'registered-models/create', {
    name,
    description: 'Ticket triage',
    tags: [{ key: 'team', value: 'nlp' }],
  });
  expect(created.status, JSON.stringify(created.body)).toBe(200);
  return name;
}

async function version(org: TestOrg, name: string, fields: Record<string, unknown> = {}) {
  const created = await mlflow(org.tokens.EDITOR, 'POST', 'model-versions/create', {
    name,
    source: 'mlflow-artifacts:/0/abc/artifacts/model',
    ...fields,
  });
  expect(created.status, JSON.stringify(created.body)).toBe(200);
  return created.body.model_version;
}

const transition = (org: TestOrg, name: string, v: string, stage: string, archive = false) =>
  mlflow(org.tokens.EDITOR, 'POST', 'model-versions/transition-stage', {
    name,
    version: v,
    stage,
    archive_existing_versions: archive,
  });

describe('MLflow model registry', () => {
  it('creates, tags, describes, renames, searches and deletes registered models and versions', async () => {
    const org = await createTestOrg('mlflow-registry');
    const name = await registered(org);

    // The registered model is one of our models.
    const model = await gql(
      org.tokens.VIEWER,
      'query ($n: String!) { model(name: $n) { name description } }',
      {
        n: name,
      },
    );
    expect(fieldOf(model, 'model')).toEqual({ name, description: 'Ticket triage' });

    const experiment = await mlflow(org.tokens.EDITOR, 'POST', 'experiments/create', {
      name: `exp-${crypto.randomUUID()}`,
    });
    const run = await mlflow(org.tokens.EDITOR, 'POST', 'runs/create', {
      experiment_id: experiment.body.experiment_id,
    });
    const runId = run.body.run.info.run_id as string;
    const v1 = await version(org, name, { run_id: runId, tags: [{ key: 'stage', value: 'qa' }] });
    expect(v1).toMatchObject({
      name,
      version: '1',
      current_stage: 'None',
      status: 'READY',
      run_id: runId,
      source: 'mlflow-artifacts:/0/abc/artifacts/model',
      tags: [{ key: 'stage', value: 'qa' }],
    });
    const v2 = await version(org, name);
    expect(v2.version).toBe('2');

    // The version made from the run DERIVED_FROM it, in our graph.
    const fromRun = `query ($id: ID!) { node(id: $id) { ... on Run { modelVersions { edges { node { version } } } } } }`;
    expect(
      fieldOf(await gql(org.tokens.VIEWER, fromRun, { id: globalId('Run', runId) }), 'node')
        .modelVersions.edges,
    ).toEqual([{ node: { version: '1' } }]);

    await mlflow(org.tokens.EDITOR, 'POST', 'registered-models/set-tag', {
      name,
      key: 'owner',
      value: 'ana',
    });
    await mlflow(org.tokens.EDITOR, 'POST', 'model-versions/set-tag', {
      name,
      version: '2',
      key: 'validated',
      value: 'yes',
    });
    await mlflow(org.tokens.EDITOR, 'DELETE', 'model-versions/delete-tag', {
      name,
      version: '1',
      key: 'stage',
    });
    const missingTag = await mlflow(org.tokens.EDITOR, 'DELETE', 'registered-models/delete-tag', {
      name,
      key: 'nope',
    });
    expect(missingTag).toMatchObject({
      status: 404,
      body: { error_code: 'RESOURCE_DOES_NOT_EXIST' },
    });
    await mlflow(org.tokens.EDITOR, 'POST', 'registered-models/alias', {
      name,
      alias: 'champion',
      version: '2',
    });
    await mlflow(org.tokens.EDITOR, 'PATCH', 'model-versions/update', {
      name,
      version: '1',
      description: 'first cut',
    });

    const got = await mlflow(org.tokens.VIEWER, 'GET', 'registered-models/get', { name });
    expect(got.body.registered_model).toMatchObject({
      name,
      description: 'Ticket triage',
      tags: [
        { key: 'owner', value: 'ana' },
        { key: 'team', value: 'nlp' },
      ],
      aliases: [{ alias: 'champion', version: '2' }],
      latest_versions: [expect.objectContaining({ version: '2', current_stage: 'None' })],
    });
    const byAlias = await mlflow(org.tokens.VIEWER, 'GET', 'registered-models/alias', {
      name,
      alias: 'champion',
    });
    expect(byAlias.body.model_version).toMatchObject({
      version: '2',
      aliases: ['champion'],
      tags: [{ key: 'validated', value: 'yes' }],
    });
    const first = await mlflow(org.tokens.VIEWER, 'GET', 'model-versions/get', {
      name,
      version: '1',
    });
    expect(first.body.model_version).toMatchObject({ description: 'first cut' });
    expect(first.body.model_version.tags).toBeUndefined();
    const uri = await mlflow(org.tokens.VIEWER, 'GET', 'model-versions/get-download-uri', {
      name,
      version: '1',
    });
    expect(uri.body).toEqual({ artifact_uri: 'mlflow-artifacts:/0/abc/artifacts/model' });

    const found = await mlflow(org.tokens.VIEWER, 'GET', 'registered-models/search', {
      filter: `name LIKE '${name.slice(0, 10)}%' and tags.team = 'nlp'`,
    });
    expect(found.body.registered_models.map((m: any) => m.name)).toEqual([name]);
    const byRun = await mlflow(org.tokens.VIEWER, 'GET', 'model-versions/search', {
      filter: `run_id = '${runId}'`,
    });
    expect(byRun.body.model_versions.map((v: any) => v.version)).toEqual(['1']);
    const paged = await mlflow(org.tokens.VIEWER, 'GET', 'model-versions/search', {
      filter: `name = '${name}'`,
      order_by: 'version_number DESC',
      max_results: 1,
    });
    expect(paged.body.model_versions.map((v: any) => v.version)).toEqual(['2']);
    const rest = await mlflow(org.tokens.VIEWER, 'GET', 'model-versions/search', {
      filter: `name = '${name}'`,
      order_by: 'version_number DESC',
      max_results: 1,
      page_token: paged.body.next_page_token,
    });
    expect(rest.body.model_versions.map((v: any) => v.version)).toEqual(['1']);
    expect(rest.body.next_page_token).toBeUndefined();

    // Deleted version numbers are never reused.
    await mlflow(org.tokens.EDITOR, 'DELETE', 'model-versions/delete', { name, version: '2' });
    expect((await version(org, name)).version).toBe('3');

    const renamed = await mlflow(org.tokens.EDITOR, 'POST', 'registered-models/rename', {
      name,
      new_name: `${name}-v2`,
    });
    expect(renamed.body.registered_model.name).toBe(`${name}-v2`);
    const old = await mlflow(org.tokens.VIEWER, 'GET', 'registered-models/get', { name });
    expect(old).toMatchObject({ status: 404, body: { error_code: 'RESOURCE_DOES_NOT_EXIST' } });
    await mlflow(org.tokens.EDITOR, 'DELETE', 'registered-models/delete', { name: `${name}-v2` });
    const gone = await mlflow(org.tokens.VIEWER, 'GET', 'registered-models/get', {
      name: `${name}-v2`,
    });
    expect(gone.status).toBe(404);
  });

  it('maps stages onto aliases and statuses, through the promotion gate', async () => {
    const org = await createTestOrg('mlflow-stages');
    const name = await registered(org);
    for (let index = 0; index < 3; index++) await version(org, name);

    // The default policy wants an approved request before production: refused, nothing moved.
    const gated = await transition(org, name, '2', 'Production');
    expect(gated).toMatchObject({ status: 400, body: { error_code: 'INVALID_STATE' } });
    const gatedAlias = await mlflow(org.tokens.EDITOR, 'POST', 'registered-models/alias', {
      name,
      alias: 'production',
      version: '2',
    });
    expect(gatedAlias.body.error_code).toBe('INVALID_STATE');

    await allowPromotionWithoutApproval(org);
    expect((await transition(org, name, '1', 'staging')).body.model_version.current_stage).toBe(
      'Staging',
    );
    expect((await transition(org, name, '2', 'Production')).body.model_version).toMatchObject({
      current_stage: 'Production',
      aliases: ['production'],
    });
    // Version 3 to production, archiving the version that held it.
    const moved = await transition(org, name, '3', 'Production', true);
    expect(moved.body.model_version.current_stage).toBe('Production');
    const two = await mlflow(org.tokens.VIEWER, 'GET', 'model-versions/get', {
      name,
      version: '2',
    });
    expect(two.body.model_version.current_stage).toBe('Archived');
    const ours = `query ($n: String!) { model(name: $n) { aliases { name version { version } } } }`;
    expect(fieldOf(await gql(org.tokens.VIEWER, ours, { n: name }), 'model').aliases).toEqual(
      expect.arrayContaining([
        { name: 'production', version: { version: '3' } },
        { name: 'staging', version: { version: '1' } },
      ]),
    );

    const latest = await mlflow(
      org.tokens.VIEWER,
      'POST',
      'registered-models/get-latest-versions',
      {
        name,
        stages: ['Production', 'Staging'],
      },
    );
    expect(latest.body.model_versions.map((v: any) => [v.version, v.current_stage])).toEqual([
      ['3', 'Production'],
      ['1', 'Staging'],
    ]);

    // A production version cannot be deleted; archiving it through MLflow takes it out of
    // production first (audited as such), as MLflow's stages do.
    const remove = await mlflow(org.tokens.EDITOR, 'DELETE', 'model-versions/delete', {
      name,
      version: '3',
    });
    expect(remove).toMatchObject({ status: 400, body: { error_code: 'INVALID_STATE' } });
    const archive = await transition(org, name, '3', 'Archived');
    expect(archive.body.model_version).toMatchObject({ current_stage: 'Archived' });
    expect(archive.body.model_version.aliases).toBeUndefined();

    // Back to None: out of staging; an archived one is restored.
    expect((await transition(org, name, '1', 'None')).body.model_version.current_stage).toBe(
      'None',
    );
    expect((await transition(org, name, '2', 'None')).body.model_version.current_stage).toBe(
      'None',
    );

    // A deployed version is not archived: refused before it leaves production.
    const v4 = await version(org, name);
    const rowOf = await gql(
      org.tokens.VIEWER,
      'query ($n: String!) { model(name: $n) { id versions(first: 10) { edges { node { id version } } } } }',
      { n: name },
    );
    const v4Id = fieldOf(rowOf, 'model').versions.edges.find(
      (e: any) => e.node.version === v4.version,
    ).node.id;
    await seedDeployment(org, `serving-${name}`, [
      { versionId: atob(v4Id).split(':')[1] as string },
    ]);
    await transition(org, name, v4.version, 'Production');
    const deployed = await transition(org, name, v4.version, 'Archived');
    expect(deployed).toMatchObject({ status: 400, body: { error_code: 'INVALID_STATE' } });
    const still = await mlflow(org.tokens.VIEWER, 'GET', 'model-versions/get', {
      name,
      version: v4.version,
    });
    expect(still.body.model_version.current_stage).toBe('Production');

    const bad = await transition(org, name, '1', 'Canary');
    expect(bad).toMatchObject({ status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE' } });
    expect(bad.body.message).toContain('None, Staging, Production, Archived');
  });

  it('answers bad input and other organizations as MLflow does, writing nothing', async () => {
    const org = await createTestOrg('mlflow-registry-bad');
    const other = await createTestOrg('mlflow-registry-other');
    const name = await registered(org);
    await version(org, name);
    const taken = await registered(org);
    const before = await rowCounts(org.orgId);

    const duplicate = await mlflow(org.tokens.EDITOR, 'POST', 'registered-models/create', { name });
    expect(duplicate).toMatchObject({
      status: 400,
      body: { error_code: 'RESOURCE_ALREADY_EXISTS' },
    });
    // A taken name on rename is the same error (the service's AlreadyExistsError, whatever path).
    const renamed = await mlflow(org.tokens.EDITOR, 'POST', 'registered-models/rename', {
      name: taken,
      new_name: name,
    });
    expect(renamed).toMatchObject({ status: 400, body: { error_code: 'RESOURCE_ALREADY_EXISTS' } });
    const missing = await mlflow(org.tokens.EDITOR, 'POST', 'registered-models/create', {});
    expect(missing.body.error_code).toBe('INVALID_PARAMETER_VALUE');
    const badTag = await mlflow(org.tokens.EDITOR, 'POST', 'registered-models/create', {
      name: 'tagged',
      tags: [{ key: '../x', value: 'v' }],
    });
    expect(badTag.body.error_code).toBe('INVALID_PARAMETER_VALUE');
    const unknownRun = await mlflow(org.tokens.EDITOR, 'POST', 'model-versions/create', {
      name,
      run_id: 'f'.repeat(32),
    });
    expect(unknownRun.status).toBe(404);
    const badAlias = await mlflow(org.tokens.EDITOR, 'POST', 'registered-models/alias', {
      name,
      alias: 'Has Spaces',
      version: '1',
    });
    expect(badAlias.body.error_code).toBe('INVALID_PARAMETER_VALUE');
    const noVersion = await mlflow(org.tokens.VIEWER, 'GET', 'model-versions/get', {
      name,
      version: '9',
    });
    expect(noVersion.status).toBe(404);
    const badFilter = await mlflow(org.tokens.VIEWER, 'GET', 'registered-models/search', {
      filter: "name = 'a' or name = 'b'",
    });
    expect(badFilter.body.error_code).toBe('INVALID_PARAMETER_VALUE');
    const viewer = await mlflow(org.tokens.VIEWER, 'POST', 'model-versions/create', { name });
    expect(viewer).toMatchObject({ status: 403, body: { error_code: 'PERMISSION_DENIED' } });

    // Another organization's model names are unknown there.
    for (const [method, endpoint, fields] of [
      ['GET', 'registered-models/get', { name }],
      ['POST', 'model-versions/create', { name }],
      ['GET', 'model-versions/get', { name, version: '1' }],
      ['DELETE', 'registered-models/delete', { name }],
    ] as const) {
      const answer = await mlflow(other.tokens.EDITOR, method, endpoint, fields);
      expect(answer.status, endpoint).toBe(404);
    }
    expect(await rowCounts(org.orgId)).toEqual(before);
  });

  it('numbers concurrent creates without gaps or duplicates', async () => {
    const org = await createTestOrg('mlflow-registry-race');
    const name = await registered(org);
    const created = await Promise.all(
      Array.from({ length: 5 }, () =>
        mlflow(org.tokens.EDITOR, 'POST', 'model-versions/create', { name }),
      ),
    );
    expect(created.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200]);
    expect(created.map((answer) => answer.body.model_version.version).sort()).toEqual([
      '1',
      '2',
      '3',
      '4',
      '5',
    ]);
  });

  it('shows versions created through GraphQL with their own version strings', async () => {
    const org = await createTestOrg('mlflow-registry-graphql');
    await allowPromotionWithoutApproval(org);
    const register = `mutation { modelRegister(input: { name: "summarizer" }) { ... on ModelRegisterPayload { model { id } } } }`;
    const modelId = fieldOf(await gql(org.tokens.EDITOR, register), 'modelRegister').model.id;
    const create = `mutation ($m: ID!) { modelVersionCreate(input: { modelId: $m, version: "1.2.0" }) { __typename } }`;
    await gql(org.tokens.EDITOR, create, { m: modelId });
    const got = await mlflow(org.tokens.VIEWER, 'GET', 'model-versions/get', {
      name: 'summarizer',
      version: '1.2.0',
    });
    expect(got.body.model_version).toMatchObject({ version: '1.2.0', current_stage: 'None' });
    // The next MLflow version is numbered from 1: semantic versions are not numbers.
    expect((await version(org, 'summarizer')).version).toBe('1');
  });
});

// impact past the edge-row budget (issue 20, section 5): the walk is read a breadth-first segment at
// a time inside the request, so the report is the whole one (every version, model, deployment and
// owner the unbudgeted walk finds, at the same depths, with a shortest path to each deployment),
// whatever the budget; only a walk needing more than MAX_SEGMENTS_PER_REQUEST segments says it is
// truncated. The stored walk the segments used does not outlive the request.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { createDeployment } from '../../src/registry/deployment/deployment.service.ts';
import { analyzeImpact, type ImpactReport } from '../../src/registry/impact/impact.service.ts';
import type { NodeRef } from '../../src/registry/lineage/traversal.service.ts';
import { MAX_SEGMENTS_PER_REQUEST } from '../../src/registry/lineage/walk-segments.service.ts';
import {
  globalId,
  seedDataset,
  seedModel,
  seedVersion,
  serviceDeps,
  viewerOf,
} from '../helpers/fixtures.ts';
import { createTestOrg, type TestOrg } from '../helpers/graphql.ts';
import { fetchWorker, graphqlBody, graphqlRequest } from '../http/worker-client.ts';

/**
 * A dataset that trains versions 0-2; each later version derives from 1-3 earlier ones (seeded
 * pseudo-random), across 4 models; every fourth version is deployed, production and staging by
 * turns. About 80 edges downstream of the dataset, at depths up to ~8.
 */
async function givenDagOfVersions(org: TestOrg, size = 36, seed = 11) {
  let state = seed;
  const random = () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
  const dataset = await seedDataset(org, 'source');
  const models = [];
  for (let index = 0; index < 4; index++) models.push(await seedModel(org, `model-${index}`));
  const versions: string[] = [];
  for (let index = 0; index < size; index++) {
    const parents = new Set<string>();
    if (index >= 3) {
      const count = 1 + Math.floor(random() * 3);
      for (let k = 0; k < count; k++) {
        parents.add(versions[Math.floor(random() * index)] as string);
      }
    }
    const version = await seedVersion(
      org,
      (models[index % 4] as { id: string }).id,
      `1.0.${index}`,
      index < 3 ? { trainedOn: [{ datasetId: dataset.id }] } : { derivedFrom: [...parents].sort() },
    );
    versions.push(version.id);
  }
  for (let index = 3; index < size; index += 4) {
    await createDeployment(serviceDeps(), viewerOf(org), {
      name: `serve-${index}`,
      environment: index % 8 === 3 ? 'production' : 'staging',
      modelVersions: [{ versionId: versions[index] as string }],
    });
  }
  return { dataset, models, versions };
}

/** The report as comparable data; every path checked to be a chain from the root of its length. */
function reportOf(report: ImpactReport, root: NodeRef) {
  for (const deployment of report.affectedDeployments) {
    expect(deployment.path).toHaveLength(deployment.depth);
    expect(deployment.path[0]?.from.id).toBe(root.id);
    deployment.path.forEach((edge, index) => {
      expect(edge.depth).toBe(index + 1);
      if (index > 0) expect(edge.from.id).toBe(deployment.path[index - 1]?.to.id);
    });
    expect(deployment.path.at(-1)?.to.id).toBe(deployment.deploymentId);
  }
  return {
    nodes: report.walk.nodes.map((node) => `${node.id}@${node.depth}`),
    versions: report.affectedVersionIds,
    versionRows: report.affectedVersions.map((version) => version.id),
    models: report.affectedModelIds,
    deployments: report.affectedDeployments.map(
      (deployment) => `${deployment.environment}:${deployment.deploymentId}@${deployment.depth}`,
    ),
    owners: report.ownerIds,
    depthReached: report.walk.depthReached,
    isTruncated: report.walk.isTruncated,
  };
}

async function storedWalksOf(orgId: string) {
  const row = await env.DB.prepare('SELECT count(*) AS n FROM lineage_walk WHERE org_id = ?')
    .bind(orgId)
    .first<{ n: number }>();
  return row?.n;
}

describe('impact past the edge-row budget', () => {
  it('answers the whole report for budgets 1 to 7, as without a budget', async () => {
    // given a DAG of versions and deployments downstream of a dataset
    const org = await createTestOrg('impact-segments');
    const { dataset } = await givenDagOfVersions(org);
    const root: NodeRef = { kind: 'Dataset', id: dataset.id };
    const whole = await analyzeImpact(serviceDeps(), viewerOf(org, 'VIEWER'), { root });
    const expected = reportOf(whole, root);
    expect(expected.isTruncated).toBe(false);
    expect(expected.versions).toHaveLength(36);
    expect(expected.deployments).toHaveLength(9);
    expect(expected.depthReached).toBeGreaterThan(3);

    for (const edgeRowBudget of [1, 2, 3, 4, 5, 6, 7]) {
      // when
      const report = await analyzeImpact(serviceDeps(), viewerOf(org, 'VIEWER'), {
        root,
        edgeRowBudget,
      });

      // then the same report, and no stored walk left behind
      expect(reportOf(report, root), `budget ${edgeRowBudget}`).toEqual(expected);
      expect(report.walk.edges.length, 'no edge rows kept').toBe(0);
      expect(await storedWalksOf(org.orgId)).toBe(0);
    }
  });

  it('keeps maxDepth across segments', async () => {
    // given
    const org = await createTestOrg('impact-segments-depth');
    const { dataset } = await givenDagOfVersions(org);
    const root: NodeRef = { kind: 'Dataset', id: dataset.id };
    const whole = await analyzeImpact(serviceDeps(), viewerOf(org, 'VIEWER'), {
      root,
      maxDepth: 3,
    });

    // when
    const report = await analyzeImpact(serviceDeps(), viewerOf(org, 'VIEWER'), {
      root,
      maxDepth: 3,
      edgeRowBudget: 4,
    });

    // then
    const expected = reportOf(whole, root);
    expect(expected.isTruncated).toBe(true);
    expect(expected.depthReached).toBe(3);
    expect(reportOf(report, root)).toEqual(expected);
  });

  it('says it is truncated when the walk needs more segments than one request may read', async () => {
    // given a version and a chain of raw DERIVED_FROM edges from it, longer than the segments one
    // request may walk
    const org = await createTestOrg('impact-segments-cap');
    const model = await seedModel(org, 'chain');
    const start = await seedVersion(org, model.id, '1.0.0');
    const prefix = crypto.randomUUID().slice(0, 8);
    const node = (index: number) => (index === 0 ? start.id : `${prefix}-v${index}`);
    const hops = MAX_SEGMENTS_PER_REQUEST + 20;
    const now = new Date().toISOString();
    await env.DB.batch(
      Array.from({ length: hops }, (_, index) =>
        env.DB.prepare(
          `INSERT INTO edge (id, org_id, type, src_id, src_kind, dst_id, dst_kind, created_at)
           VALUES (?, ?, 'DERIVED_FROM', ?, 'ModelVersion', ?, 'ModelVersion', ?)`,
        ).bind(`${prefix}-e${index}`, org.orgId, node(index + 1), node(index), now),
      ),
    );
    const root: NodeRef = { kind: 'ModelVersion', id: start.id };

    // when one edge row per segment, and the default budget
    const capped = await analyzeImpact(serviceDeps(), viewerOf(org, 'VIEWER'), {
      root,
      edgeRowBudget: 1,
    });
    const whole = await analyzeImpact(serviceDeps(), viewerOf(org, 'VIEWER'), { root });

    // then the capped walk stops at the cap and says so; the whole one reaches every hop
    expect(capped).toMatchObject({ walk: { isTruncated: true } });
    expect(capped.affectedVersionIds).toHaveLength(MAX_SEGMENTS_PER_REQUEST);
    expect(whole).toMatchObject({ walk: { isTruncated: false, depthReached: hops } });
    expect(await storedWalksOf(org.orgId)).toBe(0);
  });

  it('answers the whole report through GraphQL and REST with a small budget', async () => {
    // given the DAG, a small budget for the Worker, and the report without one
    const org = await createTestOrg('impact-segments-api');
    const { dataset, models } = await givenDagOfVersions(org);
    const root: NodeRef = { kind: 'Dataset', id: dataset.id };
    const whole = await analyzeImpact(serviceDeps(), viewerOf(org, 'VIEWER'), { root });
    const model = (models[0] as { id: string }).id;
    const wholeOfModel = await analyzeImpact(serviceDeps(), viewerOf(org, 'VIEWER'), {
      root: { kind: 'Model', id: model },
    });
    const vars = { LINEAGE_EDGE_ROW_BUDGET: '5' };
    const query = /* GraphQL */ `
      query ImpactSegments($of: ID!) {
        impact(of: $of) {
          affectedModelVersions { id }
          affectedDeployments { deployment { id } depth path { depth } }
          owners { id }
          depthReached
          isTruncated
        }
      }
    `;

    // when
    const body = await graphqlBody(
      await fetchWorker(
        graphqlRequest(org.tokens.VIEWER, {
          query,
          variables: { of: globalId('Dataset', dataset.id) },
        }),
        vars,
      ),
    );
    const rest = await fetchWorker(
      new Request(
        `http://registry.test/api/lineage/${encodeURIComponent(globalId('Model', model))}/impact`,
        {
          headers: { authorization: `Bearer ${org.tokens.VIEWER}` },
        },
      ),
      vars,
    );

    // then
    expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
    const impact = body.data?.impact as {
      affectedModelVersions: { id: string }[];
      affectedDeployments: { deployment: { id: string }; depth: number; path: unknown[] }[];
      isTruncated: boolean;
      depthReached: number;
    };
    expect(impact.isTruncated).toBe(false);
    expect(impact.depthReached).toBe(whole.walk.depthReached);
    expect(impact.affectedModelVersions.map((version) => version.id)).toEqual(
      whole.affectedVersionIds.map((id) => globalId('ModelVersion', id)),
    );
    expect(
      impact.affectedDeployments.map((entry) => [
        entry.deployment.id,
        entry.depth,
        entry.path.length,
      ]),
    ).toEqual(
      whole.affectedDeployments.map((entry) => [
        globalId('Deployment', entry.deploymentId),
        entry.depth,
        entry.depth,
      ]),
    );
    expect(rest.status).toBe(200);
    const restBody = (await rest.json()) as {
      is_truncated: boolean;
      affected_version_ids: string[];
      affected_deployments: { deployment_id: string; depth: number; path: unknown[] }[];
    };
    expect(restBody.is_truncated).toBe(false);
    expect(restBody.affected_version_ids).toEqual(
      wholeOfModel.affectedVersionIds.map((id) => globalId('ModelVersion', id)),
    );
    expect(restBody.affected_version_ids.length).toBeGreaterThan(20);
    expect(
      restBody.affected_deployments.map((entry) => [entry.deployment_id, entry.path.length]),
    ).toEqual(
      wholeOfModel.affectedDeployments.map((entry) => [
        globalId('Deployment', entry.deploymentId),
        entry.depth,
      ]),
    );
    expect(await storedWalksOf(org.orgId)).toBe(0);
  });
});

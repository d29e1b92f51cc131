// Hand-built lineage graphs for the lineage tests. Every node gets a short test name ("d", "v1",
// "prod"), so that expected node and edge sets read as the picture they describe:
// "v2 DERIVED_FROM v1 @1" is the stored edge v2 -DERIVED_FROM-> v1, first reached at depth 1.
import { env } from 'cloudflare:test';
import { decodeGlobalID, encodeGlobalID } from '@pothos/plugin-relay';
import { expect } from 'vitest';
import type { Role, Viewer } from '../../src/auth/viewer.ts';
import { runBatch } from '../../src/db/batch.ts';
import { registerDataset } from '../../src/registry/dataset/dataset.service.ts';
import { createDeployment } from '../../src/registry/deployment/deployment.service.ts';
import { createExperiment } from '../../src/registry/experiment/experiment.service.ts';
import { newId, nowIso } from '../../src/registry/ids.ts';
import { insertEdge } from '../../src/registry/lineage/lineage.repository.ts';
import { addEdge } from '../../src/registry/lineage/lineage.service.ts';
import type { EdgeType, NodeKind } from '../../src/registry/lineage/lineage.ts';
import { insertModelVersion } from '../../src/registry/model/model.repository.ts';
import {
  createModelVersion,
  registerModel,
  replaceModel,
} from '../../src/registry/model/model.service.ts';
import { createTestOrg, type TestOrg, testDb } from '../helpers/graphql.ts';

export function serviceDeps() {
  return { db: testDb(), d1: env.DB };
}

export function viewerOf(org: TestOrg, role: Role = 'EDITOR'): Viewer {
  return {
    userId: org.userIds[role],
    orgId: org.orgId,
    role,
    tokenId: '',
    webhooks: false,
    budgets: false,
  };
}

/** The row id behind a global ID returned by the API. */
export function rowIdOf(globalId: string): string {
  return decodeGlobalID(globalId).id;
}

interface VersionLinks {
  derivedFrom?: readonly string[];
  trainedOn?: readonly string[];
  evaluatedOn?: readonly string[];
}

/** Builds a graph through the services (the same rules as the API), naming every node. */
export class GraphBuilder {
  readonly ids: Record<string, string> = {};
  readonly kinds: Record<string, NodeKind> = {};
  private readonly names = new Map<string, string>();

  constructor(readonly org: TestOrg) {}

  static async forNewOrg(name = 'lineage') {
    return new GraphBuilder(await createTestOrg(name));
  }

  private remember(name: string, kind: NodeKind, id: string) {
    if (this.ids[name]) throw new Error(`Test node "${name}" named twice`);
    this.ids[name] = id;
    this.kinds[name] = kind;
    this.names.set(id, name);
    return id;
  }

  id(name: string): string {
    const id = this.ids[name];
    if (!id) throw new Error(`No test node "${name}"`);
    return id;
  }

  kind(name: string): NodeKind {
    const kind = this.kinds[name];
    if (!kind) throw new Error(`No test node "${name}"`);
    return kind;
  }

  /** The global ID a client sees for a named node. */
  gid(name: string): string {
    return encodeGlobalID(this.kind(name), this.id(name));
  }

  ref(name: string) {
    return { kind: this.kind(name), id: this.id(name) };
  }

  /** The test name of a node, from its row id or global ID. */
  nameOf(id: string): string {
    const name = this.names.get(id) ?? this.names.get(rowIdOf(id));
    if (!name) throw new Error(`Node ${id} is not part of the test graph`);
    return name;
  }

  async dataset(name: string, as: Role = 'EDITOR') {
    const dataset = await registerDataset(serviceDeps(), viewerOf(this.org, as), { name });
    return this.remember(name, 'Dataset', dataset.id);
  }

  async experiment(name: string, as: Role = 'EDITOR') {
    const experiment = await createExperiment(serviceDeps(), viewerOf(this.org, as), { name });
    return this.remember(name, 'Experiment', experiment.id);
  }

  async model(name: string, as: Role = 'EDITOR') {
    const model = await registerModel(serviceDeps(), viewerOf(this.org, as), { name });
    return this.remember(name, 'Model', model.id);
  }

  /** A version named `name` (registered as `semver` of `modelName`) with its lineage edges. */
  async version(
    name: string,
    modelName: string,
    semver: string,
    links: VersionLinks = {},
    as: Role = 'EDITOR',
  ) {
    const version = await createModelVersion(serviceDeps(), viewerOf(this.org, as), {
      modelId: this.id(modelName),
      version: semver,
      derivedFrom: (links.derivedFrom ?? []).map((parent) => this.id(parent)),
      trainedOn: (links.trainedOn ?? []).map((dataset) => ({ datasetId: this.id(dataset) })),
      evaluatedOn: (links.evaluatedOn ?? []).map((dataset) => ({ datasetId: this.id(dataset) })),
    });
    return this.remember(name, 'ModelVersion', version.id);
  }

  async deployment(
    name: string,
    environment: string,
    serves: readonly string[],
    as: Role = 'EDITOR',
  ) {
    const deployment = await createDeployment(serviceDeps(), viewerOf(this.org, as), {
      name,
      environment,
      modelVersions: serves.map((version) => ({ versionId: this.id(version) })),
    });
    return this.remember(name, 'Deployment', deployment.id);
  }

  /** An edge through the lineage service (refuses cycles in DERIVED_FROM and REPLACED_BY). */
  async edge(from: string, type: EdgeType, to: string) {
    const edge = await addEdge(serviceDeps(), viewerOf(this.org), {
      type,
      from: this.ref(from),
      to: this.ref(to),
    });
    return edge.id;
  }

  async replaceModel(model: string, replacement: string) {
    await replaceModel(serviceDeps(), viewerOf(this.org), {
      modelId: this.id(model),
      replacedById: this.id(replacement),
    });
  }

  /**
   * An edge row written straight into the table, past every rule of the services: how a cycle
   * (which the services refuse) or an edge type only other mutations write gets into a test graph.
   */
  async rawEdge(from: string, type: EdgeType, to: string) {
    const id = newId();
    await testDb()
      .insertInto('edge')
      .values({
        id,
        org_id: this.org.orgId,
        type,
        src_id: this.id(from),
        src_kind: this.kind(from),
        dst_id: this.id(to),
        dst_kind: this.kind(to),
        properties: null,
        created_at: nowIso(),
        created_by: this.org.userIds.EDITOR,
        removed_at: null,
        removed_by: null,
      })
      .execute();
    return id;
  }

  /** Names an existing row (a user of the org, say) so that it can take part in raw edges. */
  adopt(name: string, kind: NodeKind, id: string) {
    return this.remember(name, kind, id);
  }

  /**
   * `length` versions of one model, each DERIVED_FROM the one before, written as raw rows in one
   * batch (fast enough for hundreds of hops). Named `${prefix}0` .. `${prefix}${length - 1}`.
   */
  async derivedChain(prefix: string, length: number) {
    const db = testDb();
    const modelId = await this.model(`${prefix}-model`);
    const now = nowIso();
    const queries = [];
    let parent: string | null = null;
    for (let index = 0; index < length; index += 1) {
      const id = newId();
      this.remember(`${prefix}${index}`, 'ModelVersion', id);
      queries.push(
        insertModelVersion(db, {
          id,
          org_id: this.org.orgId,
          model_id: modelId,
          version: `${index}.0.0`,
          description: null,
          metadata: null,
          created_at: now,
          created_by: this.org.userIds.EDITOR,
          updated_at: now,
          status: 'ACTIVE',
        }),
      );
      if (parent) {
        queries.push(
          insertEdge(db, {
            id: newId(),
            org_id: this.org.orgId,
            type: 'DERIVED_FROM',
            src_id: id,
            src_kind: 'ModelVersion',
            dst_id: parent,
            dst_kind: 'ModelVersion',
            properties: null,
            created_at: now,
            created_by: this.org.userIds.EDITOR,
            removed_at: null,
            removed_by: null,
          }),
        );
      }
      parent = id;
    }
    await runBatch(env.DB, queries);
  }

  /** Every edge row of the organization, live or ended, by id. */
  async edgeRows() {
    const rows = await testDb()
      .selectFrom('edge')
      .selectAll()
      .where('org_id', '=', this.org.orgId)
      .execute();
    return new Map(rows.map((row) => [row.id, row]));
  }

  /** The row id of the live edge `from TYPE to`. */
  async edgeId(from: string, type: EdgeType, to: string) {
    const row = await testDb()
      .selectFrom('edge')
      .select('id')
      .where('org_id', '=', this.org.orgId)
      .where('type', '=', type)
      .where('src_id', '=', this.id(from))
      .where('dst_id', '=', this.id(to))
      .where('removed_at', 'is', null)
      .executeTakeFirstOrThrow();
    return row.id;
  }
}

export interface LineageEdgeJson {
  id: string;
  type: EdgeType;
  depth: number;
  from: { id: string };
  to: { id: string };
}

export interface LineageNodeInfoJson {
  node: { id: string };
  /** The NodeKind enum value, such as MODEL_VERSION. */
  kind: string;
  label: string;
  depth: number;
  reachedBy: 'ROOT' | 'UPSTREAM' | 'DOWNSTREAM';
}

/** "from TYPE to" for an edge of a response, by test names. */
export function edgeName(graph: GraphBuilder, edge: Omit<LineageEdgeJson, 'id' | 'depth'>) {
  return `${graph.nameOf(edge.from.id)} ${edge.type} ${graph.nameOf(edge.to.id)}`;
}

/** Sorted "from TYPE to @depth" of a response's edges. */
export function edgesWithDepth(graph: GraphBuilder, edges: readonly LineageEdgeJson[]) {
  return edges.map((edge) => `${edgeName(graph, edge)} @${edge.depth}`).sort();
}

/** Sorted "name @depth" of a response's nodeInfo. */
export function nodesWithDepth(graph: GraphBuilder, nodes: readonly LineageNodeInfoJson[]) {
  return nodes.map((info) => `${graph.nameOf(info.node.id)} @${info.depth}`).sort();
}

/** Sorted test names of a list of nodes. */
export function namesOf(graph: GraphBuilder, nodes: readonly { id: string }[]) {
  return nodes.map((node) => graph.nameOf(node.id)).sort();
}

/**
 * Asserts that every edge of a response is a real edge row of the organization, with the same
 * type and ends, and that no edge is listed twice.
 */
export async function expectRealEdges(graph: GraphBuilder, edges: readonly LineageEdgeJson[]) {
  const ids = edges.map((edge) => rowIdOf(edge.id));
  expect(new Set(ids).size, 'an edge is listed twice').toBe(ids.length);
  const rows = await graph.edgeRows();
  for (const edge of edges) {
    const row = rows.get(rowIdOf(edge.id));
    expect(row, `edge ${edge.id} is not an edge row`).toBeDefined();
    expect([row?.src_id, row?.type, row?.dst_id]).toEqual([
      rowIdOf(edge.from.id),
      edge.type,
      rowIdOf(edge.to.id),
    ]);
  }
}

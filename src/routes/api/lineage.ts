import * as z from 'zod/mini';
import { MAX_NODE_BUDGET } from '../../config.ts';
import { decodeIdOf, encodeGlobalID } from '../../global-id.ts';
import { registerDataset } from '../../registry/dataset/dataset.service.ts';
import { LAWFUL_BASES } from '../../registry/dataset/dataset-governance.ts';
import { createDeployment } from '../../registry/deployment/deployment.service.ts';
import { ValidationError } from '../../registry/errors.ts';
import { analyzeImpact } from '../../registry/impact/impact.service.ts';
import {
  EDGE_DETAIL_COLUMNS,
  lineageGraphDocument,
} from '../../registry/lineage/graph-document.ts';
import { lineageLabels } from '../../registry/lineage/labels.service.ts';
import { EDGE_TYPES, type GraphEdge, NODE_KINDS } from '../../registry/lineage/lineage.ts';
import {
  drawnNodes,
  lineageDot,
  lineageMermaid,
  parseLineageCursor,
  parseWalkCursor,
} from '../../registry/lineage/pages.ts';
import { lineageEdgeDetails } from '../../registry/lineage/traversal.service.ts';
import { lineagePage } from '../../registry/lineage/walk-segments.service.ts';
import { trackDatasetUsage } from '../../registry/model/dataset-usage.service.ts';
import type { ResolvedVersion } from '../../registry/model/model.service.ts';
import { anyCaseEnum, isoTime, jsonObject, ModelIdParams, modelOfPath } from './params.ts';
import {
  commaList,
  DatasetJson,
  DeploymentJson,
  datasetJson,
  deploymentJson,
  globalIdOf,
  LineageEdgeJson,
  LineageNodeJson,
  lineageEdgeJson,
  lineageNodeJson,
  ModelJson,
  modelJson,
  ResolvedVersionJson,
  resolvedVersionJson,
} from './present.ts';
import { defineRoute } from './route.ts';

// --- POST /api/lineage/datasets ---------------------------------------------------------------

const DatasetGovernanceBody = z.strictObject({
  contains_personal_data: z
    .boolean()
    .check(z.describe('Whether the dataset holds personal data (GDPR).')),
  lawful_basis: z.nullish(
    anyCaseEnum(LAWFUL_BASES, 'GDPR Art. 6(1) basis; required with personal data.'),
  ),
  retention_days: z
    .nullish(z.number().check(z.int()))
    .check(z.describe('How long the data is kept, in days.')),
  columns: z
    .nullish(
      z.array(
        z.strictObject({
          name: z.string().check(z.describe('The column.')),
          sample_values: z
            .nullish(z.array(z.string()))
            .check(z.describe('A few values, for the PII scan of the GDPR check.')),
        }),
      ),
    )
    .check(z.describe('Declared columns (up to 500).')),
});

const DatasetCreateBody = z.strictObject({
  name: z.string().check(z.describe('Unique within your organization.')),
  description: z.nullish(z.string()).check(z.describe('Free text, up to 10,000 characters.')),
  uri: z.nullish(z.string()).check(z.describe('Where the data lives (up to 2,048 characters).')),
  format: z.nullish(z.string()).check(z.describe('Storage format (parquet, jsonl, csv...).')),
  metadata: z.nullish(jsonObject),
  governance: z
    .nullish(DatasetGovernanceBody)
    .check(
      z.describe(
        'GDPR declarations; a dataset without them fails the GDPR check of versions trained on it.',
      ),
    ),
});

const DatasetUsageBody = z
  .strictObject({
    model_id: globalIdOf('Model').check(
      z.describe(
        'The model that used the dataset: the edge leaves its production version, else its newest (resolved_version says which).',
      ),
    ),
    dataset_id: globalIdOf('Dataset'),
    properties: z
      .nullish(jsonObject)
      .check(
        z.describe(
          'Stored on the edge. split "validation", "val", "valid", "dev", "test", "eval", "evaluation" or "holdout" (any case) makes it EVALUATED_ON; any other, or none, TRAINED_ON.',
        ),
      ),
  })
  .check(z.describe('The seed’s shape: track that a model used a registered dataset.'));

const DatasetUsageJson = z.object({
  edge: z.object({
    id: globalIdOf('GraphEdge'),
    type: z.enum(['TRAINED_ON', 'EVALUATED_ON']),
    from_id: globalIdOf('ModelVersion'),
    to_id: globalIdOf('Dataset'),
    properties: z.nullable(jsonObject),
    created_at: z.string().check(z.describe('ISO-8601.')),
  }),
  resolved_version: ResolvedVersionJson,
});

function datasetUsageJson(usage: { edge: GraphEdge; resolved: ResolvedVersion }) {
  const { edge } = usage;
  return {
    edge: {
      id: encodeGlobalID('GraphEdge', edge.id),
      type: edge.type as 'TRAINED_ON' | 'EVALUATED_ON',
      from_id: encodeGlobalID(edge.srcKind, edge.srcId),
      to_id: encodeGlobalID(edge.dstKind, edge.dstId),
      properties: edge.properties,
      created_at: edge.createdAt.toISOString(),
    },
    resolved_version: resolvedVersionJson(usage.resolved),
  };
}

export const lineageDatasetCreate = defineRoute({
  method: 'POST',
  path: '/api/lineage/datasets',
  operationId: 'lineageDatasetRegister',
  summary:
    'Register a dataset (name, ...; link it to versions with trained_on / evaluated_on when creating a version), or, in the seed’s shape (model_id, dataset_id, properties), track that a model used one.',
  graphql: 'mutation datasetRegister | mutation lineageEdgeAdd',
  tag: 'lineage',
  scope: 'editor',
  status: 201,
  body: z.union([DatasetCreateBody, DatasetUsageBody]),
  response: z.union([DatasetJson, DatasetUsageJson]),
  handler: async ({ body, context, claim }) => {
    if ('model_id' in body) {
      return datasetUsageJson(
        await trackDatasetUsage(
          context.deps,
          context.viewer,
          {
            modelId: decodeIdOf(body.model_id, ['Model'], ['body', 'model_id']).id,
            datasetId: decodeIdOf(body.dataset_id, ['Dataset'], ['body', 'dataset_id']).id,
            properties: body.properties,
          },
          claim?.presenting(datasetUsageJson),
        ),
      );
    }
    return datasetJson(
      await registerDataset(
        context.deps,
        context.viewer,
        {
          name: body.name,
          description: body.description,
          uri: body.uri,
          format: body.format,
          metadata: body.metadata,
          governance: body.governance && {
            containsPersonalData: body.governance.contains_personal_data,
            lawfulBasis: body.governance.lawful_basis,
            retentionDays: body.governance.retention_days,
            columns: body.governance.columns?.map((column) => ({
              name: column.name,
              sampleValues: column.sample_values,
            })),
          },
        },
        claim?.presenting(datasetJson),
      ),
    );
  },
});

// --- POST /api/lineage/deployments ------------------------------------------------------------

const DeploymentCreateBody = z.strictObject({
  name: z.string().check(z.describe('Unique within your organization.')),
  environment: z
    .string()
    .check(z.describe('Lowercase environment such as production, staging or canary.')),
  description: z.nullish(z.string()),
  endpoint_url: z.nullish(z.string()).check(z.describe('Where it answers.')),
  region: z.nullish(z.string()).check(z.describe('Where it runs.')),
  metadata: z.nullish(jsonObject),
  model_versions: z
    .nullish(
      z.array(
        z.strictObject({
          version_id: globalIdOf('ModelVersion'),
          properties: z
            .nullish(jsonObject)
            .check(z.describe('Stored on the DEPLOYED_TO edge, e.g. { "traffic_share": 0.1 }.')),
        }),
      ),
    )
    .check(z.describe('Versions it serves (DEPLOYED_TO edges), written in the same batch.')),
});

export const lineageDeploymentCreate = defineRoute({
  method: 'POST',
  path: '/api/lineage/deployments',
  operationId: 'lineageDeploymentCreate',
  summary: 'Create a deployment and its DEPLOYED_TO edges, all or nothing.',
  graphql: 'mutation deploymentCreate',
  tag: 'lineage',
  scope: 'editor',
  status: 201,
  body: DeploymentCreateBody,
  response: DeploymentJson,
  handler: async ({ body, context, claim }) =>
    deploymentJson(
      await createDeployment(
        context.deps,
        context.viewer,
        {
          name: body.name,
          environment: body.environment,
          description: body.description,
          endpointUrl: body.endpoint_url,
          region: body.region,
          metadata: body.metadata,
          modelVersions:
            body.model_versions?.map((entry, index) => ({
              versionId: decodeIdOf(
                entry.version_id,
                ['ModelVersion'],
                ['body', 'model_versions', String(index), 'version_id'],
              ).id,
              properties: entry.properties ?? undefined,
            })) ?? null,
        },
        claim?.presenting(deploymentJson),
      ),
    ),
});

// --- GET /api/lineage/:modelId/impact ---------------------------------------------------------

const maxDepth = z
  .optional(z.coerce.number().check(z.int(), z.gte(0)))
  .check(z.describe('Stop after this many hops (default: no limit).'));

export const lineageImpact = defineRoute({
  method: 'GET',
  path: '/api/lineage/:modelId/impact',
  operationId: 'lineageImpact',
  summary:
    'What a change to the model would affect downstream: versions, models, deployments (production first) and owners.',
  graphql: 'query impact(of:, maxDepth:)',
  tag: 'lineage',
  scope: 'viewer',
  params: ModelIdParams,
  query: z.object({ max_depth: maxDepth }),
  inputPaths: { maxDepth: ['query', 'max_depth'] },
  response: z.object({
    model: ModelJson,
    affected_version_ids: z.array(globalIdOf('ModelVersion')),
    affected_model_ids: z.array(globalIdOf('Model')),
    affected_deployments: z.array(
      z.object({
        deployment_id: globalIdOf('Deployment'),
        environment: z.string(),
        depth: z.number().check(z.int()),
        path: z
          .array(LineageEdgeJson)
          .check(z.describe('The edges from the model to the deployment.')),
      }),
    ),
    owner_ids: z
      .array(globalIdOf('User'))
      .check(z.describe('Who created what is affected: who to tell.')),
    depth_reached: z.number().check(z.int()),
    is_truncated: z.boolean(),
  }),
  handler: async ({ params, query, context }) => {
    const model = await modelOfPath(context, params.modelId);
    const report = await analyzeImpact(context.deps, context.viewer, {
      root: { kind: 'Model', id: model.id },
      maxDepth: query.max_depth,
      nodeBudget: context.deps.config.lineageNodeBudget,
      edgeRowBudget: context.deps.config.lineageEdgeRowBudget ?? undefined,
    });
    const details = await lineageEdgeDetails(
      context.db,
      context.viewer.orgId,
      null,
      report.affectedDeployments.flatMap((deployment) => deployment.path),
    );
    return {
      model: modelJson(model),
      affected_version_ids: report.affectedVersionIds.map((id) =>
        encodeGlobalID('ModelVersion', id),
      ),
      affected_model_ids: report.affectedModelIds.map((id) => encodeGlobalID('Model', id)),
      affected_deployments: report.affectedDeployments.map((deployment) => ({
        deployment_id: encodeGlobalID('Deployment', deployment.deploymentId),
        environment: deployment.environment,
        depth: deployment.depth,
        path: deployment.path.map((edge) => lineageEdgeJson(edge, details)),
      })),
      owner_ids: report.ownerIds.map((id) => encodeGlobalID('User', id)),
      depth_reached: report.walk.depthReached,
      is_truncated: report.walk.isTruncated,
    };
  },
});

// --- GET /api/lineage/:modelId and /graph ------------------------------------------------------

const LineageQuery = z.object({
  direction: z
    .optional(anyCaseEnum(['UPSTREAM', 'DOWNSTREAM', 'BOTH'] as const, 'Which way to walk.'))
    .check(z.describe('Which way to walk: UPSTREAM, DOWNSTREAM or BOTH (default), any case.')),
  edge_types: z.pipe(
    z.pipe(
      commaList(`Follow only these edge types (default all): ${EDGE_TYPES.join(', ')}.`),
      z.transform((values) => values?.map((value) => value.toUpperCase())),
    ),
    z.optional(z.array(z.enum(EDGE_TYPES))),
  ),
  max_depth: maxDepth,
});

const WalkSummary = {
  depth_reached: z.number().check(z.int(), z.describe('The largest depth of any node.')),
  is_truncated: z
    .boolean()
    .check(z.describe('max_depth or the node budget stopped the walk with more graph beyond it.')),
};

const GraphParams = z.object({
  modelId: z
    .string()
    .check(
      z.minLength(1),
      z.maxLength(200),
      z.describe(
        'Global ID of the root: a Model, or any other lineage node (ModelVersion, Dataset, Deployment, Experiment, User).',
      ),
    ),
});

const GraphQuery = z.extend(LineageQuery, {
  as_of: z.optional(
    isoTime('Read the graph as it was at this instant (edges are ended, not deleted).'),
  ),
  first: z
    .optional(z.coerce.number().check(z.int(), z.gte(1), z.lte(MAX_NODE_BUDGET)))
    .check(z.describe('Nodes per page, by depth then id (default: the whole walk in one answer).')),
  after: z
    .optional(z.string().check(z.minLength(1), z.maxLength(400)))
    .check(z.describe('Continue after this cursor (`page_info.end_cursor` of the previous page).')),
  format: z
    .optional(anyCaseEnum(['JSON', 'MERMAID', 'DOT'] as const, 'Answer format.'))
    .check(
      z.describe(
        'json (default), mermaid (a flowchart, text/vnd.mermaid) or dot (Graphviz, text/vnd.graphviz); any case.',
      ),
    ),
  edge_details: z
    .optional(
      z.pipe(
        anyCaseEnum(['TRUE', 'FALSE'] as const, 'Per-edge details.'),
        z.transform((value) => value === 'TRUE'),
      ),
    )
    .check(
      z.describe(
        'true: each edge tuple also carries the edge’s global ID, created_at and properties (edge_columns lists them); default false. JSON format only.',
      ),
    ),
});

const EdgeIndexes = [
  z.number().check(z.int(), z.describe('source: index into nodes')),
  z.number().check(z.int(), z.describe('target: index into nodes')),
  z.number().check(z.int(), z.describe('type: index into edge_types')),
  z.number().check(z.int(), z.describe('depth: hops from the root to the node this edge reached')),
] as const;

export const lineageGraph = defineRoute({
  method: 'GET',
  path: '/api/lineage/:modelId/graph',
  operationId: 'lineageGraph',
  summary:
    'The lineage graph of any node for drawing, straight from the walk, as one compact document: every node once with kind and label (name, or model@version), every edge once as [source, target, type, depth] with its ends as indexes into nodes (edge_details=true adds id, created_at, properties); paged by cursor like GraphQL (whole by default), or as Mermaid / Graphviz DOT text.',
  graphql:
    'query node(id:) { ... on LineageNode { lineage { graph(edgeDetails:) } } } (mermaid, dot for the formats)',
  tag: 'lineage',
  scope: 'viewer',
  params: GraphParams,
  query: GraphQuery,
  inputPaths: { maxDepth: ['query', 'max_depth'] },
  response: z.object({
    total_nodes: z.number().check(z.int(), z.describe('Nodes in the whole walk (all pages).')),
    total_edges: z.number().check(z.int(), z.describe('Edges in the whole walk (all pages).')),
    page_info: z.object({
      has_next_page: z.boolean(),
      end_cursor: z.nullable(z.string()).check(z.describe('Pass as `after` for the next page.')),
    }),
    depth_reached: WalkSummary.depth_reached,
    is_truncated: z
      .boolean()
      .check(
        z.describe(
          'max_depth or the node budget stopped the walk with more graph beyond it, or more pages follow.',
        ),
      ),
    edge_columns: z
      .array(z.enum(EDGE_DETAIL_COLUMNS))
      .check(
        z.describe(
          'What each position of an edge holds: source, target, type, depth (then id, created_at, properties with edge_details=true).',
        ),
      ),
    edge_types: z
      .array(z.enum(EDGE_TYPES))
      .check(z.describe('The edge types an edge’s `type` indexes; the same list in every answer.')),
    nodes: z
      .array(
        z.extend(LineageNodeJson, {
          label: z.string().check(z.describe('The name, or model@version for a version.')),
          on_other_page: z
            .optional(z.literal(true))
            .check(
              z.describe(
                'Present on a node of another page, listed because an edge of this page touches it.',
              ),
            ),
        }),
      )
      .check(
        z.describe(
          'This page’s nodes by depth then id (the root, and a model’s versions, first), then the other pages’ nodes this page’s edges touch (on_other_page).',
        ),
      ),
    edges: z
      .array(
        z.union([
          z.tuple(EdgeIndexes),
          z.tuple([
            ...EdgeIndexes,
            globalIdOf('GraphEdge'),
            z.string().check(z.describe('created_at, ISO-8601')),
            z.nullable(jsonObject).check(z.describe('properties')),
          ]),
        ]),
      )
      .check(
        z.describe(
          'The edges that reached a node of this page, each once, as arrays in edge_columns order: [source, target, type, depth], plus [id, created_at, properties] with edge_details=true.',
        ),
      ),
  }),
  handler: async ({ params, query, context }) => {
    if (query.edge_details && (query.format ?? 'JSON') !== 'JSON') {
      throw new ValidationError('edge_details=true applies to the JSON format only', [
        'query',
        'edge_details',
      ]);
    }
    const segment = query.after === undefined ? null : parseWalkCursor(query.after);
    const after = query.after === undefined || segment ? null : parseLineageCursor(query.after);
    if (query.after !== undefined && !after && !segment) {
      throw new ValidationError('"after" is not a cursor of a lineage graph', ['query', 'after']);
    }
    const root = decodeIdOf(params.modelId, NODE_KINDS, ['params', 'modelId']);
    const page = await lineagePage(
      context.deps,
      context.viewer,
      {
        root,
        rootPath: ['params', 'modelId'],
        direction: query.direction ?? 'BOTH',
        edgeTypes: query.edge_types,
        maxDepth: query.max_depth,
        asOf: query.as_of,
        nodeBudget: context.deps.config.lineageNodeBudget,
        edgeRowBudget: context.deps.config.lineageEdgeRowBudget ?? undefined,
        // Every format draws the nodes with their labels: read them with the walk.
        labels: true,
        // Read with the walk when the answer lists every edge (of the walk, or of a segment of a
        // stored walk) with its details; a page of a walk in memory reads its own.
        edgeDetails:
          (query.edge_details ?? false) &&
          (query.format ?? 'JSON') === 'JSON' &&
          query.first === undefined &&
          (query.after === undefined || segment !== null),
      },
      // The whole walk (or the whole next segment) by default.
      { size: query.first ?? MAX_NODE_BUDGET, after, segment },
      ['query', 'after'],
    );
    const walk = page.walk;
    const format = query.format ?? 'JSON';
    const labels = await lineageLabels(
      context.db,
      context.viewer.orgId,
      drawnNodes(page),
      page.walk.labels,
    );
    if (format !== 'JSON') {
      const text = format === 'MERMAID' ? lineageMermaid(page, labels) : lineageDot(page, labels);
      const type = format === 'MERMAID' ? 'text/vnd.mermaid' : 'text/vnd.graphviz';
      return new Response(text, { headers: { 'content-type': `${type}; charset=utf-8` } });
    }
    const details = query.edge_details
      ? await lineageEdgeDetails(context.db, context.viewer.orgId, walk, page.edges)
      : null;
    return lineageGraphDocument(page, labels, encodeGlobalID, details);
  },
});

const LineageGetQuery = z.extend(LineageQuery, {
  after: z
    .optional(z.string().check(z.minLength(1), z.maxLength(400)))
    .check(
      z.describe(
        'The next_cursor of the previous answer: the next breadth-first segment of a walk too large for one answer.',
      ),
    ),
});

export const lineageGet = defineRoute({
  method: 'GET',
  path: '/api/lineage/:modelId',
  operationId: 'lineageGet',
  summary:
    'The lineage of a model (and its versions), upstream and downstream, to any depth, in one request.',
  graphql: 'query model(id:) { lineage(direction: BOTH) }',
  tag: 'lineage',
  scope: 'viewer',
  params: ModelIdParams,
  query: LineageGetQuery,
  inputPaths: { maxDepth: ['query', 'max_depth'] },
  response: z.object({
    model: ModelJson,
    nodes: z
      .array(LineageNodeJson)
      .check(
        z.describe(
          'By depth then id; the model and its versions first. After `?after=`, the nodes first reached in that segment.',
        ),
      ),
    edges: z
      .array(LineageEdgeJson)
      .check(
        z.describe(
          'Each edge once over all answers of a walk; after `?after=`, the edges read in that segment (an end may be a node of an earlier answer).',
        ),
      ),
    depth_reached: WalkSummary.depth_reached,
    is_truncated: z
      .boolean()
      .check(
        z.describe(
          'max_depth or the node budget stopped the walk with more graph beyond it, or more of the walk follows (next_cursor).',
        ),
      ),
    next_cursor: z
      .nullable(z.string())
      .check(
        z.describe(
          'Pass as ?after= (with the same direction, edge_types and max_depth) for the rest of a walk too large for one answer; null when this answer ends the walk.',
        ),
      ),
  }),
  handler: async ({ params, query, context }) => {
    const segment = query.after === undefined ? null : parseWalkCursor(query.after);
    if (query.after !== undefined && !segment) {
      throw new ValidationError('"after" is not a cursor of this lineage', ['query', 'after']);
    }
    const model = await modelOfPath(context, params.modelId);
    const page = await lineagePage(
      context.deps,
      context.viewer,
      {
        root: { kind: 'Model', id: model.id },
        rootExists: true,
        direction: query.direction ?? 'BOTH',
        edgeTypes: query.edge_types,
        maxDepth: query.max_depth,
        nodeBudget: context.deps.config.lineageNodeBudget,
        edgeRowBudget: context.deps.config.lineageEdgeRowBudget ?? undefined,
        // Every edge is listed with its properties and creation time: read them with the walk.
        edgeDetails: true,
      },
      // The whole walk, or past the edge-row budget the whole next segment.
      { size: MAX_NODE_BUDGET, after: null, segment },
      ['query', 'after'],
    );
    const details = await lineageEdgeDetails(
      context.db,
      context.viewer.orgId,
      page.walk,
      page.edges,
    );
    return {
      model: modelJson(model),
      nodes: page.nodes.map(lineageNodeJson),
      edges: page.edges.map((edge) => lineageEdgeJson(edge, details)),
      depth_reached: page.depthReached,
      is_truncated: page.isTruncated,
      next_cursor: page.hasNextPage ? page.endCursor : null,
    };
  },
});

/** In match order: the literal sub-paths before the bare `/:modelId`. */
export const LINEAGE_ROUTES = [
  lineageDatasetCreate,
  lineageDeploymentCreate,
  lineageImpact,
  lineageGraph,
  lineageGet,
];

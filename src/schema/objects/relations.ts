import type { GraphEdge } from '../../registry/lineage/lineage.ts';
import type { ModelVersion } from '../../registry/model/model.ts';
import { builder } from '../builder.ts';
import type { RelationEdge } from '../lib/edge-loaders.ts';
import { DatasetRef, DeploymentRef, GraphEdgeRef, ModelVersionRef, UserRef } from './refs.ts';

/**
 * A connection of one relation (TRAINED_ON, EVALUATED_ON, DEPLOYED_TO) whose edges carry the stored
 * edge's properties and provenance next to the node at the other end.
 */
function relationConnection<NodeRef extends typeof DatasetRef | typeof DeploymentRef>(
  type: NodeRef,
  name: string,
  description: string,
  edgeDescription: string,
) {
  const edgeOf = (parent: unknown): GraphEdge => (parent as RelationEdge).edge;
  return builder.connectionObject(
    { type, name: `${name}Connection`, description },
    {
      name: `${name}Edge`,
      description: edgeDescription,
      fields: (t) => ({
        graphEdge: t.field({
          type: GraphEdgeRef,
          description: 'The stored edge itself (refetchable, removable).',
          resolve: (parent) => edgeOf(parent),
        }),
        properties: t.field({
          type: 'JSON',
          nullable: true,
          description:
            'Properties recorded on the edge (dataset split, row count, traffic share...).',
          resolve: (parent) => edgeOf(parent).properties,
        }),
        createdAt: t.field({
          type: 'DateTime',
          description: 'When the edge was recorded.',
          resolve: (parent) => edgeOf(parent).createdAt,
        }),
        createdBy: t.field({
          type: UserRef,
          nullable: true,
          description: 'Who recorded the edge.',
          resolve: (parent) => edgeOf(parent).createdById,
        }),
        modelVersion: t.field({
          type: ModelVersionRef,
          description:
            'The version the edge starts from; on Model-level lists, the version it came through.',
          resolve: (parent) => edgeOf(parent).srcId,
        }),
      }),
    },
  );
}

export const TrainedOnConnection = relationConnection(
  DatasetRef,
  'TrainedOn',
  'Datasets a version (or any version of a model) was trained on.',
  'A TRAINED_ON edge: the dataset, with the edge’s properties.',
);

export const EvaluatedOnConnection = relationConnection(
  DatasetRef,
  'EvaluatedOn',
  'Datasets a version (or any version of a model) was evaluated on.',
  'An EVALUATED_ON edge: the dataset, with the edge’s properties.',
);

export const DeployedToConnection = relationConnection(
  DeploymentRef,
  'DeployedTo',
  'Deployments a version (or any version of a model) serves in.',
  'A DEPLOYED_TO edge: the deployment, with the edge’s properties.',
);

/** An edge of a version list; graph relations fill `edge`, plain lists (Model.versions) do not. */
export interface ModelVersionListEdge {
  cursor: string;
  /** The version, or its id (loaded in batch). */
  node: ModelVersion | string;
  edge: GraphEdge | null;
}

export const ModelVersionConnection = builder.connectionObject(
  {
    type: ModelVersionRef,
    name: 'ModelVersionConnection',
    description: 'A page of model versions.',
  },
  {
    name: 'ModelVersionEdge',
    description: 'A model version in a list; for graph relations, with the edge’s properties.',
    fields: (t) => ({
      properties: t.field({
        type: 'JSON',
        nullable: true,
        description: 'Properties of the graph edge behind this entry; null for plain lists.',
        resolve: (parent) => (parent as unknown as ModelVersionListEdge).edge?.properties ?? null,
      }),
      linkedAt: t.field({
        type: 'DateTime',
        nullable: true,
        description: 'When the graph edge behind this entry was recorded; null for plain lists.',
        resolve: (parent) => (parent as unknown as ModelVersionListEdge).edge?.createdAt ?? null,
      }),
    }),
  },
);

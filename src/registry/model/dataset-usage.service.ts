import type { Viewer } from '../../auth/viewer.ts';
import type { Deps } from '../deps.ts';
import type { IdempotencyClaim } from '../idempotency/idempotency.service.ts';
import { addEdge } from '../lineage/lineage.service.ts';
import type { GraphEdge } from '../lineage/lineage.ts';
import { type ResolvedVersion, resolveVersionOfModel } from './model.service.ts';

/** `properties.split` values that name evaluation data (any case); any other split trains. */
const EVALUATION_SPLITS: ReadonlySet<string> = new Set([
  'eval',
  'evaluation',
  'validation',
  'val',
  'valid',
  'dev',
  'test',
  'holdout',
]);

export interface DatasetUsageInput {
  modelId: string;
  datasetId: string;
  /** Stored on the edge; its `split` chooses the edge type. */
  properties?: Record<string, unknown> | null;
}

/**
 * The seed's "track dataset usage": a model, not a version, used a dataset. The edge goes from the
 * version resolveVersionOfModel picks (production, else the newest), TRAINED_ON the dataset, or
 * EVALUATED_ON it when `properties.split` names evaluation data (validation, test, ...). The same
 * rules, audit and errors as lineageEdgeAdd.
 */
export async function trackDatasetUsage(
  deps: Pick<Deps, 'db' | 'd1'>,
  viewer: Viewer,
  input: DatasetUsageInput,
  claim?: IdempotencyClaim,
): Promise<{ edge: GraphEdge; resolved: ResolvedVersion }> {
  const resolved = await resolveVersionOfModel(deps.db, viewer.orgId, { modelId: input.modelId });
  const split = input.properties?.split;
  const evaluates = typeof split === 'string' && EVALUATION_SPLITS.has(split.toLowerCase());
  const edge = await addEdge(
    deps,
    viewer,
    {
      type: evaluates ? 'EVALUATED_ON' : 'TRAINED_ON',
      from: { kind: 'ModelVersion', id: resolved.version.id },
      to: { kind: 'Dataset', id: input.datasetId },
      properties: input.properties ?? undefined,
    },
    {
      type: ['properties', 'split'],
      from: ['modelId'],
      to: ['datasetId'],
      properties: ['properties'],
    },
    claim,
  );
  return { edge, resolved };
}

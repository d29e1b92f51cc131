// Short human labels of lineage nodes, for pictures: the name, or "model@version" for a version.
import type { Db } from '../../db/client.ts';
import { findDatasetsByIds } from '../dataset/dataset.repository.ts';
import { findDeploymentsByIds } from '../deployment/deployment.repository.ts';
import { findExperimentsByIds } from '../experiment/experiment.repository.ts';
import { findModelsByIds, findVersionsByIds } from '../model/model.repository.ts';
import { findUsersByIds } from '../user/user.repository.ts';
import type { NodeKind } from './lineage.ts';

/**
 * Labels of many nodes at once: one statement per kind present (and one for the models of the
 * versions), whatever the number of nodes. A node that vanished is labelled with its id.
 */
export async function lineageLabels(
  db: Db,
  orgId: string,
  nodes: readonly { kind: NodeKind; id: string }[],
): Promise<Map<string, string>> {
  const idsOf = (kind: NodeKind) => [
    ...new Set(nodes.filter((node) => node.kind === kind).map((node) => node.id)),
  ];
  const read = async <Row extends { id: string }>(
    ids: string[],
    find: (db: Db, orgId: string, ids: readonly string[]) => Promise<Row[]>,
  ) => (ids.length ? find(db, orgId, ids) : []);
  const [models, versions, datasets, deployments, experiments, users] = await Promise.all([
    read(idsOf('Model'), findModelsByIds),
    read(idsOf('ModelVersion'), findVersionsByIds),
    read(idsOf('Dataset'), findDatasetsByIds),
    read(idsOf('Deployment'), findDeploymentsByIds),
    read(idsOf('Experiment'), findExperimentsByIds),
    read(idsOf('User'), findUsersByIds),
  ]);
  const labels = new Map<string, string>();
  for (const row of [...models, ...datasets, ...deployments, ...experiments, ...users]) {
    labels.set(row.id, row.name);
  }
  const modelNames = new Map(models.map((row) => [row.id, row.name]));
  const missingModels = [
    ...new Set(versions.map((row) => row.model_id).filter((id) => !modelNames.has(id))),
  ];
  for (const row of await read(missingModels, findModelsByIds)) modelNames.set(row.id, row.name);
  for (const row of versions) {
    labels.set(row.id, `${modelNames.get(row.model_id) ?? '?'}@${row.version}`);
  }
  for (const node of nodes) if (!labels.has(node.id)) labels.set(node.id, node.id);
  return labels;
}

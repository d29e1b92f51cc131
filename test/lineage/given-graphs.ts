// The small graphs several lineage test files share.
import { GraphBuilder } from './graph-builder.ts';

/** v1 <-derivedFrom- v2 <-derivedFrom- v3, all versions of model m. */
export async function givenChain() {
  const graph = await GraphBuilder.forNewOrg('chain');
  await graph.model('m');
  await graph.version('v1', 'm', '1.0.0');
  await graph.version('v2', 'm', '2.0.0', { derivedFrom: ['v1'] });
  await graph.version('v3', 'm', '3.0.0', { derivedFrom: ['v2'] });
  return graph;
}

/**
 * d is the training set of v1 and v2, both parents of v3, which serves in prod and stage:
 *
 *        v1
 *      /    \
 *   d        v3 -- prod
 *      \    /   \- stage
 *        v2
 */
export async function givenDiamond() {
  const graph = await GraphBuilder.forNewOrg('diamond');
  await graph.dataset('d');
  await graph.model('m');
  await graph.version('v1', 'm', '1.0.0', { trainedOn: ['d'] });
  await graph.version('v2', 'm', '2.0.0', { trainedOn: ['d'] });
  await graph.version('v3', 'm', '3.0.0', { derivedFrom: ['v1', 'v2'] });
  await graph.deployment('prod', 'production', ['v3']);
  await graph.deployment('stage', 'staging', ['v3']);
  return graph;
}

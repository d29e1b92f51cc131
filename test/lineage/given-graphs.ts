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

/**
 * Every edge type at once:
 *   d1 DERIVED_FROM d0;  v1 TRAINED_ON d1, EVALUATED_ON d2, DERIVED_FROM experiment e;
 *   v2 DERIVED_FROM v1, TRAINED_ON d3, APPROVED_BY reviewer, DEPLOYED_TO prod, REPLACED_BY v3.
 */
export async function givenEveryEdgeType() {
  const graph = await GraphBuilder.forNewOrg('types');
  await graph.dataset('d0');
  await graph.dataset('d1');
  await graph.dataset('d2');
  await graph.dataset('d3');
  await graph.experiment('e');
  await graph.edge('d1', 'DERIVED_FROM', 'd0');
  await graph.model('m');
  await graph.version('v1', 'm', '1.0.0', { trainedOn: ['d1'], evaluatedOn: ['d2'] });
  await graph.edge('v1', 'DERIVED_FROM', 'e');
  await graph.version('v2', 'm', '2.0.0', { derivedFrom: ['v1'], trainedOn: ['d3'] });
  await graph.version('v3', 'm', '3.0.0');
  await graph.edge('v2', 'REPLACED_BY', 'v3');
  await graph.deployment('prod', 'production', ['v2']);
  // APPROVED_BY is written only by approvalReview, with an approval record; the walk only
  // needs the edge.
  graph.adopt('reviewer', 'User', graph.org.userIds.REVIEWER);
  await graph.rawEdge('v2', 'APPROVED_BY', 'reviewer');
  return graph;
}

/**
 * a DERIVED_FROM b DERIVED_FROM c DERIVED_FROM a, and a TRAINED_ON d DERIVED_FROM a: both
 * loops written as raw rows, since the services refuse the first and the second's kinds.
 */
export async function givenCycles() {
  const graph = await GraphBuilder.forNewOrg('cycle');
  await graph.model('m');
  await graph.version('a', 'm', '1.0.0');
  await graph.version('b', 'm', '2.0.0');
  await graph.version('c', 'm', '3.0.0');
  await graph.dataset('d');
  await graph.rawEdge('a', 'DERIVED_FROM', 'b');
  await graph.rawEdge('b', 'DERIVED_FROM', 'c');
  await graph.rawEdge('c', 'DERIVED_FROM', 'a');
  await graph.rawEdge('a', 'TRAINED_ON', 'd');
  await graph.rawEdge('d', 'DERIVED_FROM', 'a');
  return graph;
}

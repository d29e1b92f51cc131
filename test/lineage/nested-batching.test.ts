// Nested relation selections stay batched: each level of derivedFrom costs one statement, however
// many versions sit on that level.
import { describe, expect, it } from 'vitest';
import { gql } from '../helpers/graphql.ts';
import { GraphBuilder } from './graph-builder.ts';

/** `derivedFrom { ... }` nested `levels` deep under every version of a model. */
function nestedDerivedFrom(levels: number): string {
  let selection = 'version';
  for (let level = 0; level < levels; level += 1)
    selection = `version derivedFrom { ${selection} }`;
  return /* GraphQL */ `
    query NestedDerivedFrom($id: ID!) {
      node(id: $id) { ... on Model { versions(first: 10) { edges { node { ${selection} } } } } }
    }
  `;
}

/** `width` parallel chains of `depth` versions, each chain in its own model, all in one org. */
async function givenParallelChains(width: number, depth: number) {
  const graph = await GraphBuilder.forNewOrg(`chains-${width}x${depth}`);
  await graph.model('tips');
  for (let chain = 0; chain < width; chain += 1) {
    await graph.model(`m${chain}`);
    for (let level = 0; level < depth; level += 1) {
      const parent = level === 0 ? [] : [`c${chain}-${level - 1}`];
      if (level === depth - 1) {
        await graph.version(`c${chain}-${level}`, 'tips', `${chain}.0.0`, { derivedFrom: parent });
      } else {
        await graph.version(`c${chain}-${level}`, `m${chain}`, `${level}.0.0`, {
          derivedFrom: parent,
        });
      }
    }
  }
  return graph;
}

describe('nested derivedFrom', () => {
  it('costs one statement per level, independent of how many versions each level has', async () => {
    // given 2 and 8 parallel chains of 4 versions whose tips all belong to one model
    const narrow = await givenParallelChains(2, 4);
    const wide = await givenParallelChains(8, 4);

    // (a token's first request also records its last use: keep that out of the comparison)
    await gql(narrow.org.tokens.VIEWER, '{ viewer { id } }');
    await gql(wide.org.tokens.VIEWER, '{ viewer { id } }');

    // when derivedFrom is selected 3 levels deep under every tip, and 2 levels deep
    const narrowDeep = await gql(narrow.org.tokens.VIEWER, nestedDerivedFrom(3), {
      id: narrow.gid('tips'),
    });
    const wideDeep = await gql(wide.org.tokens.VIEWER, nestedDerivedFrom(3), {
      id: wide.gid('tips'),
    });
    const wideShallow = await gql(wide.org.tokens.VIEWER, nestedDerivedFrom(2), {
      id: wide.gid('tips'),
    });

    // then every chain is walked to its root
    expect(wideDeep.errors).toBeUndefined();
    const tips = wideDeep.data?.node.versions.edges as { node: Record<string, any> }[];
    expect(tips).toHaveLength(8);
    for (const { node } of tips) {
      expect(node.derivedFrom[0].derivedFrom[0].derivedFrom).toEqual([{ version: '0.0.0' }]);
    }
    // and breadth does not change the cost, while each extra level adds exactly one statement
    expect(wideDeep.statements).toBe(narrowDeep.statements);
    expect(wideDeep.statements - wideShallow.statements).toBe(1);
  });
});

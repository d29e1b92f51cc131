// Paging a lineage graph by (depth, id): pages partition the nodes, each edge comes with the page
// of the node it reached, and isTruncated stays true while pages remain.
import { describe, expect, it } from 'vitest';
import { givenDiamond } from './given-graphs.ts';
import { edgesWithDepth, expectRealEdges, namesOf } from './graph-builder.ts';
import { type LineageJson, lineageOf, onlyError, sendLineage } from './lineage-query.ts';

describe('lineage pages', () => {
  it('serves the diamond two nodes at a time, by depth then id, each edge with its node', async () => {
    // given d -> v1, v2 -> v3 -> prod, stage
    const graph = await givenDiamond();

    // when
    const first = await lineageOf(graph, 'd', { direction: 'DOWNSTREAM', first: 2 });
    const second = await lineageOf(graph, 'd', {
      direction: 'DOWNSTREAM',
      first: 2,
      after: first.pageInfo.endCursor,
    });
    const third = await lineageOf(graph, 'd', {
      direction: 'DOWNSTREAM',
      first: 2,
      after: second.pageInfo.endCursor,
    });

    // then
    expect(first.nodes.map((node) => graph.nameOf(node.id))).toEqual(['d', 'v1']);
    expect(edgesWithDepth(graph, first.edges)).toEqual(['v1 TRAINED_ON d @1']);
    expect(second.nodes.map((node) => graph.nameOf(node.id))).toEqual(['v2', 'v3']);
    expect(edgesWithDepth(graph, second.edges)).toEqual([
      'v2 TRAINED_ON d @1',
      'v3 DERIVED_FROM v1 @2',
      'v3 DERIVED_FROM v2 @2',
    ]);
    expect(third.nodes.map((node) => graph.nameOf(node.id))).toEqual(['prod', 'stage']);
    expect(edgesWithDepth(graph, third.edges)).toEqual([
      'v3 DEPLOYED_TO prod @3',
      'v3 DEPLOYED_TO stage @3',
    ]);
    expect([first, second, third].map((page) => page.pageInfo.hasNextPage)).toEqual([
      true,
      true,
      false,
    ]);
    expect([first, second, third].map((page) => page.isTruncated)).toEqual([true, true, false]);
    for (const page of [first, second, third]) {
      expect(page).toMatchObject({ totalNodes: 6, totalEdges: 6, depthReached: 3 });
      expect(page.nodeInfo.map((info) => info.node.id)).toEqual(page.nodes.map((node) => node.id));
    }
  });

  it('partitions the whole graph: following endCursor yields every node and edge once', async () => {
    // given d -> v1, v2 -> v3 -> prod, stage, walked both ways from v3
    const graph = await givenDiamond();
    const whole = await lineageOf(graph, 'v3', { direction: 'BOTH' });

    // when
    const pages: LineageJson[] = [];
    let after: string | null = null;
    do {
      const page: LineageJson = await lineageOf(graph, 'v3', {
        direction: 'BOTH',
        first: 2,
        after,
      });
      pages.push(page);
      after = page.pageInfo.endCursor;
      expect(page.isTruncated).toBe(page.pageInfo.hasNextPage);
      if (!page.pageInfo.hasNextPage) break;
    } while (pages.length < 10);

    // then
    expect(pages).toHaveLength(3);
    const pagedNodes = pages.flatMap((page) => namesOf(graph, page.nodes));
    expect(new Set(pagedNodes).size).toBe(pagedNodes.length);
    expect([...pagedNodes].sort()).toEqual(namesOf(graph, whole.nodes));
    expect([...pagedNodes].sort()).toEqual(['d', 'prod', 'stage', 'v1', 'v2', 'v3']);
    const pagedEdges = pages.flatMap((page) => page.edges);
    await expectRealEdges(graph, pagedEdges);
    expect(edgesWithDepth(graph, pagedEdges)).toEqual(edgesWithDepth(graph, whole.edges));
    expect(whole.edges).toHaveLength(6);
    for (const page of pages) {
      const onPage = new Set(page.nodes.map((node) => node.id));
      for (const edge of page.edges) {
        expect(
          onPage.has(edge.from.id) || onPage.has(edge.to.id),
          `${edgesWithDepth(graph, [edge])} is on a page without its node`,
        ).toBe(true);
      }
    }
  });

  it('answers an empty last page after the final cursor', async () => {
    // given d -> v1, v2 -> v3 -> prod, stage
    const graph = await givenDiamond();
    const whole = await lineageOf(graph, 'd', { direction: 'DOWNSTREAM' });

    // when
    const beyond = await lineageOf(graph, 'd', {
      direction: 'DOWNSTREAM',
      after: whole.pageInfo.endCursor,
    });

    // then
    expect(whole.pageInfo.hasNextPage).toBe(false);
    expect(beyond.nodes).toEqual([]);
    expect(beyond.edges).toEqual([]);
    expect(beyond).toMatchObject({
      isTruncated: false,
      totalNodes: 6,
      pageInfo: { hasNextPage: false, startCursor: null, endCursor: null },
    });
  });

  it('stays truncated on the last page when maxDepth cut the walk', async () => {
    // given d -> v1, v2 -> v3 -> prod, stage
    const graph = await givenDiamond();

    // when
    const page = await lineageOf(graph, 'd', { direction: 'DOWNSTREAM', maxDepth: 2, first: 10 });

    // then
    expect(namesOf(graph, page.nodes)).toEqual(['d', 'v1', 'v2', 'v3']);
    expect(page.pageInfo.hasNextPage).toBe(false);
    expect(page.isTruncated).toBe(true);
  });

  it.each([0, 25_001, -1])('refuses first: %i as bad user input', async (first) => {
    // given d -> v1, v2 -> v3 -> prod, stage
    const graph = await givenDiamond();

    // when
    const response = await sendLineage(graph, 'd', { direction: 'DOWNSTREAM', first });

    // then
    const error = onlyError(response);
    expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'first' });
    expect(response.data?.node ?? null).toBeNull();
  });

  it('refuses an after cursor that no lineage graph returned', async () => {
    // given d -> v1, v2 -> v3 -> prod, stage
    const graph = await givenDiamond();

    // when
    const response = await sendLineage(graph, 'd', { direction: 'DOWNSTREAM', after: 'bm9wZQ' });

    // then
    const error = onlyError(response);
    expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'after' });
    expect(response.data?.node ?? null).toBeNull();
  });
});

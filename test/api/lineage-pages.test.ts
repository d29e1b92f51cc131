// biome-ignore-all lint/suspicious/noExplicitAny: response shapes are checked by the assertions
// REST lineage past the edge-row budget (issue 20, section 5): GET /api/lineage/:modelId and
// /graph answer a walk too large for one request a breadth-first segment at a time, as GraphQL
// does; following next_cursor (page_info.end_cursor for /graph) to the end gives exactly the whole
// walk, and a cursor that is not one of this walk's is a 400 VALIDATION_ERROR naming query.after.
import { describe, expect, it } from 'vitest';
import { walkCursor } from '../../src/registry/lineage/pages.ts';
import { fetchWorker } from '../http/worker-client.ts';
import { GraphBuilder } from '../lineage/graph-builder.ts';

/**
 * A model m of three versions: v1 trained on d1, v2 on d2 and derived from v1, v3 derived from
 * v2, each deployed; another model n whose version derives from v3, itself deployed and evaluated
 * on d3. About a dozen edges around m.
 */
async function givenModelGraph() {
  const graph = await GraphBuilder.forNewOrg('rest-pages');
  for (const name of ['d1', 'd2', 'd3']) await graph.dataset(name);
  await graph.model('m');
  await graph.model('n');
  await graph.version('v1', 'm', '1.0.0', { trainedOn: ['d1'] });
  await graph.version('v2', 'm', '2.0.0', { trainedOn: ['d2'], derivedFrom: ['v1'] });
  await graph.version('v3', 'm', '3.0.0', { derivedFrom: ['v2'] });
  await graph.version('w1', 'n', '1.0.0', { derivedFrom: ['v3'], evaluatedOn: ['d3'] });
  await graph.deployment('p1', 'production', ['v1']);
  await graph.deployment('p2', 'staging', ['v2']);
  await graph.deployment('p3', 'production', ['v3', 'w1']);
  return graph;
}

async function get(token: string, path: string, vars: Record<string, string> = {}) {
  const response = await fetchWorker(
    new Request(`http://registry.test${path}`, { headers: { authorization: `Bearer ${token}` } }),
    vars,
  );
  return { status: response.status, body: (await response.json()) as any };
}

/**
 * Every answer of a paged walk: `base`, then `base&after=<cursor>` while `next` gives a cursor
 * (at most 50 answers), each checked to be a 200.
 */
async function followPages<Answer>(
  token: string,
  base: string,
  vars: Record<string, string>,
  next: (answer: Answer) => string | null,
): Promise<Answer[]> {
  const answers: Answer[] = [];
  let cursor: string | null = null;
  do {
    const path: string = cursor ? `${base}&after=${encodeURIComponent(cursor)}` : base;
    const answer = await get(token, path, vars);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    answers.push(answer.body);
    cursor = next(answer.body);
  } while (cursor && answers.length < 50);
  return answers;
}

interface LineageAnswer {
  nodes: { id: string; depth: number; reached_by: string }[];
  edges: { id: string; depth: number }[];
  is_truncated: boolean;
  next_cursor: string | null;
}

describe('GET /api/lineage/:modelId past the edge-row budget', () => {
  it.each([
    ['BOTH', 2],
    ['DOWNSTREAM', 1],
    ['UPSTREAM', 1],
  ])(
    'follows next_cursor (%s, %i rows a request) to exactly the whole walk',
    async (direction, budget) => {
      // given the walk in one answer without a budget
      const graph = await givenModelGraph();
      const token = graph.org.tokens.VIEWER;
      const base = `/api/lineage/${encodeURIComponent(graph.gid('m'))}?direction=${direction}`;
      const whole = await get(token, base);
      expect(whole.status).toBe(200);
      expect(whole.body).toMatchObject({ is_truncated: false, next_cursor: null });
      expect(whole.body.edges.length).toBeGreaterThan(2 * budget);

      // when every answer holds at most `budget` edge rows
      const vars = { LINEAGE_EDGE_ROW_BUDGET: String(budget) };
      const answers = await followPages<LineageAnswer>(token, base, vars, (a) => a.next_cursor);

      // then the answers are the whole walk, each node and edge once, at the whole walk's depths
      expect(answers.length).toBeGreaterThan(2);
      for (const answer of answers) expect(answer.edges.length).toBeLessThanOrEqual(budget);
      const depthOf = (list: { id: string; depth: number }[]) =>
        new Map(list.map((entry) => [entry.id, entry.depth]));
      const nodes = answers.flatMap((answer) => answer.nodes);
      const edges = answers.flatMap((answer) => answer.edges);
      expect(new Set(edges.map((edge) => edge.id)).size).toBe(edges.length);
      expect(depthOf(edges)).toEqual(depthOf(whole.body.edges));
      expect(new Set(nodes.map((node) => `${node.reached_by}:${node.id}`)).size).toBe(nodes.length);
      expect(depthOf(nodes)).toEqual(depthOf(whole.body.nodes));
      expect(
        answers.slice(0, -1).every((answer) => answer.is_truncated && answer.next_cursor),
      ).toBe(true);
      expect(answers.at(-1)).toMatchObject({ is_truncated: false, next_cursor: null });
      // every edge carries its details, as in the whole answer
      const detailed = new Map(whole.body.edges.map((edge: { id: string }) => [edge.id, edge]));
      for (const edge of edges) expect(edge).toEqual(detailed.get(edge.id));
    },
  );

  it.each([1, 2, 3, 4, 5, 6, 7])(
    'lists each node and edge once for a model around another model (BOTH, %i rows)',
    async (budget) => {
      // given m's versions a <- x1 <- x2 <- b (b also derives from x1): x1 and x2 are downstream of
      // a and upstream of b, so a BOTH walk from m reaches them and their edges both ways
      const graph = await GraphBuilder.forNewOrg('rest-pages-both');
      await graph.dataset('d1');
      await graph.model('m');
      await graph.model('x');
      await graph.version('a', 'm', '1.0.0', { trainedOn: ['d1'] });
      await graph.version('x1', 'x', '1.0.0', { derivedFrom: ['a'] });
      await graph.version('x2', 'x', '2.0.0', { derivedFrom: ['x1'] });
      await graph.version('b', 'm', '2.0.0', { derivedFrom: ['x2', 'x1'] });
      await graph.deployment('p1', 'production', ['x2', 'b']);
      const token = graph.org.tokens.VIEWER;
      const base = `/api/lineage/${encodeURIComponent(graph.gid('m'))}?direction=BOTH`;
      const whole = await get(token, base);
      expect(whole.body).toMatchObject({ is_truncated: false, next_cursor: null });

      // when
      const vars = { LINEAGE_EDGE_ROW_BUDGET: String(budget) };
      const answers = await followPages<LineageAnswer>(token, base, vars, (a) => a.next_cursor);

      // then the answers list exactly the whole answer's nodes and edges, each once
      expect(answers.length).toBeGreaterThan(1);
      const ids = (list: { id: string }[]) => list.map((entry) => entry.id).sort();
      expect(ids(answers.flatMap((answer) => answer.edges))).toEqual(ids(whole.body.edges));
      expect(ids(answers.flatMap((answer) => answer.nodes))).toEqual(ids(whole.body.nodes));
      expect(whole.body.edges).toHaveLength(7);
      expect(answers.at(-1)).toMatchObject({ is_truncated: false, next_cursor: null });
    },
  );

  it('refuses a tampered, foreign or mismatched cursor with a 400 naming query.after', async () => {
    // given the first answer of a cut walk, and another organization's model
    const graph = await givenModelGraph();
    const other = await givenModelGraph();
    const vars = { LINEAGE_EDGE_ROW_BUDGET: '2' };
    const path = (g: GraphBuilder, query = '') =>
      `/api/lineage/${encodeURIComponent(g.gid('m'))}?direction=BOTH${query}`;
    const first = await get(graph.org.tokens.VIEWER, path(graph), vars);
    const cursor = first.body.next_cursor as string;
    expect(cursor).toEqual(expect.any(String));

    // when
    const refused = [
      await get(graph.org.tokens.VIEWER, path(graph, '&after=not-a-cursor'), vars),
      await get(
        graph.org.tokens.VIEWER,
        path(graph, `&after=${encodeURIComponent(walkCursor({ walkId: 'nope', segment: 2 }))}`),
        vars,
      ),
      // the same cursor with other arguments, and from another organization's model
      await get(
        graph.org.tokens.VIEWER,
        `/api/lineage/${encodeURIComponent(graph.gid('m'))}?direction=UPSTREAM&after=${encodeURIComponent(cursor)}`,
        vars,
      ),
      await get(other.org.tokens.VIEWER, path(other, `&after=${encodeURIComponent(cursor)}`), vars),
    ];

    // then
    for (const answer of refused) {
      expect(answer.status, JSON.stringify(answer.body)).toBe(400);
      expect(answer.body.error).toMatchObject({
        code: 'VALIDATION_ERROR',
        path: ['query', 'after'],
      });
    }
  });
});

describe('GET /api/lineage/:id/graph past the edge-row budget', () => {
  it('follows page_info.end_cursor to exactly the whole document', async () => {
    // given
    const graph = await givenModelGraph();
    const token = graph.org.tokens.VIEWER;
    const base = `/api/lineage/${encodeURIComponent(graph.gid('v2'))}/graph?edge_details=true`;
    const whole = await get(token, base);
    expect(whole.body).toMatchObject({ is_truncated: false, page_info: { has_next_page: false } });

    // when
    const vars = { LINEAGE_EDGE_ROW_BUDGET: '2' };
    const pages = await followPages<any>(token, base, vars, (page) =>
      page.page_info.has_next_page ? page.page_info.end_cursor : null,
    );

    // then each edge once over the pages, by id, with the whole document's depth and details
    const edgesOf = (doc: any) =>
      doc.edges.map((edge: unknown[]) => [
        edge[4],
        doc.nodes[edge[0] as number].id,
        doc.nodes[edge[1] as number].id,
        edge[3],
        edge[5],
      ]);
    const edges = pages.flatMap(edgesOf);
    expect(pages.length).toBeGreaterThan(2);
    expect(new Set(edges.map((edge: unknown[]) => edge[0])).size).toBe(edges.length);
    const byId = (list: unknown[][]) =>
      [...list].sort((a, b) => String(a[0]).localeCompare(String(b[0])));
    expect(byId(edges)).toEqual(byId(edgesOf(whole.body)));
    const nodes = pages.flatMap((page) =>
      page.nodes.filter((node: any) => !node.on_other_page).map((node: any) => node.id),
    );
    expect([...nodes].sort()).toEqual(whole.body.nodes.map((node: any) => node.id).sort());
    // every node of every page (another page's too) labelled as in the whole document: the first
    // page's labels come with the walk's rows, the stored walk's pages read theirs
    const labelOf = new Map(whole.body.nodes.map((node: any) => [node.id, node.label]));
    expect([...labelOf.values()].every((label) => !String(label).includes('-'))).toBe(true);
    for (const page of pages) {
      for (const node of page.nodes) expect(node.label).toBe(labelOf.get(node.id));
    }
    expect(pages.at(-1)).toMatchObject({
      is_truncated: false,
      page_info: { has_next_page: false },
      total_nodes: whole.body.total_nodes,
      total_edges: whole.body.total_edges,
    });
  });
});

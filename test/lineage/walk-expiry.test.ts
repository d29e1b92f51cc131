// Stored walks (issue 20, section 5) expire an hour after the first page: the scheduled job deletes
// them, and their nodes with them, in every organization, not only when the same organization
// stores a new walk. A walk not yet expired is kept and its cursor still pages on.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { parseWalkCursor } from '../../src/registry/lineage/pages.ts';
import type { LineageRequest } from '../../src/registry/lineage/traversal.service.ts';
import {
  lineagePage,
  STORED_WALK_TTL_MS,
} from '../../src/registry/lineage/walk-segments.service.ts';
import {
  lineageWalkExpiryJob,
  runScheduledJobs,
  SCHEDULED_JOBS,
  scheduledDeps,
} from '../../src/scheduled.ts';
import { serviceDeps, viewerOf } from '../helpers/fixtures.ts';
import { givenDiamond } from './given-graphs.ts';

/** The diamond's lineage from v3, both ways, two edge rows a page: its first page stores a walk. */
async function givenStoredWalk() {
  const graph = await givenDiamond();
  const request: LineageRequest = {
    root: graph.ref('v3'),
    rootExists: true,
    direction: 'BOTH',
    edgeRowBudget: 2,
  };
  const first = await lineagePage(serviceDeps(), viewerOf(graph.org, 'VIEWER'), request, {
    size: 1_000,
    after: null,
  });
  const segment = parseWalkCursor(first.endCursor as string);
  expect(segment, 'the first page points at a stored walk').not.toBeNull();
  const walkId = segment?.walkId as string;
  return { graph, request, segment, walkId };
}

async function storedRows(walkId: string) {
  const walks = await env.DB.prepare('SELECT count(*) AS n FROM lineage_walk WHERE id = ?')
    .bind(walkId)
    .first<{ n: number }>();
  const nodes = await env.DB.prepare(
    'SELECT count(*) AS n FROM lineage_walk_node WHERE walk_id = ?',
  )
    .bind(walkId)
    .first<{ n: number }>();
  return { walks: walks?.n, nodes: nodes?.n };
}

describe('the expiry of stored lineage walks', () => {
  it('deletes expired walks and their nodes, keeps live ones, from SCHEDULED_JOBS', async () => {
    // given two organizations' stored walks, one of them past its expiry
    const expired = await givenStoredWalk();
    const live = await givenStoredWalk();
    const past = new Date(Date.now() - STORED_WALK_TTL_MS - 60_000).toISOString();
    await env.DB.prepare('UPDATE lineage_walk SET expires_at = ? WHERE id = ?')
      .bind(past, expired.walkId)
      .run();
    expect((await storedRows(expired.walkId)).nodes).toBeGreaterThan(0);

    // when the cron trigger runs the job
    const job = SCHEDULED_JOBS.filter((entry) => entry.name === 'lineage-walk-expiry');
    expect(await runScheduledJobs(env, new Date(), job)).toEqual([
      { name: 'lineage-walk-expiry', ok: true },
    ]);

    // then the expired walk and its nodes are gone, the live one is whole and still pages on
    expect(await storedRows(expired.walkId)).toEqual({ walks: 0, nodes: 0 });
    const kept = await storedRows(live.walkId);
    expect(kept.walks).toBe(1);
    expect(kept.nodes).toBeGreaterThan(0);
    const next = await lineagePage(
      serviceDeps(),
      viewerOf(live.graph.org, 'VIEWER'),
      live.request,
      {
        size: 1_000,
        after: null,
        segment: live.segment,
      },
    );
    expect(next.edges.length).toBeGreaterThan(0);
    // and the purged walk's cursor is refused as input, not a crash
    await expect(
      lineagePage(serviceDeps(), viewerOf(expired.graph.org, 'VIEWER'), expired.request, {
        size: 1_000,
        after: null,
        segment: expired.segment,
      }),
    ).rejects.toMatchObject({ name: 'ValidationError', path: ['after'] });
  });

  it('keeps a walk until its expiry, and deletes it at the trigger time past it', async () => {
    // given a stored walk aged to expire in five minutes (not the other tests' walks: the trigger
    // times below stay far before their expiry, so a walk another test is paging is kept)
    const { walkId } = await givenStoredWalk();
    const expiresAt = Date.now() + 5 * 60_000;
    await env.DB.prepare('UPDATE lineage_walk SET expires_at = ? WHERE id = ?')
      .bind(new Date(expiresAt).toISOString(), walkId)
      .run();

    // when the job runs a minute before its expiry, then a minute after
    await lineageWalkExpiryJob(scheduledDeps(env), new Date(expiresAt - 60_000));
    const before = await storedRows(walkId);
    await lineageWalkExpiryJob(scheduledDeps(env), new Date(expiresAt + 60_000));

    // then
    expect(before.walks).toBe(1);
    expect(await storedRows(walkId)).toEqual({ walks: 0, nodes: 0 });
  });
});

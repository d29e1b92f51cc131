import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { runBatch } from '../../src/db/batch.ts';
import { ConflictError, LineageCycleError, NotFoundError } from '../../src/registry/errors.ts';
import { promoteModelVersion } from '../../src/registry/governance/promotion.service.ts';
import { newId, nowIso } from '../../src/registry/ids.ts';
import {
  CYCLE_GUARD_FAILURE,
  findPath,
  insertEdge,
  insertEdgeIfAcyclic,
} from '../../src/registry/lineage/lineage.repository.ts';
import {
  addEdge,
  edgeRow,
  LINEAGE_EDGE_ADD_PATHS,
  removeEdge,
  writeEdges,
} from '../../src/registry/lineage/lineage.service.ts';
import { insertModel } from '../../src/registry/model/model.repository.ts';
import { setModelAlias } from '../../src/registry/model/model.service.ts';
import { createApiToken, revokeApiTokenById } from '../../src/registry/user/user.service.ts';
import { allowPromotionWithoutApproval } from '../governance/governance-fixtures.ts';
import {
  auditEvents,
  expectNothingWritten,
  rowCounts,
  seedModel,
  seedVersion,
  serviceDeps,
  viewerOf,
} from '../helpers/fixtures.ts';
import { createTestOrg, type TestOrg, testDb } from '../helpers/graphql.ts';

// The lineage service against D1 directly: acyclic edge types stay acyclic even when the check
// before the write is bypassed, traversals survive cycles, and ending an edge is recorded once.

/** Versions v0..v(n-1) of one model, with no edges between them. */
async function givenVersions(org: TestOrg, count: number) {
  const model = await seedModel(org, 'chain');
  const versions = [];
  for (let index = 0; index < count; index += 1) {
    versions.push(await seedVersion(org, model.id, `${index}.0.0`));
  }
  return versions.map((version) => ({ kind: 'ModelVersion' as const, id: version.id }));
}

function derivedFrom(org: TestOrg, from: { id: string }, to: { id: string }) {
  return edgeRow(
    viewerOf(org),
    {
      type: 'DERIVED_FROM',
      from: { kind: 'ModelVersion', id: from.id },
      to: { kind: 'ModelVersion', id: to.id },
    },
    null,
  );
}

describe('acyclic edge types', () => {
  it('refuses an edge that would close a derivedFrom cycle, naming the path back', async () => {
    // given v2 -> v1 -> v0
    const org = await createTestOrg();
    const [v0, v1, v2] = await givenVersions(org, 3);
    if (!v0 || !v1 || !v2) throw new Error('unreachable');
    await addEdge(serviceDeps(), viewerOf(org), { type: 'DERIVED_FROM', from: v1, to: v0 });
    await addEdge(serviceDeps(), viewerOf(org), { type: 'DERIVED_FROM', from: v2, to: v1 });
    const before = await rowCounts(org.orgId);

    // when
    const attempt = addEdge(serviceDeps(), viewerOf(org), {
      type: 'DERIVED_FROM',
      from: v0,
      to: v2,
    });

    // then
    await expect(attempt).rejects.toBeInstanceOf(LineageCycleError);
    await expect(attempt).rejects.toMatchObject({
      edgeType: 'DERIVED_FROM',
      nodeKind: 'ModelVersion',
      cycle: [v2.id, v1.id, v0.id],
      path: ['toId'],
    });
    await expectNothingWritten(org.orgId, before);
  });

  it('refuses, inside the insert itself, an edge that closes a cycle the check before it missed', async () => {
    // given v1 -> v0, and a model insert in the same batch as the refused edge
    const org = await createTestOrg();
    const [v0, v1] = await givenVersions(org, 2);
    if (!v0 || !v1) throw new Error('unreachable');
    await addEdge(serviceDeps(), viewerOf(org), { type: 'DERIVED_FROM', from: v1, to: v0 });
    const before = await rowCounts(org.orgId);
    const now = nowIso();

    // when v0 -> v1 is written without the service's check, as a concurrent writer would
    const attempt = runBatch(env.DB, [
      insertModel(testDb(), {
        id: newId(),
        org_id: org.orgId,
        name: 'written-with-the-edge',
        description: null,
        tags: '[]',
        metadata: null,
        provider: null,
        framework: null,
        model_type: null,
        status: 'ACTIVE',
        created_at: now,
        created_by: null,
        updated_at: now,
      }),
      insertEdgeIfAcyclic(testDb(), derivedFrom(org, v0, v1)),
    ]);

    // then the whole batch fails
    await expect(attempt).rejects.toThrow(CYCLE_GUARD_FAILURE);
    await expectNothingWritten(org.orgId, before);
  });

  it('refuses two edges of one batch that close a cycle together, writing neither', async () => {
    // given two versions with no edge between them
    const org = await createTestOrg();
    const [v0, v1] = await givenVersions(org, 2);
    if (!v0 || !v1) throw new Error('unreachable');
    const before = await rowCounts(org.orgId);

    // when both directions are written at once: each passes the check against the stored graph
    const attempt = writeEdges(
      serviceDeps(),
      [derivedFrom(org, v0, v1), derivedFrom(org, v1, v0)],
      [],
      LINEAGE_EDGE_ADD_PATHS,
    );

    // then the insert guard refuses the second and the error names the cycle
    await expect(attempt).rejects.toBeInstanceOf(LineageCycleError);
    await expectNothingWritten(org.orgId, before);
  });

  it('walks a graph that already holds a cycle without looping', async () => {
    // given v0 -> v1 -> v2 -> v0, written around the guard
    const org = await createTestOrg();
    const [v0, v1, v2, unrelated] = await givenVersions(org, 4);
    if (!v0 || !v1 || !v2 || !unrelated) throw new Error('unreachable');
    await runBatch(env.DB, [
      insertEdge(testDb(), derivedFrom(org, v0, v1)),
      insertEdge(testDb(), derivedFrom(org, v1, v2)),
      insertEdge(testDb(), derivedFrom(org, v2, v0)),
    ]);

    // when
    const reachable = await findPath(testDb(), 'DERIVED_FROM', v0.id, v2.id);
    const unreachable = await findPath(testDb(), 'DERIVED_FROM', v0.id, unrelated.id);

    // then
    expect(reachable).toEqual([v0.id, v1.id, v2.id]);
    expect(unreachable).toBeNull();
  });

  it('ignores ended edges when looking for a cycle', async () => {
    // given v1 -> v0, then ended
    const org = await createTestOrg();
    const [v0, v1] = await givenVersions(org, 2);
    if (!v0 || !v1) throw new Error('unreachable');
    const edge = await addEdge(serviceDeps(), viewerOf(org), {
      type: 'DERIVED_FROM',
      from: v1,
      to: v0,
    });
    await removeEdge(serviceDeps(), viewerOf(org), { edgeId: edge.id });

    // when
    const reversed = await addEdge(serviceDeps(), viewerOf(org), {
      type: 'DERIVED_FROM',
      from: v0,
      to: v1,
    });

    // then
    expect(reversed).toMatchObject({ srcId: v0.id, dstId: v1.id, removedAt: null });
  });
});

describe('removeEdge', () => {
  it('ends an edge once when two requests end it at the same time, with one audit event', async () => {
    // given
    const org = await createTestOrg();
    const [v0, v1] = await givenVersions(org, 2);
    if (!v0 || !v1) throw new Error('unreachable');
    const edge = await addEdge(serviceDeps(), viewerOf(org), {
      type: 'DERIVED_FROM',
      from: v1,
      to: v0,
    });

    // when
    const outcomes = await Promise.allSettled([
      removeEdge(serviceDeps(), viewerOf(org), { edgeId: edge.id }),
      removeEdge(serviceDeps(), viewerOf(org), { edgeId: edge.id }),
    ]);

    // then
    const fulfilled = outcomes.filter((outcome) => outcome.status === 'fulfilled');
    const rejected = outcomes.filter((outcome) => outcome.status === 'rejected');
    expect(fulfilled).toHaveLength(1);
    expect(rejected).toHaveLength(1);
    expect((rejected[0] as PromiseRejectedResult).reason).toBeInstanceOf(NotFoundError);
    expect(await auditEvents(org.orgId, { action: 'lineage.edgeRemove' })).toHaveLength(1);
  });
});

// Services read, then write in one D1 batch; another request can write in between. The audit trail
// must still record each change once, with the state it really replaced.

function settle<T>(promises: Promise<T>[]) {
  return Promise.allSettled(promises).then((outcomes) => ({
    fulfilled: outcomes.flatMap((outcome) =>
      outcome.status === 'fulfilled' ? [outcome.value] : [],
    ),
    rejected: outcomes.flatMap((outcome) =>
      outcome.status === 'rejected' ? [outcome.reason] : [],
    ),
  }));
}

describe('concurrent writes', () => {
  it('revokes a token once when two requests revoke it at the same time', async () => {
    // given
    const org = await createTestOrg();
    const admin = viewerOf(org, 'ADMIN');
    const { apiToken } = await createApiToken(serviceDeps(), admin, {
      userId: org.userIds.VIEWER,
      name: 'contested',
    });

    // when
    const { fulfilled, rejected } = await settle([
      revokeApiTokenById(serviceDeps(), admin, apiToken.id),
      revokeApiTokenById(serviceDeps(), admin, apiToken.id),
    ]);

    // then one wins, the other is told the token is already revoked
    expect(fulfilled).toHaveLength(1);
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toBeInstanceOf(ConflictError);
    const stored = await testDb()
      .selectFrom('api_token')
      .select('revoked_at')
      .where('id', '=', apiToken.id)
      .executeTakeFirstOrThrow();
    expect(fulfilled[0]?.revokedAt?.toISOString()).toBe(stored.revoked_at);
    const audits = await auditEvents(org.orgId, { action: 'apiToken.revoke' });
    expect(audits).toHaveLength(1);
    expect(audits[0]?.after).toEqual({ revokedAt: stored.revoked_at });
  });

  it('never records the same "before" for two promotions that race', async () => {
    // given a model with no production version yet, in an organization that promotes freely
    const org = await createTestOrg();
    await allowPromotionWithoutApproval(org);
    const model = await seedModel(org, 'raced');
    const v1 = await seedVersion(org, model.id, '1.0.0');
    const v2 = await seedVersion(org, model.id, '2.0.0');

    // when both versions are promoted at once
    const { fulfilled, rejected } = await settle(
      [v1, v2].map((version) =>
        promoteModelVersion(serviceDeps(), viewerOf(org), { versionId: version.id }),
      ),
    );

    // then each recorded move starts where the previous one ended
    for (const error of rejected) expect(error).toBeInstanceOf(ConflictError);
    const audits = await auditEvents(org.orgId, { action: 'model.promote' });
    expect(audits).toHaveLength(fulfilled.length);
    let expectedBefore: string | null = null;
    for (const audit of audits) {
      expect(audit.before).toEqual({ alias: 'production', versionId: expectedBefore });
      expectedBefore = audit.after.versionId;
    }
    const alias = await testDb()
      .selectFrom('model_alias')
      .select('version_id')
      .where('model_id', '=', model.id)
      .where('name', '=', 'production')
      .executeTakeFirstOrThrow();
    expect(alias.version_id).toBe(expectedBefore);
  });

  it('moves an alias with a true "before" when another move landed since it was read', async () => {
    // given champion on v1, then three moves at once
    const org = await createTestOrg();
    const model = await seedModel(org, 'raced');
    const versions = [];
    for (const version of ['1.0.0', '2.0.0', '3.0.0', '4.0.0']) {
      versions.push(await seedVersion(org, model.id, version));
    }
    await setModelAlias(serviceDeps(), viewerOf(org), {
      versionId: versions[0]?.id ?? '',
      alias: 'champion',
    });

    // when
    const { fulfilled } = await settle(
      versions
        .slice(1)
        .map((version) =>
          setModelAlias(serviceDeps(), viewerOf(org), { versionId: version.id, alias: 'champion' }),
        ),
    );

    // then the audit trail is a chain, and the alias ends where the chain ends
    const audits = await auditEvents(org.orgId, { action: 'model.aliasSet' });
    expect(audits).toHaveLength(1 + fulfilled.length);
    for (const [index, audit] of audits.entries()) {
      expect(audit.before.versionId).toBe(index === 0 ? null : audits[index - 1]?.after.versionId);
    }
    const alias = await testDb()
      .selectFrom('model_alias')
      .select('version_id')
      .where('model_id', '=', model.id)
      .executeTakeFirstOrThrow();
    expect(alias.version_id).toBe(audits.at(-1)?.after.versionId);
  });
});

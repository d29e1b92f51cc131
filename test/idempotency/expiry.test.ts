import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import {
  canonicalJson,
  decodeResult,
  encodeResult,
  hashCanonical,
  IDEMPOTENCY_TTL_MS,
} from '../../src/registry/idempotency/idempotency.service.ts';
import {
  deleteExpiredIdempotencyKeys,
  runScheduledJobs,
  SCHEDULED_JOBS,
  scheduledDeps,
} from '../../src/scheduled.ts';
import { createTestOrg, gql } from '../helpers/graphql.ts';
import { keyRows, tableCounts } from './helpers.ts';

const ExperimentCreate = /* GraphQL */ `
  mutation ExperimentCreate($input: ExperimentCreateInput!) {
    experimentCreate(input: $input) {
      __typename
      ... on ExperimentCreatePayload { experiment { id name } }
      ... on Error { message path }
    }
  }
`;

/** Moves every key of the organization `ms` into the past, as if that much time had gone by. */
async function age(orgId: string, ms: number) {
  const shift = `${-ms / 1000} seconds`;
  await env.DB.prepare(
    `UPDATE idempotency_key SET
       created_at = strftime('%Y-%m-%dT%H:%M:%fZ', created_at, ?2),
       expires_at = strftime('%Y-%m-%dT%H:%M:%fZ', expires_at, ?2)
     WHERE org_id = ?1`,
  )
    .bind(orgId, shift)
    .run();
}

describe('expiry of idempotency keys', () => {
  it('the scheduled job deletes keys past their expiry and keeps the others', async () => {
    const org = await createTestOrg('expiry');
    for (const name of ['old-1', 'old-2']) {
      await gql(org.tokens.EDITOR, ExperimentCreate, { input: { name, idempotencyKey: name } });
    }
    await age(org.orgId, IDEMPOTENCY_TTL_MS + 60_000);
    await gql(org.tokens.EDITOR, ExperimentCreate, {
      input: { name: 'new', idempotencyKey: 'new' },
    });
    expect((await keyRows(org.orgId)).map((row) => row.key)).toEqual(['new', 'old-1', 'old-2']);

    expect(SCHEDULED_JOBS.map((job) => job.name)).toContain('idempotency-key-expiry');
    await deleteExpiredIdempotencyKeys(scheduledDeps(env), new Date());
    expect((await keyRows(org.orgId)).map((row) => row.key)).toEqual(['new']);
  });

  it('runs as a scheduled job from SCHEDULED_JOBS', async () => {
    const org = await createTestOrg('expiry-cron');
    await gql(org.tokens.EDITOR, ExperimentCreate, {
      input: { name: 'cron', idempotencyKey: 'c' },
    });
    await age(org.orgId, IDEMPOTENCY_TTL_MS + 1);
    const job = SCHEDULED_JOBS.filter((entry) => entry.name === 'idempotency-key-expiry');
    expect(await runScheduledJobs(env, new Date(), job)).toEqual([
      { name: 'idempotency-key-expiry', ok: true },
    ]);
    expect(await keyRows(org.orgId)).toEqual([]);
  });

  it('keeps a key that is not yet 24 hours old, and it still replays', async () => {
    const org = await createTestOrg('expiry-kept');
    const input = { name: 'kept', idempotencyKey: 'kept' };
    const first = await gql(org.tokens.EDITOR, ExperimentCreate, { input });
    await age(org.orgId, IDEMPOTENCY_TTL_MS - 60_000);
    await deleteExpiredIdempotencyKeys(scheduledDeps(env), new Date());
    const before = await tableCounts(org.orgId);
    const replay = await gql(org.tokens.EDITOR, ExperimentCreate, { input });
    expect(replay.data).toEqual(first.data);
    expect(await tableCounts(org.orgId)).toEqual(before);
  });

  it('treats an expired key that the job has not swept yet as new', async () => {
    const org = await createTestOrg('expiry-reuse');
    await gql(org.tokens.EDITOR, ExperimentCreate, {
      input: { name: 'first-use', idempotencyKey: 'reused' },
    });
    await age(org.orgId, IDEMPOTENCY_TTL_MS + 1000);
    const second = await gql(org.tokens.EDITOR, ExperimentCreate, {
      input: { name: 'second-use', idempotencyKey: 'reused' },
    });
    expect(second.data?.experimentCreate).toMatchObject({
      __typename: 'ExperimentCreatePayload',
      experiment: { name: 'second-use' },
    });
    const rows = await keyRows(org.orgId);
    expect(rows).toHaveLength(1);
    expect(Date.parse(rows[0]?.expires_at ?? '')).toBeGreaterThan(Date.now());
  });
});

describe('request hashing and stored results', () => {
  it('hashes the same input the same whatever the order of its members', async () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { f: 2, e: 3 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[1,{"e":3,"f":2}]},"b":1}',
    );
    expect(await hashCanonical({ a: 1, b: 2 })).toBe(await hashCanonical({ b: 2, a: 1 }));
    expect(await hashCanonical({ a: 1, b: undefined })).toBe(await hashCanonical({ a: 1 }));
    expect(await hashCanonical({ a: 1 })).not.toBe(await hashCanonical({ a: 1, b: null }));
    expect(await hashCanonical({ a: [1, 2] })).not.toBe(await hashCanonical({ a: [2, 1] }));
  });

  it('gives back Dates as Dates when a stored result is replayed', () => {
    const result = { id: 'x', createdAt: new Date('2026-01-02T03:04:05.678Z'), tags: ['a'] };
    const decoded = decodeResult<typeof result>(encodeResult(result));
    expect(decoded).toEqual(result);
    expect(decoded.createdAt).toBeInstanceOf(Date);
  });
});

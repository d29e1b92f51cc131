// Abandoned uploads: a pending upload lives ARTIFACT_UPLOAD_TTL_HOURS (default 24) after it started
// or last received a part; then it takes no more bytes, cannot complete, and the scheduled job
// aborts R2's multipart upload and removes it, audited. The job is called directly with a fake now.
import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { runBatch } from '../../src/db/batch.ts';
import { countingD1, createDb } from '../../src/db/client.ts';
import { insertExpiryAuditEvents } from '../../src/registry/artifact/artifact.repository.ts';
import { DEFAULT_UPLOAD_TTL_HOURS, uploadLimits } from '../../src/registry/artifact/artifact.ts';
import {
  EXPIRED_UPLOADS_PER_RUN,
  expireArtifactUploads,
} from '../../src/registry/artifact/artifact-expiry.service.ts';
import { runScheduledJobs, SCHEDULED_JOBS } from '../../src/scheduled.ts';
import {
  auditEvents,
  fieldOf,
  globalId,
  rowId,
  seedModel,
  seedVersion,
} from '../helpers/fixtures.ts';
import { createTestOrg, gql, type TestOrg } from '../helpers/graphql.ts';
import {
  ArtifactUploadComplete,
  compositeOf,
  patternBytes,
  request,
  sha256Hex,
  startUpload,
} from './artifact-client.ts';
import { artifactCounts } from './artifacts-db.ts';

const MiB = 1024 * 1024;
const PART = 5 * MiB;
const HOUR = 3_600_000;
const parts = [patternBytes(PART, 11), patternBytes(100, 12)];

const UploadExpiry = /* GraphQL */ `
  query UploadExpiry($id: ID!) { artifact(id: $id) { status upload { expiresAt } } }
`;

let org: TestOrg;
let versionId: string;

beforeAll(async () => {
  org = await createTestOrg('expiry');
  const model = await seedModel(org, 'expiring-model');
  versionId = globalId('ModelVersion', (await seedVersion(org, model.id, '1.0.0')).id);
});

function deps() {
  return { db: createDb(env.DB), d1: env.DB, bucket: env.ARTIFACTS };
}

async function startMultipart(name: string) {
  const whole = new Uint8Array(await new Blob(parts).arrayBuffer());
  return startUpload(org.tokens.EDITOR, {
    versionId,
    name,
    kind: 'CHECKPOINT',
    sizeBytes: whole.byteLength,
    sha256: await sha256Hex(whole),
    multipart: true,
    partSize: PART,
    compositeSha256: await compositeOf(parts),
  });
}

function putPart(url: string, n: number) {
  return request(org.tokens.EDITOR, 'PUT', `${url}/parts/${n}`, {
    body: parts[n - 1] as Uint8Array<ArrayBuffer>,
  });
}

function complete(id: string) {
  return gql(org.tokens.EDITOR, ArtifactUploadComplete, { input: { artifactId: id } }).then((r) =>
    fieldOf(r, 'artifactUploadComplete'),
  );
}

async function row(id: string) {
  return env.DB.prepare(
    'SELECT status, expires_at, created_at, r2_key, multipart_upload_id FROM artifact WHERE id = ?',
  )
    .bind(rowId(id))
    .first<{
      status: string;
      expires_at: string | null;
      created_at: string;
      r2_key: string;
      multipart_upload_id: string | null;
    }>();
}

/** Moves an upload's expiry into the past, as if its time to live had run out. */
async function expireNow(id: string) {
  await env.DB.prepare('UPDATE artifact SET expires_at = ? WHERE id = ?')
    .bind(new Date(Date.now() - 1000).toISOString(), rowId(id))
    .run();
}

describe('upload time to live', () => {
  it('is 24 hours by default and configurable; invalid settings fall back to the default', () => {
    expect(DEFAULT_UPLOAD_TTL_HOURS).toBe(24);
    expect(uploadLimits({}).uploadTtlMs).toBe(24 * HOUR);
    expect(uploadLimits({ ARTIFACT_UPLOAD_TTL_HOURS: '2' }).uploadTtlMs).toBe(2 * HOUR);
    expect(uploadLimits({ ARTIFACT_UPLOAD_TTL_HOURS: '0.5' }).uploadTtlMs).toBe(HOUR / 2);
    for (const bad of ['0', '-3', 'soon', '']) {
      expect(uploadLimits({ ARTIFACT_UPLOAD_TTL_HOURS: bad }).uploadTtlMs).toBe(24 * HOUR);
    }
    expect(uploadLimits({ ARTIFACT_UPLOAD_TTL_HOURS: '100000' }).uploadTtlMs).toBe(720 * HOUR);
    expect(uploadLimits({ ARTIFACT_MAX_REQUEST_BYTES: '600000000' }).maxRequestBody).toBe(
      500_000_000,
    );
    expect(uploadLimits({ ARTIFACT_MAX_REQUEST_BYTES: '12' }).maxRequestBody).toBe(100_000_000);
  });

  it('starts at creation and is pushed forward by each part received', async () => {
    const artifact = await startMultipart('sliding.bin');
    const created = await row(artifact.id);
    expect(Date.parse(created?.expires_at ?? '') - Date.parse(created?.created_at ?? '')).toBe(
      24 * HOUR,
    );
    const shown = fieldOf(
      await gql(org.tokens.VIEWER, UploadExpiry, { id: artifact.id }),
      'artifact',
    );
    expect(shown.upload.expiresAt).toBe(created?.expires_at);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const sentAt = Date.now();
    expect((await putPart(artifact.upload.url, 1)).status).toBe(200);
    const after = await row(artifact.id);
    expect(Date.parse(after?.expires_at ?? '')).toBeGreaterThan(
      Date.parse(created?.expires_at ?? ''),
    );
    expect(Date.parse(after?.expires_at ?? '')).toBeGreaterThanOrEqual(sentAt + 24 * HOUR);
    await putPart(artifact.upload.url, 2);
    const done = await complete(artifact.id);
    expect(done.__typename).toBe('ArtifactUploadCompletePayload');
    expect((await row(artifact.id))?.expires_at).toBeNull();
  });

  it('refuses parts and completion of an expired upload before the job has run, writing nothing', async () => {
    const artifact = await startMultipart('late.bin');
    expect((await putPart(artifact.upload.url, 1)).status).toBe(200);
    expect((await putPart(artifact.upload.url, 2)).status).toBe(200);
    await expireNow(artifact.id);
    const before = await artifactCounts(org.orgId);
    const expiresAt = (await row(artifact.id))?.expires_at;

    const part = await putPart(artifact.upload.url, 2);
    expect(part.status).toBe(410);
    expect(await part.json()).toMatchObject({
      error: { code: 'UPLOAD_EXPIRED', expired_at: expiresAt },
    });
    const completed = await complete(artifact.id);
    expect(completed).toMatchObject({
      __typename: 'UploadExpiredError',
      expiredAt: expiresAt,
      path: ['input', 'artifactId'],
    });
    expect(completed.message).toMatch(/expired .* start a new upload/);
    expect(await artifactCounts(org.orgId)).toEqual(before);
    expect((await row(artifact.id))?.status).toBe('PENDING');
  });

  it('the job aborts R2 uploads and removes expired ones with an audit event each, and only those', async () => {
    // Uploads the tests above left expired go first, so that the counts below are this test's own.
    await expireArtifactUploads(deps(), new Date(), 1000, 1000);
    const expired = await startMultipart('abandoned.bin');
    expect((await putPart(expired.upload.url, 1)).status).toBe(200);
    const single = await startUpload(org.tokens.EDITOR, {
      versionId,
      name: 'abandoned-single.bin',
      kind: 'OTHER',
      sizeBytes: 4,
      sha256: await sha256Hex('abcd'),
    });
    const fresh = await startMultipart('still-going.bin');
    const expiredRow = await row(expired.id);
    const before = await artifactCounts(org.orgId);

    // 25 hours from now: the first two are past their 24 hours; `fresh` is pushed past now.
    await env.DB.prepare('UPDATE artifact SET expires_at = ? WHERE id = ?')
      .bind(new Date(Date.now() + 48 * HOUR).toISOString(), rowId(fresh.id))
      .run();
    const now = new Date(Date.now() + 25 * HOUR);
    const run = await expireArtifactUploads(deps(), now, 1000, 1000);
    expect(run.abortFailures).toEqual([]);
    expect(run.expired).toEqual(expect.arrayContaining([rowId(expired.id), rowId(single.id)]));
    expect(run.expired).not.toContain(rowId(fresh.id));

    expect(await row(expired.id)).toBeNull();
    expect(await row(single.id)).toBeNull();
    expect((await row(fresh.id))?.status).toBe('PENDING');
    const after = await artifactCounts(org.orgId);
    expect(after).toMatchObject({
      artifacts: before.artifacts - 2,
      parts: before.parts - 1,
      audit: before.audit + 2,
    });
    const [event] = await auditEvents(org.orgId, {
      action: 'artifact.expire',
      subjectId: rowId(expired.id),
    });
    expect(event).toMatchObject({
      actor_id: null,
      subject_kind: 'Artifact',
      before: {
        name: 'abandoned.bin',
        multipart: true,
        expiresAt: expiredRow?.expires_at,
      },
    });
    // R2's multipart upload is gone: no part can be added to it any more.
    const r2Upload = env.ARTIFACTS.resumeMultipartUpload(
      expiredRow?.r2_key ?? '',
      expiredRow?.multipart_upload_id ?? '',
    );
    await expect(r2Upload.uploadPart(2, new Uint8Array(10))).rejects.toThrow();

    // Afterwards the client is told the upload expired, not merely that it is unknown.
    const part = await putPart(expired.upload.url, 2);
    expect(part.status).toBe(410);
    expect(await part.json()).toMatchObject({
      error: { code: 'UPLOAD_EXPIRED', expired_at: expiredRow?.expires_at },
    });
    expect(await complete(expired.id)).toMatchObject({ __typename: 'UploadExpiredError' });
    const body = await request(org.tokens.EDITOR, 'PUT', single.upload.url, { body: 'abcd' });
    expect(body.status).toBe(410);

    // A second run finds nothing more to do.
    const again = await expireArtifactUploads(deps(), now, 1000, 1000);
    expect(again.expired).not.toContain(rowId(expired.id));
    expect(await artifactCounts(org.orgId)).toEqual(after);
  });

  it('leaves complete artifacts alone and takes at most `limit` uploads per run', async () => {
    const uploads = [];
    for (const name of ['batch-1.bin', 'batch-2.bin', 'batch-3.bin']) {
      const artifact = await startMultipart(name);
      await expireNow(artifact.id);
      uploads.push(artifact);
    }
    const completeOne = await startMultipart('kept.bin');
    await putPart(completeOne.upload.url, 1);
    await putPart(completeOne.upload.url, 2);
    expect((await complete(completeOne.id)).__typename).toBe('ArtifactUploadCompletePayload');
    await env.DB.prepare('UPDATE artifact SET expires_at = ? WHERE id = ?')
      .bind(new Date(Date.now() - HOUR).toISOString(), rowId(completeOne.id))
      .run();
    const now = new Date();
    const removed: string[] = [];
    for (let run = 0; run < 10; run++) {
      const { expired } = await expireArtifactUploads(deps(), now, 2);
      expect(expired.length).toBeLessThanOrEqual(2);
      removed.push(...expired);
      if (expired.length < 2) break;
    }
    for (const artifact of uploads) expect(removed).toContain(rowId(artifact.id));
    expect(removed).not.toContain(rowId(completeOne.id));
    expect((await row(completeOne.id))?.status).toBe('COMPLETE');
  });

  it('expires more uploads than the old cap of 40 in one run, in four D1 statements, with one guarded audit event each', async () => {
    // Earlier tests' leftovers go first, so that the counts below are this test's own.
    await expireArtifactUploads(deps(), new Date(), 1000, 1000);
    expect(EXPIRED_UPLOADS_PER_RUN).toBeGreaterThan(40);
    const singles = [];
    for (let i = 0; i < 45; i++) {
      singles.push(
        await startUpload(org.tokens.EDITOR, {
          versionId,
          name: `bulk-${i}.bin`,
          kind: 'OTHER',
          sizeBytes: 4,
          sha256: await sha256Hex(`bulk ${i}`),
        }),
      );
    }
    const multiparts = [];
    for (const name of ['bulk-mp-1.bin', 'bulk-mp-2.bin', 'bulk-mp-3.bin']) {
      multiparts.push(await startMultipart(name));
    }
    // A complete artifact with an old expiry is never expired.
    const completed = await startMultipart('bulk-completed.bin');
    await putPart(completed.upload.url, 1);
    await putPart(completed.upload.url, 2);
    expect((await complete(completed.id)).__typename).toBe('ArtifactUploadCompletePayload');
    const uploads = [...singles, ...multiparts];
    // Expired an hour ago, one millisecond apart in this order (the job takes the oldest first);
    // other tests' uploads are not expired at `now`, so this run is this test's own.
    const now = new Date();
    const ids = [...uploads, completed].map((upload) => rowId(upload.id));
    await env.DB.batch(
      ids.map((id, index) =>
        env.DB.prepare('UPDATE artifact SET expires_at = ? WHERE id = ?').bind(
          new Date(now.getTime() - HOUR + index).toISOString(),
          id,
        ),
      ),
    );
    const before = await artifactCounts(org.orgId);
    const counter = { statements: 0, roundTrips: 0 };
    const counted = countingD1(env.DB, counter);

    // Abort budget 2: two of the three multipart uploads go now, the third on the next run.
    const run = await expireArtifactUploads(
      { db: createDb(counted), d1: counted, bucket: env.ARTIFACTS },
      now,
      EXPIRED_UPLOADS_PER_RUN,
      2,
    );
    expect(counter).toEqual({ statements: 4, roundTrips: 2 });
    expect(run.abortFailures).toEqual([]);
    expect(run.expired).toEqual(expect.arrayContaining(ids.slice(0, 47)));
    expect(run.expired).not.toContain(ids[47]);
    expect(await row(multiparts[2]?.id as string)).not.toBeNull();
    expect(await artifactCounts(org.orgId)).toMatchObject({
      artifacts: before.artifacts - 47,
      audit: before.audit + 47,
    });
    const events = await auditEvents(org.orgId, { action: 'artifact.expire' });
    const bySubject = new Map(events.map((event) => [event.subject_id, event]));
    for (const [index, id] of ids.slice(0, 47).entries()) {
      expect(bySubject.get(id), id).toMatchObject({
        actor_id: null,
        subject_kind: 'Artifact',
        reason: 'Upload not completed within its time to live',
        before: {
          name: index < 45 ? `bulk-${index}.bin` : `bulk-mp-${index - 44}.bin`,
          multipart: index >= 45,
        },
      });
    }
    expect(bySubject.has(rowId(completed.id))).toBe(false);
    expect((await row(completed.id))?.status).toBe('COMPLETE');

    const next = await expireArtifactUploads(deps(), now, EXPIRED_UPLOADS_PER_RUN, 2);
    expect(next.expired).toContain(ids[47]);
    expect(await row(multiparts[2]?.id as string)).toBeNull();
  });

  it('writes no expiry event for an upload extended between the select and the batch', async () => {
    await expireArtifactUploads(deps(), new Date(), 1000, 1000);
    const upload = await startMultipart('raced.bin');
    await expireNow(upload.id);
    const before = await artifactCounts(org.orgId);
    // The job read the row as expired; then a part extended it. Only the batch's guards see that.
    const db = createDb(env.DB);
    const at = new Date().toISOString();
    await env.DB.prepare('UPDATE artifact SET expires_at = ? WHERE id = ?')
      .bind(new Date(Date.now() + HOUR).toISOString(), rowId(upload.id))
      .run();
    await runBatch(env.DB, [
      insertExpiryAuditEvents(
        db,
        [{ auditId: crypto.randomUUID(), artifactId: rowId(upload.id) }],
        at,
        at,
        'test',
      ),
    ]);
    expect(await artifactCounts(org.orgId)).toEqual(before);
    expect((await row(upload.id))?.status).toBe('PENDING');
  });

  it('runs as the scheduled job artifact-upload-expiry', async () => {
    // Other files' pending uploads (the suite shares one D1) would take the job's per-run budgets
    // first, being older: they go first, so that this upload is the one the job meets.
    await expireArtifactUploads(deps(), new Date(Date.now() + 25 * HOUR), 1000, 1000);
    const artifact = await startMultipart('cron.bin');
    const job = SCHEDULED_JOBS.find((entry) => entry.name === 'artifact-upload-expiry');
    expect(job).toBeDefined();
    const outcomes = await runScheduledJobs(env, new Date(Date.now() + 25 * HOUR), [
      job as (typeof SCHEDULED_JOBS)[number],
    ]);
    expect(outcomes).toEqual([{ name: 'artifact-upload-expiry', ok: true }]);
    expect(await row(artifact.id)).toBeNull();
    expect(
      await auditEvents(org.orgId, { action: 'artifact.expire', subjectId: rowId(artifact.id) }),
    ).toHaveLength(1);
  });
});

// Multipart uploads: create, upload parts (streamed, each of its exact size, each hashed by the
// Worker), resume a failed or wrong part by sending it again, complete by checking the composite
// checksum (SHA-256 of the part digests) without reading the object back, or abort.
import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
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
  ArtifactUploadCreate,
  compositeOf,
  createUpload,
  patternBytes,
  request,
  sha256Hex,
  startUpload,
} from './artifact-client.ts';
import { artifactCounts, artifactRow, r2Keys } from './artifacts-db.ts';

const MiB = 1024 * 1024;
const PART = 5 * MiB;

const ArtifactUploadAbort = /* GraphQL */ `
  mutation ArtifactUploadAbort($input: ArtifactUploadAbortInput!) {
    artifactUploadAbort(input: $input) {
      __typename
      ... on ArtifactUploadAbortPayload { abortedArtifactId modelVersion { version } }
      ... on Error { message path }
    }
  }
`;

const UploadState = /* GraphQL */ `
  query UploadState($id: ID!) {
    artifact(id: $id) {
      status compositeSha256 checksumVerification
      upload { partCount expiresAt uploadedParts { partNumber sizeBytes sha256 } }
    }
  }
`;

let org: TestOrg;
let versionId: string;
// Two full parts and a short last one: 10 MiB + 1234 bytes.
const file = patternBytes(2 * PART + 1234, 5);
const parts = [file.slice(0, PART), file.slice(PART, 2 * PART), file.slice(2 * PART)];

beforeAll(async () => {
  org = await createTestOrg('multipart');
  const model = await seedModel(org, 'big-model');
  versionId = globalId('ModelVersion', (await seedVersion(org, model.id, '2.0.0')).id);
});

async function start(name: string, extra: Record<string, unknown> = {}) {
  return startUpload(org.tokens.EDITOR, {
    versionId,
    name,
    kind: 'WEIGHTS',
    sizeBytes: file.byteLength,
    sha256: await sha256Hex(file),
    multipart: true,
    partSize: PART,
    ...extra,
  });
}

async function putAll(url: string, order: readonly number[], bodies = parts) {
  for (const n of order) {
    const response = await putPart(url, n, bodies[n - 1] as Uint8Array<ArrayBuffer>);
    expect(response.status, await response.clone().text()).toBe(200);
    await response.arrayBuffer();
  }
}

function putPart(
  url: string,
  n: number,
  body: Uint8Array<ArrayBuffer>,
  headers: Record<string, string> = {},
) {
  return request(org.tokens.EDITOR, 'PUT', `${url}/parts/${n}`, { body, headers });
}

function complete(id: string, compositeSha256?: string) {
  return gql(org.tokens.EDITOR, ArtifactUploadComplete, {
    input: { artifactId: id, ...(compositeSha256 ? { compositeSha256 } : {}) },
  }).then((r) => fieldOf(r, 'artifactUploadComplete'));
}

/** The R2 multipart upload behind a pending artifact is gone (aborted): a part can't be added. */
async function r2UploadIsAborted(r2Key: string, uploadId: string) {
  const upload = env.ARTIFACTS.resumeMultipartUpload(r2Key, uploadId);
  return upload.uploadPart(1, new Uint8Array(PART)).then(
    () => false,
    () => true,
  );
}

describe('multipart upload', () => {
  it('uploads parts, resumes a wrong and a corrupted part, completes, and serves ranges across parts', async () => {
    const composite = await compositeOf(parts);
    const artifact = await start('model-00001.safetensors', { compositeSha256: composite });
    expect(artifact.upload).toMatchObject({ isMultipart: true, partSize: PART, partCount: 3 });
    const url = artifact.upload.url;

    // A wrong part: the last part's bytes sent as part 1 (wrong size), refused before R2.
    const wrongSize = await putPart(url, 1, parts[2] as Uint8Array<ArrayBuffer>);
    expect(wrongSize.status).toBe(400);
    expect(await wrongSize.json()).toMatchObject({
      error: {
        code: 'VALIDATION_ERROR',
        message: expect.stringMatching(/Part 1 of 3 must be exactly 5242880 bytes/),
      },
    });
    // A part out of range.
    const outOfRange = await putPart(url, 4, parts[2] as Uint8Array<ArrayBuffer>);
    expect(outOfRange.status).toBe(400);
    expect(await outOfRange.json()).toMatchObject({ error: { code: 'VALIDATION_ERROR' } });
    // A corrupted part: right size, bytes that do not match the part checksum the client sent.
    const corrupted = (parts[1] as Uint8Array<ArrayBuffer>).slice();
    corrupted[1000] = (corrupted[1000] as number) ^ 0xff;
    const bad = await putPart(url, 2, corrupted, {
      'x-part-sha256': await sha256Hex(parts[1] as Uint8Array<ArrayBuffer>),
    });
    expect(bad.status).toBe(422);
    expect(await bad.json()).toMatchObject({
      error: { code: 'CHECKSUM_MISMATCH', checksum: 'PART_SHA256', path: [] },
    });

    for (const [index, n] of [
      [0, 1],
      [2, 3],
    ] as const) {
      const response = await putPart(url, n, parts[index] as Uint8Array<ArrayBuffer>);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({
        partNumber: n,
        sizeBytes: (parts[index] as Uint8Array<ArrayBuffer>).byteLength,
        sha256: await sha256Hex(parts[index] as Uint8Array<ArrayBuffer>),
      });
    }
    // Resuming: the client asks what arrived and sends what is missing.
    const state = fieldOf(
      await gql(org.tokens.VIEWER, UploadState, { id: artifact.id }),
      'artifact',
    );
    expect(state.upload.uploadedParts.map((p: { partNumber: number }) => p.partNumber)).toEqual([
      1, 3,
    ]);
    const early = await complete(artifact.id);
    expect(early).toMatchObject({ __typename: 'ValidationError', path: ['input', 'artifactId'] });
    expect(early.message).toMatch(/Parts missing: 2 \(of 3\)/);

    const resumed = await putPart(url, 2, parts[1] as Uint8Array<ArrayBuffer>, {
      'x-part-sha256': await sha256Hex(parts[1] as Uint8Array<ArrayBuffer>),
    });
    expect(resumed.status).toBe(200);
    // Sending a part again replaces it.
    expect((await putPart(url, 3, parts[2] as Uint8Array<ArrayBuffer>)).status).toBe(200);

    const done = await complete(artifact.id);
    expect(done).toMatchObject({
      __typename: 'ArtifactUploadCompletePayload',
      artifact: {
        status: 'COMPLETE',
        sizeBytes: file.byteLength,
        sha256: await sha256Hex(file),
        compositeSha256: composite,
        checksumVerification: 'PARTS',
        upload: null,
      },
    });
    const row = await artifactRow(rowId(artifact.id));
    expect(row?.status).toBe('COMPLETE');
    expect((await env.ARTIFACTS.head(row?.r2_key ?? ''))?.size).toBe(file.byteLength);
    expect((await artifactCounts(org.orgId)).parts).toBe(0);
    expect(
      await auditEvents(org.orgId, { action: 'artifact.upload', subjectId: rowId(artifact.id) }),
    ).toHaveLength(1);

    const offset = PART - 10;
    const ranged = await request(org.tokens.VIEWER, 'GET', done.artifact.downloadUrl, {
      headers: { range: `bytes=${offset}-${offset + 19}` },
    });
    expect(ranged.status).toBe(206);
    expect(new Uint8Array(await ranged.arrayBuffer())).toEqual(file.slice(offset, offset + 20));
    const whole = await request(org.tokens.VIEWER, 'GET', done.artifact.downloadUrl);
    expect(await sha256Hex(new Uint8Array(await whole.arrayBuffer()))).toBe(await sha256Hex(file));

    // Complete twice, or a part after completion: conflicts, nothing changes.
    expect(await complete(artifact.id)).toMatchObject({ __typename: 'ConflictError' });
    expect((await putPart(url, 1, parts[0] as Uint8Array<ArrayBuffer>)).status).toBe(409);
  });

  it('completes parts sent out of order: the composite follows part numbers, not arrival', async () => {
    const artifact = await start('out-of-order.bin');
    await putAll(artifact.upload.url, [3, 1, 2]);
    const state = fieldOf(
      await gql(org.tokens.VIEWER, UploadState, { id: artifact.id }),
      'artifact',
    );
    expect(state.upload.uploadedParts.map((p: { partNumber: number }) => p.partNumber)).toEqual([
      1, 2, 3,
    ]);
    // Declared at completion this time (not when the upload started).
    const done = await complete(artifact.id, await compositeOf(parts));
    expect(done.__typename, JSON.stringify(done)).toBe('ArtifactUploadCompletePayload');
    const whole = await request(org.tokens.VIEWER, 'GET', done.artifact.downloadUrl);
    expect(await sha256Hex(new Uint8Array(await whole.arrayBuffer()))).toBe(await sha256Hex(file));
  });

  it('fails completion on a wrong part (right size, other bytes, no part checksum sent), leaving nothing registered', async () => {
    const declared = await compositeOf(parts);
    const artifact = await start('wrong-part.bin', { compositeSha256: declared });
    const wrong = (parts[1] as Uint8Array<ArrayBuffer>).slice();
    wrong[PART - 1] = (wrong[PART - 1] as number) ^ 0x01;
    await putAll(artifact.upload.url, [1, 2, 3], [
      parts[0],
      wrong,
      parts[2],
    ] as Uint8Array<ArrayBuffer>[]);
    const row = await artifactRow(rowId(artifact.id));
    const uploadId = (
      await env.DB.prepare('SELECT multipart_upload_id FROM artifact WHERE id = ?')
        .bind(rowId(artifact.id))
        .first<{ multipart_upload_id: string }>()
    )?.multipart_upload_id as string;
    const before = await artifactCounts(org.orgId);
    const result = await complete(artifact.id);
    expect(result).toMatchObject({
      __typename: 'ChecksumMismatchError',
      checksum: 'COMPOSITE_SHA256',
      expected: declared,
      actual: await compositeOf([parts[0], wrong, parts[2]] as Uint8Array<ArrayBuffer>[]),
      path: ['input', 'artifactId'],
    });
    expect(await artifactRow(rowId(artifact.id))).toBeNull();
    expect(await artifactCounts(org.orgId)).toEqual({
      ...before,
      artifacts: before.artifacts - 1,
      parts: before.parts - 3,
    });
    // Nothing was assembled, and R2's upload (with its parts) was aborted.
    expect((await r2Keys(org.orgId)).some((key) => key.includes(rowId(artifact.id)))).toBe(false);
    expect(await r2UploadIsAborted(row?.r2_key ?? '', uploadId)).toBe(true);
    expect(
      await auditEvents(org.orgId, { action: 'artifact.upload', subjectId: rowId(artifact.id) }),
    ).toEqual([]);
  });

  it('fails completion when two parts of equal size were swapped', async () => {
    // (The shared file's full parts happen to be identical bytes, so this one has its own.)
    const own = [patternBytes(PART, 1), patternBytes(PART, 2), patternBytes(10, 3)];
    const artifact = await startUpload(org.tokens.EDITOR, {
      versionId,
      name: 'swapped.bin',
      kind: 'WEIGHTS',
      sizeBytes: 2 * PART + 10,
      sha256: await sha256Hex(new Uint8Array(await new Blob(own).arrayBuffer())),
      multipart: true,
      partSize: PART,
      compositeSha256: await compositeOf(own),
    });
    await putAll(artifact.upload.url, [1, 2, 3], [
      own[1],
      own[0],
      own[2],
    ] as Uint8Array<ArrayBuffer>[]);
    const result = await complete(artifact.id);
    expect(result).toMatchObject({
      __typename: 'ChecksumMismatchError',
      checksum: 'COMPOSITE_SHA256',
      actual: await compositeOf([own[1], own[0], own[2]] as Uint8Array<ArrayBuffer>[]),
    });
    expect(await artifactRow(rowId(artifact.id))).toBeNull();
  });

  it('refuses to complete with a part missing, or without a composite checksum, and keeps the upload', async () => {
    const artifact = await start('missing.bin');
    await putAll(artifact.upload.url, [1, 3]);
    const before = await artifactCounts(org.orgId);
    const noComposite = await complete(artifact.id);
    expect(noComposite).toMatchObject({
      __typename: 'ValidationError',
      path: ['input', 'compositeSha256'],
    });
    expect(noComposite.message).toMatch(/SHA-256 of the 3 parts’ SHA-256 digests/);
    const missing = await complete(artifact.id, await compositeOf(parts));
    expect(missing).toMatchObject({ __typename: 'ValidationError', path: ['input', 'artifactId'] });
    expect(missing.message).toMatch(/Parts missing: 2 \(of 3\)/);
    const malformed = await complete(artifact.id, 'xyz');
    expect(malformed).toMatchObject({
      __typename: 'ValidationError',
      path: ['input', 'compositeSha256'],
    });
    expect(await artifactCounts(org.orgId)).toEqual(before);
    expect((await artifactRow(rowId(artifact.id)))?.status).toBe('PENDING');
    // The missing part arrives: the same upload completes.
    await putAll(artifact.upload.url, [2]);
    expect((await complete(artifact.id, await compositeOf(parts))).__typename).toBe(
      'ArtifactUploadCompletePayload',
    );
  });

  it('refuses a composite at completion that differs from the one declared at the start', async () => {
    const artifact = await start('declared-twice.bin', {
      compositeSha256: await compositeOf(parts),
    });
    await putAll(artifact.upload.url, [1, 2, 3]);
    const result = await complete(artifact.id, await sha256Hex('something else'));
    expect(result).toMatchObject({
      __typename: 'ValidationError',
      path: ['input', 'compositeSha256'],
    });
    expect((await artifactRow(rowId(artifact.id)))?.status).toBe('PENDING');
  });

  it('validates compositeSha256 when an upload starts', async () => {
    const malformed = await createUpload(org.tokens.EDITOR, {
      versionId,
      name: 'bad-composite.bin',
      kind: 'WEIGHTS',
      sizeBytes: file.byteLength,
      sha256: await sha256Hex(file),
      multipart: true,
      partSize: PART,
      compositeSha256: 'g'.repeat(64),
    });
    expect(malformed).toMatchObject({
      __typename: 'ValidationError',
      path: ['input', 'compositeSha256'],
    });
    const single = await createUpload(org.tokens.EDITOR, {
      versionId,
      name: 'single-composite.bin',
      kind: 'WEIGHTS',
      sizeBytes: 3,
      sha256: await sha256Hex('abc'),
      compositeSha256: await sha256Hex('abc'),
    });
    expect(single).toMatchObject({
      __typename: 'ValidationError',
      path: ['input', 'compositeSha256'],
    });
  });

  it('checks a one-part multipart upload against the whole-file SHA-256', async () => {
    const small = patternBytes(1000, 3);
    const good = await startUpload(org.tokens.EDITOR, {
      versionId,
      name: 'one-part.bin',
      kind: 'CONFIG',
      sizeBytes: small.byteLength,
      sha256: await sha256Hex(small),
      multipart: true,
    });
    await putAll(good.upload.url, [1], [small]);
    const done = await complete(good.id);
    expect(done).toMatchObject({
      __typename: 'ArtifactUploadCompletePayload',
      artifact: { checksumVerification: 'WHOLE_FILE', sha256: await sha256Hex(small) },
    });
    const declared = await sha256Hex('not these bytes');
    const bad = await startUpload(org.tokens.EDITOR, {
      versionId,
      name: 'one-part-bad.bin',
      kind: 'CONFIG',
      sizeBytes: small.byteLength,
      sha256: declared,
      multipart: true,
    });
    await putAll(bad.upload.url, [1], [small]);
    expect(await complete(bad.id)).toMatchObject({
      __typename: 'ChecksumMismatchError',
      checksum: 'SHA256',
      expected: declared,
      actual: await sha256Hex(small),
    });
    expect(await artifactRow(rowId(bad.id))).toBeNull();
  });

  it('aborts a pending upload and frees its name; a complete one is not aborted', async () => {
    const artifact = await start('aborted.bin');
    expect(
      (await putPart(artifact.upload.url, 1, parts[0] as Uint8Array<ArrayBuffer>)).status,
    ).toBe(200);
    const aborted = fieldOf(
      await gql(org.tokens.EDITOR, ArtifactUploadAbort, { input: { artifactId: artifact.id } }),
      'artifactUploadAbort',
    );
    expect(aborted).toMatchObject({
      __typename: 'ArtifactUploadAbortPayload',
      abortedArtifactId: artifact.id,
      modelVersion: { version: '2.0.0' },
    });
    expect(await artifactRow(rowId(artifact.id))).toBeNull();
    expect(
      (await putPart(artifact.upload.url, 2, parts[1] as Uint8Array<ArrayBuffer>)).status,
    ).toBe(404);
    const again = fieldOf(
      await gql(org.tokens.EDITOR, ArtifactUploadAbort, { input: { artifactId: artifact.id } }),
      'artifactUploadAbort',
    );
    expect(again.__typename).toBe('NotFoundError');
    await start('aborted.bin');
  });

  it('refuses PUT of a whole body to a multipart upload and parts to a single one', async () => {
    const multipart = await start('shape.bin');
    const whole = await request(org.tokens.EDITOR, 'PUT', multipart.upload.url, { body: file });
    expect(whole.status).toBe(409);
    const small = patternBytes(10);
    const single = fieldOf(
      await gql(org.tokens.EDITOR, ArtifactUploadCreate, {
        input: {
          versionId,
          name: 'small.bin',
          kind: 'OTHER',
          sizeBytes: 10,
          sha256: await sha256Hex(small),
        },
      }),
      'artifactUploadCreate',
    );
    const part = await request(org.tokens.EDITOR, 'PUT', `${single.artifact.upload.url}/parts/1`, {
      body: small,
    });
    expect(part.status).toBe(409);
    const completeSingle = await complete(single.artifact.id);
    expect(completeSingle).toMatchObject({ __typename: 'ValidationError' });
  });
});

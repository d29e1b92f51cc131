// Multipart uploads: create, upload parts (streamed, each of its exact size), resume a failed or
// wrong part by sending it again, complete with a whole-file SHA-256 check, or abort.
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
    artifact(id: $id) { status upload { partCount uploadedParts { partNumber sizeBytes sha256 } } }
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

async function start(name: string, sha256?: string) {
  return startUpload(org.tokens.EDITOR, {
    versionId,
    name,
    kind: 'WEIGHTS',
    sizeBytes: file.byteLength,
    sha256: sha256 ?? (await sha256Hex(file)),
    multipart: true,
    partSize: PART,
  });
}

function putPart(
  url: string,
  n: number,
  body: Uint8Array<ArrayBuffer>,
  headers: Record<string, string> = {},
) {
  return request(org.tokens.EDITOR, 'PUT', `${url}/parts/${n}`, { body, headers });
}

function complete(id: string) {
  return gql(org.tokens.EDITOR, ArtifactUploadComplete, { input: { artifactId: id } }).then((r) =>
    fieldOf(r, 'artifactUploadComplete'),
  );
}

describe('multipart upload', () => {
  it('uploads parts, resumes a wrong and a corrupted part, completes, and serves ranges across parts', async () => {
    const artifact = await start('model-00001.safetensors');
    expect(artifact.upload).toMatchObject({ isMultipart: true, partSize: PART, partCount: 3 });
    const url = artifact.upload.url;

    // A wrong part: the last part's bytes sent as part 1 (wrong size), refused before R2.
    const wrongSize = await putPart(url, 1, parts[2] as Uint8Array<ArrayBuffer>);
    expect(wrongSize.status).toBe(400);
    expect(((await wrongSize.json()) as { error: string }).error).toMatch(
      /Part 1 of 3 must be exactly 5242880 bytes/,
    );
    // A part out of range.
    const outOfRange = await putPart(url, 4, parts[2] as Uint8Array<ArrayBuffer>);
    expect(outOfRange.status).toBe(400);
    // A corrupted part: right size, bytes that do not match the part checksum the client sent.
    const corrupted = (parts[1] as Uint8Array<ArrayBuffer>).slice();
    corrupted[1000] = (corrupted[1000] as number) ^ 0xff;
    const bad = await putPart(url, 2, corrupted, {
      'x-part-sha256': await sha256Hex(parts[1] as Uint8Array<ArrayBuffer>),
    });
    expect(bad.status).toBe(422);
    expect(await bad.json()).toMatchObject({ code: 'CHECKSUM_MISMATCH' });

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
      artifact: { status: 'COMPLETE', sizeBytes: file.byteLength, upload: null },
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

  it('fails completion when the assembled file does not match the declared SHA-256, leaving nothing registered', async () => {
    const declared = await sha256Hex('not this file');
    const artifact = await start('mismatch.safetensors', declared);
    for (const [index, part] of parts.entries()) {
      expect((await putPart(artifact.upload.url, index + 1, part)).status).toBe(200);
    }
    const before = await artifactCounts(org.orgId);
    const result = await complete(artifact.id);
    expect(result).toMatchObject({
      __typename: 'ChecksumMismatchError',
      expected: declared,
      actual: await sha256Hex(file),
      path: ['input', 'artifactId'],
    });
    expect(await artifactRow(rowId(artifact.id))).toBeNull();
    expect(await artifactCounts(org.orgId)).toEqual({
      ...before,
      artifacts: before.artifacts - 1,
      parts: before.parts - 3,
    });
    expect((await r2Keys(org.orgId)).some((key) => key.includes(rowId(artifact.id)))).toBe(false);
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

// Single-request uploads and downloads: streamed to and from R2, verified against the declared
// SHA-256, write-once per version, scoped to the organization.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  auditEvents,
  fieldOf,
  globalId,
  rowId,
  seedModel,
  seedVersion,
  unknownId,
} from '../helpers/fixtures.ts';
import { createTestOrg, gql, type TestOrg } from '../helpers/graphql.ts';
import {
  createUpload,
  patternBytes,
  request,
  sha256Hex,
  startUpload,
  uploadFile,
} from './artifact-client.ts';
import { artifactCounts, artifactRow, r2Keys } from './artifacts-db.ts';

const VersionArtifacts = /* GraphQL */ `
  query VersionArtifacts($id: ID!) {
    node(id: $id) {
      ... on ModelVersion {
        artifacts(first: 10) {
          edges { node { id name kind status sizeBytes sha256 contentType downloadUrl upload { url } createdBy { name } } }
          pageInfo { hasNextPage }
        }
      }
    }
  }
`;

const ArtifactById = /* GraphQL */ `
  query ArtifactById($id: ID!) {
    artifact(id: $id) { id name status modelVersion { version } }
  }
`;

const ArtifactDelete = /* GraphQL */ `
  mutation ArtifactDelete($input: ArtifactDeleteInput!) {
    artifactDelete(input: $input) {
      __typename
      ... on ArtifactDeletePayload { deletedArtifactId modelVersion { version } }
      ... on Error { message path }
    }
  }
`;

let org: TestOrg;
let other: TestOrg;
let versionId: string;
let versionRowId: string;

beforeAll(async () => {
  org = await createTestOrg('artifacts');
  other = await createTestOrg('artifacts-other');
  const model = await seedModel(org, 'llama-ft');
  const version = await seedVersion(org, model.id, '1.0.0');
  versionRowId = version.id;
  versionId = globalId('ModelVersion', version.id);
});

describe('single-request upload', () => {
  it('streams a file to R2 under the org/model/version key and lists it once verified', async () => {
    const bytes = patternBytes(300_000);
    const artifact = await startUpload(org.tokens.EDITOR, {
      versionId,
      name: 'weights/model.safetensors',
      kind: 'WEIGHTS',
      contentType: 'application/octet-stream',
      sizeBytes: bytes.byteLength,
      sha256: await sha256Hex(bytes),
    });
    expect(artifact.status).toBe('PENDING');
    expect(artifact.upload).toMatchObject({ isMultipart: false, partSize: null, partCount: 1 });

    // Pending uploads are not listed.
    const before = fieldOf(
      await gql(org.tokens.VIEWER, VersionArtifacts, { id: versionId }),
      'node',
    );
    expect(before.artifacts.edges.map((e: { node: { id: string } }) => e.node.id)).not.toContain(
      artifact.id,
    );

    const put = await request(org.tokens.EDITOR, 'PUT', artifact.upload.url, { body: bytes });
    expect(put.status).toBe(201);
    expect(await put.json()).toMatchObject({ status: 'COMPLETE', sizeBytes: 300_000 });

    const row = await artifactRow(rowId(artifact.id));
    expect(row).toMatchObject({ status: 'COMPLETE', size_bytes: 300_000 });
    expect(row?.r2_key).toMatch(
      new RegExp(
        `^orgs/${org.orgId}/models/[0-9a-f-]+/versions/${versionRowId}/artifacts/${rowId(artifact.id)}/weights%2Fmodel.safetensors$`,
      ),
    );
    const stored = await (await import('cloudflare:test')).env.ARTIFACTS.head(row?.r2_key ?? '');
    expect(stored?.size).toBe(300_000);

    const listed = fieldOf(
      await gql(org.tokens.VIEWER, VersionArtifacts, { id: versionId }),
      'node',
    );
    const node = listed.artifacts.edges.find(
      (e: { node: { id: string } }) => e.node.id === artifact.id,
    )?.node;
    expect(node).toMatchObject({
      name: 'weights/model.safetensors',
      kind: 'WEIGHTS',
      status: 'COMPLETE',
      sizeBytes: 300_000,
      sha256: await sha256Hex(bytes),
      downloadUrl: `/artifacts/${rowId(artifact.id)}`,
      upload: null,
      createdBy: { name: 'EDITOR user' },
    });
    const [audit] = await auditEvents(org.orgId, {
      action: 'artifact.upload',
      subjectId: rowId(artifact.id),
    });
    expect(audit?.after).toMatchObject({ name: 'weights/model.safetensors', sizeBytes: 300_000 });
  });

  it('downloads the whole file, byte for byte, with its checksum headers', async () => {
    const bytes = patternBytes(70_000, 3);
    const { url } = await uploadFile(org.tokens.EDITOR, versionId, 'download.bin', bytes);
    const response = await request(org.tokens.VIEWER, 'GET', url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-length')).toBe('70000');
    expect(response.headers.get('accept-ranges')).toBe('bytes');
    expect(response.headers.get('x-checksum-sha256')).toBe(await sha256Hex(bytes));
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(bytes);

    const head = await request(org.tokens.VIEWER, 'HEAD', url);
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe('70000');
    expect((await head.arrayBuffer()).byteLength).toBe(0);
  });

  it('serves byte ranges (206), suffixes and open ends, and refuses unsatisfiable ones (416)', async () => {
    const bytes = patternBytes(10_000, 11);
    const { url } = await uploadFile(org.tokens.EDITOR, versionId, 'ranges.bin', bytes);
    const cases: [string, number, number][] = [
      ['bytes=0-99', 0, 100],
      ['bytes=9990-', 9990, 10_000],
      ['bytes=-25', 9975, 10_000],
      ['bytes=5000-5000', 5000, 5001],
      ['bytes=9000-20000', 9000, 10_000],
    ];
    for (const [range, start, end] of cases) {
      const response = await request(org.tokens.VIEWER, 'GET', url, { headers: { range } });
      expect(response.status, range).toBe(206);
      expect(response.headers.get('content-range'), range).toBe(`bytes ${start}-${end - 1}/10000`);
      expect(response.headers.get('content-length'), range).toBe(String(end - start));
      expect(new Uint8Array(await response.arrayBuffer()), range).toEqual(bytes.slice(start, end));
    }
    for (const range of ['bytes=10000-', 'bytes=20000-30000', 'bytes=-0']) {
      const response = await request(org.tokens.VIEWER, 'GET', url, { headers: { range } });
      expect(response.status, range).toBe(416);
      expect(response.headers.get('content-range'), range).toBe('bytes */10000');
      await response.arrayBuffer();
    }
    // Several ranges or another unit: ignored, the whole file is served (RFC 9110 allows it).
    for (const range of ['bytes=0-1,5-6', 'items=0-1', 'bytes=5-2']) {
      const response = await request(org.tokens.VIEWER, 'GET', url, { headers: { range } });
      expect(response.status, range).toBe(200);
      expect((await response.arrayBuffer()).byteLength, range).toBe(10_000);
    }
  });

  it('uploads and downloads an empty file', async () => {
    const { url } = await uploadFile(org.tokens.EDITOR, versionId, 'empty.txt', new Uint8Array(0));
    const response = await request(org.tokens.VIEWER, 'GET', url);
    expect(response.status).toBe(200);
    expect((await response.arrayBuffer()).byteLength).toBe(0);
  });
});

describe('checksums and sizes', () => {
  it('discards an upload whose bytes do not match the declared SHA-256: nothing registered, nothing stored', async () => {
    const bytes = patternBytes(50_000);
    const artifact = await startUpload(org.tokens.EDITOR, {
      versionId,
      name: 'corrupt.bin',
      kind: 'CHECKPOINT',
      sizeBytes: bytes.byteLength,
      sha256: await sha256Hex('something else'),
    });
    const before = await artifactCounts(org.orgId);
    const keysBefore = await r2Keys(org.orgId);
    const put = await request(org.tokens.EDITOR, 'PUT', artifact.upload.url, { body: bytes });
    expect(put.status).toBe(422);
    expect(await put.json()).toMatchObject({
      error: { code: 'CHECKSUM_MISMATCH', checksum: 'SHA256', path: [] },
    });
    expect(await artifactRow(rowId(artifact.id))).toBeNull();
    const after = await artifactCounts(org.orgId);
    expect(after).toEqual({ ...before, artifacts: before.artifacts - 1 });
    expect(await r2Keys(org.orgId)).toEqual(keysBefore);
    // The name is free again.
    await uploadFile(org.tokens.EDITOR, versionId, 'corrupt.bin', bytes);
  });

  it('refuses a body of another size than declared, and keeps the upload pending for a retry', async () => {
    const bytes = patternBytes(1000);
    const artifact = await startUpload(org.tokens.EDITOR, {
      versionId,
      name: 'sized.bin',
      kind: 'OTHER',
      sizeBytes: 1000,
      sha256: await sha256Hex(bytes),
    });
    const short = await request(org.tokens.EDITOR, 'PUT', artifact.upload.url, {
      body: bytes.slice(0, 999),
    });
    expect(short.status).toBe(400);
    expect(await short.json()).toMatchObject({
      error: { code: 'VALIDATION_ERROR', message: expect.stringMatching(/exactly 1000 bytes/) },
    });
    expect((await artifactRow(rowId(artifact.id)))?.status).toBe('PENDING');
    const retry = await request(org.tokens.EDITOR, 'PUT', artifact.upload.url, { body: bytes });
    expect(retry.status).toBe(201);
  });
});

describe('immutability', () => {
  it('refuses to overwrite an artifact of a version (ConflictError) and a second PUT (409)', async () => {
    const bytes = patternBytes(100);
    const { url } = await uploadFile(org.tokens.EDITOR, versionId, 'config.json', bytes);
    const before = await artifactCounts(org.orgId);
    const again = await createUpload(org.tokens.EDITOR, {
      versionId,
      name: 'config.json',
      kind: 'CONFIG',
      sizeBytes: 100,
      sha256: await sha256Hex(bytes),
    });
    expect(again).toMatchObject({ __typename: 'ConflictError', path: ['input', 'name'] });
    expect(again.message).toMatch(/immutable/);
    const put = await request(org.tokens.EDITOR, 'PUT', url, { body: bytes });
    expect(put.status).toBe(409);
    expect(await artifactCounts(org.orgId)).toEqual(before);
  });

  it('refuses a second upload of a name while the first is pending', async () => {
    const input = {
      versionId,
      name: 'pending.bin',
      kind: 'OTHER',
      sizeBytes: 1,
      sha256: 'a'.repeat(64),
    };
    await startUpload(org.tokens.EDITOR, input);
    const second = await createUpload(org.tokens.EDITOR, input);
    expect(second).toMatchObject({ __typename: 'ConflictError', path: ['input', 'name'] });
    expect(second.message).toMatch(/in progress/);
  });
});

describe('input validation', () => {
  const valid = () => ({
    versionId,
    name: 'v.bin',
    kind: 'OTHER',
    sizeBytes: 10,
    sha256: 'b'.repeat(64),
  });
  const cases: [string, Record<string, unknown>, string[], string][] = [
    ['a malformed sha256', { sha256: 'xyz' }, ['input', 'sha256'], 'ValidationError'],
    ['a negative size', { sizeBytes: -1 }, ['input', 'sizeBytes'], 'ValidationError'],
    ['a fractional size', { sizeBytes: 1.5 }, ['input', 'sizeBytes'], 'ValidationError'],
    ['an empty name', { name: '  ' }, ['input', 'name'], 'ValidationError'],
    ['a name escaping its folder', { name: '../etc/passwd' }, ['input', 'name'], 'ValidationError'],
    ['an absolute name', { name: '/abs' }, ['input', 'name'], 'ValidationError'],
    [
      'a bad content type',
      { contentType: 'not a type' },
      ['input', 'contentType'],
      'ValidationError',
    ],
    [
      'a part size below 5 MiB',
      { multipart: true, partSize: 1024 },
      ['input', 'partSize'],
      'ValidationError',
    ],
    [
      'a part size above a request body',
      { multipart: true, sizeBytes: 1e9, partSize: 2e8 },
      ['input', 'partSize'],
      'ValidationError',
    ],
    [
      'more than 10,000 parts',
      { sizeBytes: 6e11, partSize: 5 * 1024 * 1024 },
      ['input', 'partSize'],
      'ValidationError',
    ],
    [
      'a single PUT above 100 MB',
      { sizeBytes: 100_000_001, multipart: false },
      ['input', 'sizeBytes'],
      'ValidationError',
    ],
    [
      'an empty multipart file',
      { sizeBytes: 0, multipart: true },
      ['input', 'multipart'],
      'ValidationError',
    ],
    [
      'an unknown version',
      { versionId: unknownId('ModelVersion') },
      ['input', 'versionId'],
      'NotFoundError',
    ],
    [
      'a model id as version',
      { versionId: unknownId('Model') },
      ['input', 'versionId'],
      'NotFoundError',
    ],
  ];
  for (const [label, change, path, type] of cases) {
    it(`answers ${label} with a ${type} on ${path.join('.')} and writes nothing`, async () => {
      const before = await artifactCounts(org.orgId);
      const keys = await r2Keys(org.orgId);
      const result = await createUpload(org.tokens.EDITOR, { ...valid(), ...change });
      expect(result).toMatchObject({ __typename: type, path });
      expect(await artifactCounts(org.orgId)).toEqual(before);
      expect(await r2Keys(org.orgId)).toEqual(keys);
    });
  }
});

describe('access', () => {
  it('hides artifacts from other organizations: 404 on download and upload, null by id, NotFound on create', async () => {
    const bytes = patternBytes(64);
    const { id, url } = await uploadFile(org.tokens.EDITOR, versionId, 'secret.bin', bytes);
    for (const method of ['GET', 'HEAD']) {
      const response = await request(other.tokens.ADMIN, method, url);
      expect(response.status, method).toBe(404);
      await response.arrayBuffer();
    }
    const put = await request(other.tokens.ADMIN, 'PUT', url, { body: bytes });
    expect(put.status).toBe(404);
    expect(fieldOf(await gql(other.tokens.ADMIN, ArtifactById, { id }), 'artifact')).toBeNull();
    const NodeById = /* GraphQL */ `query NodeById($id: ID!) { node(id: $id) { id ... on Artifact { name } } }`;
    expect(fieldOf(await gql(other.tokens.ADMIN, NodeById, { id }), 'node')).toBeNull();
    expect(fieldOf(await gql(org.tokens.VIEWER, NodeById, { id }), 'node')).toEqual({
      id,
      name: 'secret.bin',
    });
    expect(fieldOf(await gql(org.tokens.VIEWER, ArtifactById, { id }), 'artifact')).toMatchObject({
      name: 'secret.bin',
      modelVersion: { version: '1.0.0' },
    });
    const before = await artifactCounts(other.orgId);
    const create = await createUpload(other.tokens.ADMIN, {
      versionId,
      name: 'intrusion.bin',
      kind: 'OTHER',
      sizeBytes: 1,
      sha256: 'c'.repeat(64),
    });
    expect(create).toMatchObject({ __typename: 'NotFoundError', path: ['input', 'versionId'] });
    expect(await artifactCounts(other.orgId)).toEqual(before);
    const deleted = fieldOf(
      await gql(other.tokens.ADMIN, ArtifactDelete, { input: { artifactId: id } }),
      'artifactDelete',
    );
    expect(deleted.__typename).toBe('NotFoundError');
  });

  it('requires a token (401) and the editor role to upload (403)', async () => {
    const bytes = patternBytes(10);
    const artifact = await startUpload(org.tokens.EDITOR, {
      versionId,
      name: 'roles.bin',
      kind: 'OTHER',
      sizeBytes: 10,
      sha256: await sha256Hex(bytes),
    });
    const anonymous = await request(null, 'GET', artifact.upload.url);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer');
    expect(await anonymous.json()).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
    const bad = await request('mr_notatoken', 'PUT', artifact.upload.url, { body: bytes });
    expect(bad.status).toBe(401);
    const viewer = await request(org.tokens.VIEWER, 'PUT', artifact.upload.url, { body: bytes });
    expect(viewer.status).toBe(403);
    expect(await viewer.json()).toMatchObject({ error: { code: 'FORBIDDEN', path: [] } });
    expect((await artifactRow(rowId(artifact.id)))?.status).toBe('PENDING');
    const create = await gql(
      org.tokens.VIEWER,
      /* GraphQL */ `
      mutation { artifactUploadCreate(input: { versionId: "${versionId}", name: "x", kind: OTHER, sizeBytes: 1, sha256: "${'d'.repeat(64)}" }) { __typename } }
    `,
    );
    expect(create.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('answers unknown routes and methods clearly', async () => {
    const missingId = crypto.randomUUID();
    const missing = await request(org.tokens.VIEWER, 'GET', `/artifacts/${missingId}`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({
      error: { code: 'NOT_FOUND', resource_id: globalId('Artifact', missingId) },
    });
    const malformed = await request(org.tokens.VIEWER, 'GET', '/artifacts/not-an-id');
    expect(malformed.status).toBe(404);
    const method = await request(org.tokens.VIEWER, 'DELETE', `/artifacts/${crypto.randomUUID()}`);
    expect(method.status).toBe(405);
    expect(method.headers.get('allow')).toBe('GET, HEAD, PUT');
    expect(await method.json()).toMatchObject({ error: { code: 'METHOD_NOT_ALLOWED' } });
    const pending = await startUpload(org.tokens.EDITOR, {
      versionId,
      name: 'not-yet.bin',
      kind: 'OTHER',
      sizeBytes: 5,
      sha256: 'e'.repeat(64),
    });
    const early = await request(org.tokens.VIEWER, 'GET', pending.upload.url);
    expect(early.status).toBe(404);
  });
});

describe('deletion', () => {
  it('is for administrators only, and is audited in the same batch as the delete', async () => {
    const bytes = patternBytes(500);
    const {
      id,
      rowId: artifactRowId,
      url,
    } = await uploadFile(org.tokens.EDITOR, versionId, 'to-delete.bin', bytes);
    const row = await artifactRow(artifactRowId);
    const editor = await gql(org.tokens.EDITOR, ArtifactDelete, { input: { artifactId: id } });
    expect(editor.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await artifactRow(artifactRowId)).not.toBeNull();

    const result = fieldOf(
      await gql(org.tokens.ADMIN, ArtifactDelete, {
        input: { artifactId: id, reason: 'leaked credentials in the checkpoint' },
      }),
      'artifactDelete',
    );
    expect(result).toMatchObject({
      __typename: 'ArtifactDeletePayload',
      deletedArtifactId: id,
      modelVersion: { version: '1.0.0' },
    });
    expect(await artifactRow(artifactRowId)).toBeNull();
    const { env } = await import('cloudflare:test');
    expect(await env.ARTIFACTS.head(row?.r2_key ?? '')).toBeNull();
    const [audit] = await auditEvents(org.orgId, {
      action: 'artifact.delete',
      subjectId: artifactRowId,
    });
    expect(audit).toMatchObject({
      actor_id: org.admin.userId,
      reason: 'leaked credentials in the checkpoint',
      before: { name: 'to-delete.bin', sizeBytes: 500 },
    });
    const gone = await request(org.tokens.VIEWER, 'GET', url);
    expect(gone.status).toBe(404);
    const twice = fieldOf(
      await gql(org.tokens.ADMIN, ArtifactDelete, { input: { artifactId: id } }),
      'artifactDelete',
    );
    expect(twice.__typename).toBe('NotFoundError');
  });
});

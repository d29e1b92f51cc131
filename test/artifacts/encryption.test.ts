// SSE-C with customer-provided keys. Miniflare checks the key's length and otherwise ignores it
// (objects are stored in plain text), so these tests check what the Worker does: which uploads get
// a key, that the key id is recorded, and that reads refuse when the key changed or vanished.
import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import worker from '../../src/index.ts';
import { artifactKeyFor } from '../../src/registry/artifact/encryption.ts';
import { globalId, rowId, seedModel, seedVersion } from '../helpers/fixtures.ts';
import { createTestOrg, type TestOrg } from '../helpers/graphql.ts';
import { ArtifactUploadCreate, patternBytes, sha256Hex } from './artifact-client.ts';
import { artifactRow } from './artifacts-db.ts';

let org: TestOrg;
let plain: TestOrg;
let versionId: string;
let plainVersionId: string;
const KEY = 'ab'.repeat(32);

beforeAll(async () => {
  org = await createTestOrg('ssec');
  plain = await createTestOrg('ssec-plain');
  const model = await seedModel(org, 'secret-model');
  versionId = globalId('ModelVersion', (await seedVersion(org, model.id, '1.0.0')).id);
  const plainModel = await seedModel(plain, 'open-model');
  plainVersionId = globalId('ModelVersion', (await seedVersion(plain, plainModel.id, '1.0.0')).id);
});

/** Calls the Worker with a given ARTIFACT_SSEC_KEYS secret (or none). */
async function call(secret: string | undefined, token: string, path: string, init: RequestInit) {
  const ctx = createExecutionContext();
  const response = await worker.fetch(
    new Request(`http://registry.test${path}`, {
      ...init,
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        ...init.headers,
      },
    }) as unknown as Parameters<typeof worker.fetch>[0],
    { ...env, ...(secret === undefined ? {} : { ARTIFACT_SSEC_KEYS: secret }) } as Env,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return response;
}

async function upload(secret: string, token: string, version: string, name: string) {
  const bytes = patternBytes(2048);
  const created = await call(secret, token, '/graphql', {
    method: 'POST',
    body: JSON.stringify({
      query: ArtifactUploadCreate,
      variables: {
        input: {
          versionId: version,
          name,
          kind: 'WEIGHTS',
          sizeBytes: 2048,
          sha256: await sha256Hex(bytes),
        },
      },
    }),
  });
  const artifact = (
    (await created.json()) as {
      data: {
        artifactUploadCreate: {
          artifact: { id: string; isEncrypted: boolean; upload: { url: string } };
        };
      };
    }
  ).data.artifactUploadCreate.artifact;
  const put = await call(secret, token, artifact.upload.url, {
    method: 'PUT',
    body: bytes,
    headers: { 'content-length': String(bytes.byteLength) },
  });
  expect(put.status, await put.clone().text()).toBe(201);
  return { artifact, bytes };
}

describe('customer-provided keys (SSE-C)', () => {
  it('encrypts the artifacts of an organization that has a key, and records which key', async () => {
    const secret = JSON.stringify({ [org.orgId]: KEY });
    const { artifact, bytes } = await upload(secret, org.tokens.EDITOR, versionId, 'enc.bin');
    expect(artifact.isEncrypted).toBe(true);
    const row = await artifactRow(rowId(artifact.id));
    expect(row?.encryption_key_id).toBe((await artifactKeyFor(secret, org.orgId))?.keyId);
    expect(row?.encryption_key_id).toMatch(/^[0-9a-f]{16}$/);

    const read = await call(secret, org.tokens.VIEWER, artifact.upload.url, { method: 'GET' });
    expect(read.status).toBe(200);
    expect(new Uint8Array(await read.arrayBuffer())).toEqual(bytes);

    // The key was rotated away or removed: refuse rather than hand R2 the wrong key.
    const rotated = JSON.stringify({ [org.orgId]: 'cd'.repeat(32) });
    for (const other of [rotated, undefined]) {
      const refused = await call(other, org.tokens.VIEWER, artifact.upload.url, { method: 'GET' });
      expect(refused.status).toBe(409);
      expect(await refused.json()).toMatchObject({
        error: { code: 'CONFLICT', message: expect.stringMatching(/no longer configured/) },
      });
    }
  });

  it('leaves organizations without a key unencrypted', async () => {
    const secret = JSON.stringify({ [org.orgId]: KEY });
    const { artifact } = await upload(secret, plain.tokens.EDITOR, plainVersionId, 'plain.bin');
    expect(artifact.isEncrypted).toBe(false);
    expect((await artifactRow(rowId(artifact.id)))?.encryption_key_id).toBeNull();
  });

  it('refuses malformed secrets instead of storing without the intended key', async () => {
    await expect(artifactKeyFor('not json', org.orgId)).rejects.toThrow(/not JSON/);
    await expect(artifactKeyFor('[]', org.orgId)).rejects.toThrow(/JSON object/);
    await expect(artifactKeyFor(JSON.stringify({ [org.orgId]: 'abc' }), org.orgId)).rejects.toThrow(
      /64 hex/,
    );
    expect(await artifactKeyFor(JSON.stringify({ other: KEY }), org.orgId)).toBeNull();
    expect(await artifactKeyFor(undefined, org.orgId)).toBeNull();
    const response = await call('not json', org.tokens.EDITOR, '/graphql', {
      method: 'POST',
      body: JSON.stringify({
        query: ArtifactUploadCreate,
        variables: {
          input: { versionId, name: 'x.bin', kind: 'OTHER', sizeBytes: 1, sha256: 'a'.repeat(64) },
        },
      }),
    });
    const body = (await response.json()) as { errors?: { message: string }[] };
    expect(body.errors?.[0]?.message).toBe('Unexpected error.');
    const row = await env.DB.prepare(
      "SELECT count(*) AS n FROM artifact WHERE org_id = ? AND name = 'x.bin'",
    )
      .bind(org.orgId)
      .first<{ n: number }>();
    expect(row?.n).toBe(0);
  });
});

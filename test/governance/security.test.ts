// The SECURITY check against the registry's own artifacts: real uploads through the artifact routes,
// then R2 tampered with directly, as an operator or an incident would.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { startUpload, uploadFile } from '../artifacts/artifact-client.ts';
import { fieldOf, globalId, seedModel, seedVersion } from '../helpers/fixtures.ts';
import { createTestOrg, gql, type TestOrg } from '../helpers/graphql.ts';

const SecurityCheck = /* GraphQL */ `
  mutation SecurityCheck($versionId: ID!) {
    complianceCheckRun(input: { versionId: $versionId, checks: [SECURITY] }) {
      __typename
      ... on ComplianceCheckRunPayload {
        checks { type status summary details findings { code message subjectId } }
      }
      ... on Error { message path }
    }
  }
`;

interface Finding {
  code: string;
  message: string;
  subjectId: string | null;
}

const OWNED = { metadata: { modelCard: { owner: 'ml-platform' } } };

async function givenVersion(
  org: TestOrg,
  options: { owner?: boolean; versionMetadata?: Record<string, unknown> } = {},
) {
  const model = await seedModel(
    org,
    `m-${crypto.randomUUID()}`,
    options.owner === false ? {} : OWNED,
  );
  const version = await seedVersion(org, model.id, '1.0.0', {
    ...(options.versionMetadata && { metadata: options.versionMetadata }),
  });
  return globalId('ModelVersion', version.id);
}

async function upload(org: TestOrg, versionGid: string, name = 'model.safetensors', size = 4096) {
  const bytes = new Uint8Array(size);
  crypto.getRandomValues(bytes);
  const uploaded = await uploadFile(org.tokens.EDITOR, versionGid, name, bytes);
  const row = await env.DB.prepare('SELECT r2_key, size_bytes, sha256 FROM artifact WHERE id = ?')
    .bind(uploaded.rowId)
    .first<{ r2_key: string; size_bytes: number; sha256: string }>();
  if (!row) throw new Error('artifact not registered');
  return { ...uploaded, key: row.r2_key, sha256: row.sha256, bytes };
}

async function security(org: TestOrg, versionGid: string) {
  const result = fieldOf(
    await gql(org.tokens.EDITOR, SecurityCheck, { versionId: versionGid }),
    'complianceCheckRun',
  );
  expect(result.__typename, JSON.stringify(result)).toBe('ComplianceCheckRunPayload');
  return result.checks[0] as {
    status: string;
    summary: string;
    details: Record<string, unknown>;
    findings: Finding[];
  };
}

const codes = (findings: Finding[]) => findings.map((finding) => finding.code);

describe('SECURITY on registered artifacts', () => {
  it('passes a version whose uploaded artifact is in R2 with its size and checksum, and an owner', async () => {
    // given
    const org = await createTestOrg();
    const versionGid = await givenVersion(org);
    const artifact = await upload(org, versionGid);

    // when
    const check = await security(org, versionGid);

    // then
    expect(check.status).toBe('PASSED');
    expect(check.findings).toEqual([]);
    expect(check.details).toMatchObject({
      artifacts: [
        {
          name: 'model.safetensors',
          sha256: artifact.sha256,
          sizeBytes: 4096,
          presence: 'FOUND',
          storedSizeBytes: 4096,
        },
      ],
      owner: 'ml-platform',
    });
  });

  it('fails a version with no artifact', async () => {
    // given
    const org = await createTestOrg();
    const versionGid = await givenVersion(org);

    // when
    const check = await security(org, versionGid);

    // then
    expect(check.status).toBe('FAILED');
    expect(codes(check.findings)).toEqual(['NO_ARTIFACT']);
    expect(check.summary).toBe('Missing: NO_ARTIFACT');
  });

  it('does not count an upload that was started but never completed (checksum unverified)', async () => {
    // given an upload reserved with a declared checksum, and no bytes sent
    const org = await createTestOrg();
    const versionGid = await givenVersion(org);
    await startUpload(org.tokens.EDITOR, {
      versionId: versionGid,
      name: 'model.bin',
      kind: 'WEIGHTS',
      sizeBytes: 10,
      sha256: 'c'.repeat(64),
    });

    // when
    const check = await security(org, versionGid);

    // then
    expect(check.status).toBe('FAILED');
    expect(codes(check.findings)).toEqual(['NO_ARTIFACT']);
    expect(check.findings[0]?.message).toContain('1 upload(s) started but not completed');
  });

  it('cannot hold an artifact without a checksum: the table refuses it', async () => {
    // given a version with a complete artifact
    const org = await createTestOrg();
    const versionGid = await givenVersion(org);
    const artifact = await upload(org, versionGid);

    // when its checksum is erased or truncated in place
    const erase = (value: string | null) =>
      env.DB.prepare('UPDATE artifact SET sha256 = ? WHERE id = ?')
        .bind(value, artifact.rowId)
        .run();

    // then D1 refuses both, and the check still passes on the intact record
    await expect(erase(null)).rejects.toThrow(/NOT NULL/);
    await expect(erase('abc')).rejects.toThrow(/CHECK/);
    expect((await security(org, versionGid)).status).toBe('PASSED');
  });

  it('fails, naming the artifact, when its object is gone from R2', async () => {
    // given
    const org = await createTestOrg();
    const versionGid = await givenVersion(org);
    const artifact = await upload(org, versionGid);
    await env.ARTIFACTS.delete(artifact.key);

    // when
    const check = await security(org, versionGid);

    // then
    expect(check.status).toBe('FAILED');
    expect(check.findings).toEqual([
      {
        code: 'ARTIFACT_MISSING',
        message: `Artifact "model.safetensors" is not in the artifact store (${artifact.key})`,
        subjectId: artifact.id,
      },
    ]);
  });

  it('fails when the stored object has another size than recorded', async () => {
    // given the object replaced by a shorter one
    const org = await createTestOrg();
    const versionGid = await givenVersion(org);
    const artifact = await upload(org, versionGid);
    await env.ARTIFACTS.put(artifact.key, artifact.bytes.slice(0, 1000));

    // when
    const check = await security(org, versionGid);

    // then
    expect(check.status).toBe('FAILED');
    expect(check.findings).toEqual([
      {
        code: 'SIZE_MISMATCH',
        message:
          'Artifact "model.safetensors" has 1000 bytes in the store; the registry recorded 4096',
        subjectId: artifact.id,
      },
    ]);
  });

  it('fails when the stored object, of the same size, carries another SHA-256', async () => {
    // given the object replaced by other bytes of the same length, stored with their checksum
    const org = await createTestOrg();
    const versionGid = await givenVersion(org);
    const artifact = await upload(org, versionGid);
    const other = new Uint8Array(4096).fill(7);
    const digest = await crypto.subtle.digest('SHA-256', other);
    await env.ARTIFACTS.put(artifact.key, other, { sha256: digest });

    // when
    const check = await security(org, versionGid);

    // then
    expect(codes(check.findings)).toEqual(['CHECKSUM_MISMATCH']);
    expect(check.findings[0]?.subjectId).toBe(artifact.id);
  });

  it('fails when the model card names no owner', async () => {
    // given
    const org = await createTestOrg();
    const versionGid = await givenVersion(org, { owner: false });
    await upload(org, versionGid);

    // when
    const check = await security(org, versionGid);

    // then
    expect(check.status).toBe('FAILED');
    expect(codes(check.findings)).toEqual(['NO_OWNER']);
  });

  it('checks every artifact of the version and lists each failure', async () => {
    // given two artifacts, one of them lost, and no owner
    const org = await createTestOrg();
    const versionGid = await givenVersion(org, { owner: false });
    await upload(org, versionGid, 'tokenizer.json', 100);
    const lost = await upload(org, versionGid, 'model.safetensors');
    await env.ARTIFACTS.delete(lost.key);

    // when
    const check = await security(org, versionGid);

    // then
    expect(check.findings.map((finding) => [finding.code, finding.subjectId])).toEqual([
      ['ARTIFACT_MISSING', lost.id],
      ['NO_OWNER', null],
    ]);
    expect(check.summary).toBe('Missing: ARTIFACT_MISSING, NO_OWNER');
  });
});

describe('SECURITY on an artifact kept outside the registry (metadata.artifact)', () => {
  const sha = 'd'.repeat(64);

  it('asks a reviewer to verify a complete record of an outside URI', async () => {
    // given
    const org = await createTestOrg();
    const versionGid = await givenVersion(org, {
      versionMetadata: { artifact: { uri: 'hf://org/model', sha256: sha, sizeBytes: 10 } },
    });

    // when
    const check = await security(org, versionGid);

    // then
    expect(check.status).toBe('NEEDS_REVIEW');
    expect(codes(check.findings)).toEqual(['EXTERNAL_ARTIFACT']);
  });

  it('fails an outside record without a checksum or a size', async () => {
    // given
    const org = await createTestOrg();
    const versionGid = await givenVersion(org, {
      versionMetadata: { artifact: { uri: 'hf://org/model' } },
    });

    // when
    const check = await security(org, versionGid);

    // then
    expect(check.status).toBe('FAILED');
    expect(codes(check.findings)).toEqual(['NO_CHECKSUM', 'NO_SIZE', 'EXTERNAL_ARTIFACT']);
  });

  it('refuses an r2:// record that bypasses the artifact API, even if the object exists', async () => {
    // given an object put straight into the bucket and named in metadata
    const org = await createTestOrg();
    const bytes = new TextEncoder().encode('weights');
    const digest = await crypto.subtle.digest('SHA-256', bytes);
    const key = `orgs/${org.orgId}/side-door.bin`;
    await env.ARTIFACTS.put(key, bytes, { sha256: digest });
    const versionGid = await givenVersion(org, {
      versionMetadata: {
        artifact: {
          uri: `r2://${key}`,
          sha256: [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join(''),
          sizeBytes: bytes.byteLength,
        },
      },
    });

    // when
    const check = await security(org, versionGid);

    // then
    expect(check.status).toBe('FAILED');
    expect(codes(check.findings)).toEqual(['NO_ARTIFACT']);
  });
});

// Client side of the artifact routes, as a real client would use them: GraphQL to start and finish
// uploads, streaming PUT/GET to the Worker for the bytes.
import { SELF } from 'cloudflare:test';
import { expect } from 'vitest';
import { fieldOf, rowId } from '../helpers/fixtures.ts';
import { gql } from '../helpers/graphql.ts';

export const ArtifactUploadCreate = /* GraphQL */ `
  mutation ArtifactUploadCreate($input: ArtifactUploadCreateInput!) {
    artifactUploadCreate(input: $input) {
      __typename
      ... on ArtifactUploadCreatePayload {
        artifact {
          id name kind status sizeBytes sha256 isEncrypted downloadUrl
          upload { url isMultipart partSize partCount uploadedParts { partNumber sizeBytes sha256 } }
        }
      }
      ... on Error { message path }
    }
  }
`;

export const ArtifactUploadComplete = /* GraphQL */ `
  mutation ArtifactUploadComplete($input: ArtifactUploadCompleteInput!) {
    artifactUploadComplete(input: $input) {
      __typename
      ... on ArtifactUploadCompletePayload {
        artifact { id status sizeBytes sha256 compositeSha256 checksumVerification downloadUrl upload { url } }
      }
      ... on ChecksumMismatchError { checksum expected actual }
      ... on UploadExpiredError { expiredAt }
      ... on Error { message path }
    }
  }
`;

export async function sha256Hex(bytes: Uint8Array<ArrayBuffer> | string): Promise<string> {
  const data = typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes;
  const digest = await crypto.subtle.digest('SHA-256', data);
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** The composite checksum a client declares: SHA-256 of the parts' raw SHA-256 digests, in order. */
export async function compositeOf(parts: readonly Uint8Array<ArrayBuffer>[]): Promise<string> {
  const joined = new Uint8Array(parts.length * 32);
  for (const [index, part] of parts.entries()) {
    joined.set(new Uint8Array(await crypto.subtle.digest('SHA-256', part)), index * 32);
  }
  return sha256Hex(joined);
}

/** Deterministic bytes: part boundaries and ranges can be checked by value. */
export function patternBytes(length: number, seed = 7): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (i * 31 + seed + (i >> 10)) & 0xff;
  return bytes;
}

export function request(
  token: string | null,
  method: string,
  path: string,
  init: { body?: BodyInit | null; headers?: Record<string, string> } = {},
) {
  return SELF.fetch(`http://registry.test${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...init.headers },
    body: init.body ?? null,
  });
}

export async function createUpload(token: string, input: Record<string, unknown>) {
  const result = fieldOf(await gql(token, ArtifactUploadCreate, { input }), 'artifactUploadCreate');
  return result;
}

export async function startUpload(token: string, input: Record<string, unknown>) {
  const result = await createUpload(token, input);
  expect(result.__typename, JSON.stringify(result)).toBe('ArtifactUploadCreatePayload');
  return result.artifact as {
    id: string;
    status: string;
    upload: { url: string; isMultipart: boolean; partSize: number | null; partCount: number };
  };
}

/** Uploads a small file in one PUT and returns the artifact's global and row ids. */
export async function uploadFile(
  token: string,
  versionId: string,
  name: string,
  bytes: Uint8Array<ArrayBuffer>,
  extra: Record<string, unknown> = {},
) {
  const artifact = await startUpload(token, {
    versionId,
    name,
    kind: 'WEIGHTS',
    sizeBytes: bytes.byteLength,
    sha256: await sha256Hex(bytes),
    ...extra,
  });
  const response = await request(token, 'PUT', artifact.upload.url, { body: bytes });
  expect(response.status, await response.clone().text()).toBe(201);
  await response.arrayBuffer();
  return { id: artifact.id, rowId: rowId(artifact.id), url: artifact.upload.url };
}

import type { CheckOutcome, Finding } from './governance.ts';

/** A complete artifact the registry holds for the version (the `artifact` table). */
export interface RegisteredArtifact {
  id: string;
  name: string;
  sha256: string | null;
  sizeBytes: number | null;
  r2Key: string;
}

/** What R2 says about a registered artifact's key. */
export type ArtifactPresence =
  | { state: 'FOUND'; sizeBytes: number; sha256: string | null }
  | { state: 'MISSING' }
  /** No artifact store is bound, so presence cannot be verified here. */
  | { state: 'UNVERIFIABLE'; reason: string };

/**
 * An artifact kept outside the registry (a Hugging Face or S3 URI, say), recorded by the version as
 * `metadata.artifact = { uri, sha256, sizeBytes }`. Accepted only when the version has no artifact
 * of its own: the registry cannot fetch it, so at best it gives NEEDS_REVIEW.
 */
export interface ExternalArtifactRecord {
  uri: string | null;
  sha256: string | null;
  sizeBytes: number | null;
}

export interface SecurityCheckInput {
  /** The version's complete artifacts, each with what R2 said about its key. */
  artifacts: readonly { artifact: RegisteredArtifact; presence: ArtifactPresence }[];
  /** Complete artifacts beyond those verified (see MAX_VERIFIED_ARTIFACTS). */
  unverifiedCount: number;
  /** Uploads started and not completed: their checksum is declared but not yet verified. */
  pendingCount: number;
  external: ExternalArtifactRecord | null;
  owner: string | null;
}

/** How many artifacts of one version the check heads in R2 (one subrequest each). */
export const MAX_VERIFIED_ARTIFACTS = 50;

const SHA256 = /^[0-9a-f]{64}$/i;

function asRecord(value: unknown): Record<string, unknown> | null {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
}

/** Reads `metadata.artifact` ({ uri, sha256, sizeBytes }) of a version, tolerating any shape. */
export function externalArtifactOf(
  metadata: Record<string, unknown> | null,
): ExternalArtifactRecord | null {
  const artifact = asRecord(metadata?.artifact);
  if (!artifact) return null;
  const size = artifact.sizeBytes ?? artifact.size_bytes;
  return {
    uri: typeof artifact.uri === 'string' && artifact.uri.trim() ? artifact.uri.trim() : null,
    sha256: typeof artifact.sha256 === 'string' ? artifact.sha256.trim() : null,
    sizeBytes: typeof size === 'number' ? size : null,
  };
}

/**
 * The owner named by the model card: `metadata.modelCard.owner` (or `model_card.owner`) of the
 * version, else of the model.
 */
export function modelCardOwnerOf(
  versionMetadata: Record<string, unknown> | null,
  modelMetadata: Record<string, unknown> | null,
): string | null {
  for (const metadata of [versionMetadata, modelMetadata]) {
    const card = asRecord(metadata?.modelCard ?? metadata?.model_card);
    const owner = card?.owner;
    if (typeof owner === 'string' && owner.trim()) return owner.trim();
  }
  return null;
}

/** True for a URI that names the registry's own bucket rather than an outside store. */
function isRegistryUri(uri: string): boolean {
  return uri.startsWith('r2://');
}

/**
 * SECURITY: the version has at least one complete artifact in the registry, each with a recorded
 * SHA-256 and size, each present in R2 with that size (and that SHA-256, when R2 kept one); and the
 * model card names an owner. Failures list what is missing, artifact by artifact.
 */
export function runSecurityCheck(input: SecurityCheckInput): CheckOutcome {
  const findings: Finding[] = [];
  let failed = false;
  let review = false;
  const fail = (code: string, message: string, artifactId?: string) => {
    failed = true;
    findings.push({
      code,
      message,
      ...(artifactId && { subjectId: artifactId, subjectKind: 'Artifact' }),
    });
  };
  const flag = (code: string, message: string) => {
    review = true;
    findings.push({ code, message });
  };

  for (const { artifact, presence } of input.artifacts) {
    const label = `Artifact "${artifact.name}"`;
    if (!artifact.sha256 || !SHA256.test(artifact.sha256)) {
      fail('NO_CHECKSUM', `${label} has no SHA-256 checksum (64 hex digits)`, artifact.id);
    }
    if (
      artifact.sizeBytes === null ||
      !Number.isSafeInteger(artifact.sizeBytes) ||
      artifact.sizeBytes < 0
    ) {
      fail('NO_SIZE', `${label} has no size in bytes`, artifact.id);
    }
    if (presence.state === 'MISSING') {
      fail(
        'ARTIFACT_MISSING',
        `${label} is not in the artifact store (${artifact.r2Key})`,
        artifact.id,
      );
    } else if (presence.state === 'FOUND') {
      if (artifact.sizeBytes !== null && artifact.sizeBytes !== presence.sizeBytes) {
        fail(
          'SIZE_MISMATCH',
          `${label} has ${presence.sizeBytes} bytes in the store; the registry recorded ${artifact.sizeBytes}`,
          artifact.id,
        );
      }
      if (
        presence.sha256 &&
        artifact.sha256 &&
        presence.sha256.toLowerCase() !== artifact.sha256.toLowerCase()
      ) {
        fail(
          'CHECKSUM_MISMATCH',
          `${label}: the store’s SHA-256 differs from the recorded one`,
          artifact.id,
        );
      }
    } else {
      flag('PRESENCE_UNVERIFIABLE', `${label}: ${presence.reason}`);
    }
  }
  if (input.unverifiedCount > 0) {
    flag(
      'NOT_ALL_VERIFIED',
      `${input.unverifiedCount} more artifacts were not checked (at most ${MAX_VERIFIED_ARTIFACTS} per run)`,
    );
  }

  const external = input.artifacts.length === 0 ? input.external : null;
  if (input.artifacts.length === 0) {
    const pending =
      input.pendingCount > 0
        ? `; ${input.pendingCount} upload(s) started but not completed, so their checksum is not verified`
        : '';
    if (!external) {
      fail(
        'NO_ARTIFACT',
        `The version has no completed artifact (upload one with artifactUploadCreate)${pending}`,
      );
    } else if (!external.uri) {
      fail(
        'NO_ARTIFACT',
        `metadata.artifact has no uri and the version has no completed artifact${pending}`,
      );
    } else if (isRegistryUri(external.uri)) {
      fail(
        'NO_ARTIFACT',
        `metadata.artifact points into the registry’s store (${external.uri}) but no artifact is registered: upload it with artifactUploadCreate${pending}`,
      );
    } else {
      if (!external.sha256 || !SHA256.test(external.sha256)) {
        fail(
          'NO_CHECKSUM',
          `The external artifact ${external.uri} has no SHA-256 checksum (64 hex digits)`,
        );
      }
      if (
        external.sizeBytes === null ||
        !Number.isSafeInteger(external.sizeBytes) ||
        external.sizeBytes <= 0
      ) {
        fail('NO_SIZE', `The external artifact ${external.uri} has no size in bytes`);
      }
      flag(
        'EXTERNAL_ARTIFACT',
        `${external.uri} is outside the registry’s artifact store: its presence, size and checksum are for the reviewer to verify`,
      );
    }
  }
  if (!input.owner) {
    fail('NO_OWNER', 'The model card names no owner (metadata.modelCard.owner)');
  }

  const status = failed ? 'FAILED' : review ? 'NEEDS_REVIEW' : 'PASSED';
  const summary = failed
    ? `Missing: ${[...new Set(findings.filter((f) => isFailure(f.code)).map((f) => f.code))].join(', ')}`
    : review
      ? 'Artifacts recorded and owned, but not every one could be verified in the store'
      : `${input.artifacts.length} artifact(s) present in the store with their recorded size and checksum; the model card names an owner`;
  return {
    type: 'SECURITY',
    status,
    summary,
    findings,
    details: {
      artifacts: input.artifacts.map(({ artifact, presence }) => ({
        id: artifact.id,
        name: artifact.name,
        sha256: artifact.sha256,
        sizeBytes: artifact.sizeBytes,
        presence: presence.state,
        storedSizeBytes: presence.state === 'FOUND' ? presence.sizeBytes : null,
      })),
      pendingUploads: input.pendingCount,
      external,
      owner: input.owner,
    },
  };
}

const REVIEW_CODES = new Set(['PRESENCE_UNVERIFIABLE', 'NOT_ALL_VERIFIED', 'EXTERNAL_ARTIFACT']);

function isFailure(code: string): boolean {
  return !REVIEW_CODES.has(code);
}

import type { CheckOutcome, Finding } from './governance.ts';

/** The artifact a version records in its metadata: `metadata.artifact`. */
export interface ArtifactRecord {
  uri: string | null;
  sha256: string | null;
  sizeBytes: number | null;
}

/** What the artifact store says about the recorded URI. */
export type ArtifactPresence =
  | { state: 'FOUND'; sizeBytes: number; sha256: string | null }
  | { state: 'MISSING' }
  /** The URI is not in the registry's own store (R2), so presence cannot be verified here. */
  | { state: 'UNVERIFIABLE'; reason: string };

const SHA256 = /^[0-9a-f]{64}$/i;

function asRecord(value: unknown): Record<string, unknown> | null {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
}

/** Reads `metadata.artifact` ({ uri, sha256, sizeBytes }) of a version, tolerating any shape. */
export function artifactRecordOf(metadata: Record<string, unknown> | null): ArtifactRecord | null {
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

/** Where an r2:// URI points in the registry's bucket: everything after the scheme is the key. */
export function r2KeyOf(uri: string): string | null {
  return uri.startsWith('r2://') && uri.length > 5 ? uri.slice(5) : null;
}

/**
 * SECURITY: the artifact is recorded with a SHA-256 checksum and a size, it is present in the store
 * with that size (and checksum, when the store kept one), and the model card names an owner.
 */
export function runSecurityCheck(input: {
  artifact: ArtifactRecord | null;
  presence: ArtifactPresence | null;
  owner: string | null;
}): CheckOutcome {
  const findings: Finding[] = [];
  let failed = false;
  let unverifiable = false;
  const missing = (code: string, message: string) => {
    failed = true;
    findings.push({ code, message });
  };
  const { artifact, presence } = input;
  if (!artifact) {
    missing(
      'NO_ARTIFACT',
      'No artifact is recorded (metadata.artifact with uri, sha256, sizeBytes)',
    );
  } else {
    if (!artifact.uri) missing('NO_ARTIFACT_URI', 'The artifact has no uri');
    if (!artifact.sha256 || !SHA256.test(artifact.sha256)) {
      missing('NO_CHECKSUM', 'The artifact has no SHA-256 checksum (64 hex digits)');
    }
    if (
      artifact.sizeBytes === null ||
      !Number.isInteger(artifact.sizeBytes) ||
      artifact.sizeBytes <= 0
    ) {
      missing('NO_SIZE', 'The artifact has no size in bytes');
    }
  }
  if (presence?.state === 'MISSING') {
    missing('ARTIFACT_MISSING', `The artifact is not in the store at ${artifact?.uri}`);
  } else if (presence?.state === 'FOUND') {
    if (artifact?.sizeBytes !== null && artifact?.sizeBytes !== presence.sizeBytes) {
      missing(
        'SIZE_MISMATCH',
        `The stored artifact has ${presence.sizeBytes} bytes, the record says ${artifact?.sizeBytes}`,
      );
    }
    if (
      presence.sha256 &&
      artifact?.sha256 &&
      presence.sha256.toLowerCase() !== artifact.sha256.toLowerCase()
    ) {
      missing('CHECKSUM_MISMATCH', 'The stored artifact’s SHA-256 differs from the recorded one');
    }
  } else if (presence?.state === 'UNVERIFIABLE') {
    unverifiable = true;
    findings.push({ code: 'PRESENCE_UNVERIFIABLE', message: presence.reason });
  }
  if (!input.owner) missing('NO_OWNER', 'The model card names no owner (metadata.modelCard.owner)');
  const status = failed ? 'FAILED' : unverifiable ? 'NEEDS_REVIEW' : 'PASSED';
  const summary = failed
    ? `Missing: ${findings
        .filter((finding) => finding.code !== 'PRESENCE_UNVERIFIABLE')
        .map((finding) => finding.code)
        .join(', ')}`
    : unverifiable
      ? 'Recorded and owned, but the artifact lives outside the registry’s store'
      : 'Artifact recorded, present and checksummed; the model card names an owner';
  return {
    type: 'SECURITY',
    status,
    summary,
    findings,
    details: {
      artifact,
      presence: presence?.state ?? null,
      owner: input.owner,
    },
  };
}

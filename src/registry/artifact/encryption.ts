// SSE-C: R2 encrypts an organization's artifacts with a key we provide on every write and read
// (the `ssecKey` option), and keeps only a hash of it. The keys come from the Worker secret
// ARTIFACT_SSEC_KEYS, a JSON object of organization id -> 64 hex characters (32 bytes):
//   npx wrangler secret put ARTIFACT_SSEC_KEYS --env production
// Organizations without an entry are stored with R2's default encryption at rest.
//
// Local simulator (Miniflare): the key is checked for length (32 bytes) and then ignored; objects are
// written in plain text and read back with any key or none. So locally we can test which key each
// artifact is written with and that reads refuse a changed or missing key, but not R2's decryption.
import { sha256Hex } from '../sha256.ts';

export interface ArtifactKey {
  /** 64 hex characters, as R2's ssecKey option takes them. */
  key: string;
  /** First 16 hex characters of the key's SHA-256, stored with each artifact. */
  keyId: string;
}

export class EncryptionConfigError extends Error {}

const HEX_KEY = /^[0-9a-f]{64}$/i;

/** The SSE-C key of an organization, or null when it has none. Throws on a malformed secret. */
export async function artifactKeyFor(
  secret: string | undefined,
  orgId: string,
): Promise<ArtifactKey | null> {
  if (!secret) return null;
  let keys: unknown;
  try {
    keys = JSON.parse(secret);
  } catch {
    throw new EncryptionConfigError('ARTIFACT_SSEC_KEYS is not JSON');
  }
  if (typeof keys !== 'object' || keys === null || Array.isArray(keys)) {
    throw new EncryptionConfigError('ARTIFACT_SSEC_KEYS must be a JSON object');
  }
  const key = (keys as Record<string, unknown>)[orgId];
  if (key === undefined) return null;
  if (typeof key !== 'string' || !HEX_KEY.test(key)) {
    throw new EncryptionConfigError(
      `ARTIFACT_SSEC_KEYS has a key for organization ${orgId} that is not 64 hex characters`,
    );
  }
  return { key: key.toLowerCase(), keyId: (await sha256Hex(key.toLowerCase())).slice(0, 16) };
}

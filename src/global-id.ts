import { NotFoundError } from './registry/errors.ts';
import type { NodeKind } from './registry/lineage/lineage.ts';

// Shared by the two public APIs (GraphQL under src/schema, REST under src/routes): both take the
// same opaque global IDs.

const NON_ASCII = /[^ -~]/;

/**
 * A global ID: base64 of "Typename:id", exactly as the relay plugin writes it, but through the
 * runtime's native `btoa` whenever the text is printable ASCII (every type name and row id is): the
 * plugin's encoder goes through `Buffer` (a JavaScript layer in workerd) and cost ~2.8 µs per ID,
 * which a lineage page of 17,603 nodes and 73,931 edges with both ends pays up to 165,000 times.
 * The builder's relay options use it too, so every `id` field answers the same string.
 */
export function encodeGlobalID(typename: string, id: string | number | bigint): string {
  const text = `${typename}:${id}`;
  if (!NON_ASCII.test(text)) return btoa(text);
  let binary = '';
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

// The relay plugin's checks, kept identical: its base64 alphabet and padding, and a type name.
const BASE64 = /^(?:[\d+/A-Za-z]{4})*(?:[\d+/A-Za-z]{2}==|[\d+/A-Za-z]{3}=)?$/;
const TYPENAME = /^[A-Z_a-z]\w*$/;
const HIGH_BYTE = /[\x80-\xff]/;

/**
 * A global ID's type name and row id, or null when the text is not one: what the relay plugin's
 * `decodeGlobalID` answers, without throwing. The plugin reports a malformed ID by constructing
 * two GraphQLErrors (each capturing a stack); OTLP reads `registry.model` - usually a name, not an
 * ID - off every span, and those throws were half of an export's CPU time (bench/README.md,
 * "otlp"). The base64 is read by the runtime's native `atob`, UTF-8 decoded only when it holds a
 * byte past ASCII, as the plugin's Buffer decode does.
 */
export function readGlobalID(value: string): { typename: string; id: string } | null {
  if (!BASE64.test(value)) return null;
  let text = atob(value);
  if (HIGH_BYTE.test(text)) {
    text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(
      Uint8Array.from(text, (char) => char.charCodeAt(0)),
    );
  }
  // As the plugin: split on every colon; a type name and a non-empty second part, the id being
  // everything after the first colon when there are more.
  const parts = text.split(':');
  const [typename, second] = parts;
  if (!typename || !second || !TYPENAME.test(typename)) return null;
  const id = parts.length > 2 ? parts.slice(1).join(':') : second;
  return { typename, id };
}

/**
 * Decodes a global ID a client sent. A malformed ID, or one of another kind, is reported as a
 * NotFoundError on that field (as data), exactly like an ID that does not exist.
 */
export function decodeIdOf<K extends string>(
  globalId: string,
  kinds: readonly K[],
  path: readonly string[],
): { kind: K; id: string } {
  const decoded = readGlobalID(globalId);
  if (!decoded?.id || !(kinds as readonly string[]).includes(decoded.typename)) {
    throw new NotFoundError(`No ${kinds.join(' or ')} with this id`, path, globalId);
  }
  return { kind: decoded.typename as K, id: decoded.id };
}

export function decodeNodeId(
  globalId: string,
  kinds: readonly NodeKind[],
  path: readonly string[],
) {
  return decodeIdOf(globalId, kinds, path);
}

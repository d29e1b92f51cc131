/** "00" ... "ff": hex() is on every authenticated request's path (the token's hash). */
const HEX_BYTES = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

/** Lower-case hex of bytes (a digest, usually). */
export function hex(bytes: ArrayBuffer | Uint8Array): string {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let out = '';
  for (let index = 0; index < view.length; index++) out += HEX_BYTES[view[index] as number];
  return out;
}

const encoder = new TextEncoder();

/** SHA-256 of a text (UTF-8), as lower-case hex. */
export async function sha256Hex(text: string): Promise<string> {
  return hex(await crypto.subtle.digest('SHA-256', encoder.encode(text)));
}

import { sha256Hex } from '../registry/sha256.ts';

/** API tokens look like `mr_<43 url-safe characters>`; only their SHA-256 is stored. */
export const TOKEN_PREFIX = 'mr_';
const PREFIX_SHOWN_LENGTH = TOKEN_PREFIX.length + 8;

export function generateToken(): { token: string; prefix: string } {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  const token = TOKEN_PREFIX + base64Url(bytes);
  return { token, prefix: token.slice(0, PREFIX_SHOWN_LENGTH) };
}

export function hashToken(token: string): Promise<string> {
  return sha256Hex(token);
}

/** Reads `Authorization: Bearer <token>`; null when absent or not of that form. */
export function bearerToken(request: Request): string | null {
  const header = request.headers.get('authorization');
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? null;
}

function base64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

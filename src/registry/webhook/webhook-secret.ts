// Webhook signing secrets. Shown once as `whsec_<base64>` (Standard Webhooks' form: the part after
// the prefix is the HMAC key's raw bytes in base64) and stored encrypted with AES-GCM under the
// WEBHOOK_SECRET_KEY Worker secret (64 hex characters = 32 bytes):
//   npx wrangler secret put WEBHOOK_SECRET_KEY --env production
// Outside production a fixed development key stands in when the secret is unset, so a fresh clone,
// `wrangler dev` and the tests work with no set-up; in production an unset or malformed key is a
// configuration error (webhooks cannot be created or delivered), never a silent fallback.

export const SECRET_PREFIX = 'whsec_';
const SECRET_BYTES = 32;
const IV_BYTES = 12;
const FORMAT = 'v1:';
const HEX_KEY = /^[0-9a-f]{64}$/i;
/** Not a secret: the stand-in key of local development and tests only (see above). */
const DEVELOPMENT_KEY_HEX = '6d6f64656c2d72656769737472792d6c6f63616c2d7765626b6f6f6b2d6b6579';

export class WebhookKeyError extends Error {}

export interface WebhookKeyConfig {
  /** WEBHOOK_SECRET_KEY, if set. */
  secretKey: string | null;
  production: boolean;
}

function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function base64ToBytes(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function hexToBytes(hex: string): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++)
    bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

const keys = new Map<string, Promise<CryptoKey>>();

function encryptionKey(config: WebhookKeyConfig): Promise<CryptoKey> {
  let hex = config.secretKey?.trim() || null;
  if (hex === null) {
    if (config.production) {
      throw new WebhookKeyError('WEBHOOK_SECRET_KEY is not set: webhooks need it in production');
    }
    hex = DEVELOPMENT_KEY_HEX;
  }
  if (!HEX_KEY.test(hex)) {
    throw new WebhookKeyError('WEBHOOK_SECRET_KEY must be 64 hex characters (32 bytes)');
  }
  let key = keys.get(hex);
  if (!key) {
    key = crypto.subtle.importKey('raw', hexToBytes(hex), 'AES-GCM', false, ['encrypt', 'decrypt']);
    keys.set(hex, key);
  }
  return key;
}

/** A new signing secret, as the client sees it once. */
export function generateSecret(): string {
  return SECRET_PREFIX + bytesToBase64(crypto.getRandomValues(new Uint8Array(SECRET_BYTES)));
}

/** The HMAC key's raw bytes of a `whsec_` secret. */
export function secretBytes(secret: string): Uint8Array<ArrayBuffer> {
  return base64ToBytes(
    secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret,
  );
}

/** The secret as stored: "v1:" + base64(iv || AES-GCM ciphertext and tag). */
export async function encryptSecret(config: WebhookKeyConfig, secret: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const sealed = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv },
    await encryptionKey(config),
    new TextEncoder().encode(secret),
  );
  const out = new Uint8Array(IV_BYTES + sealed.byteLength);
  out.set(iv);
  out.set(new Uint8Array(sealed), IV_BYTES);
  return FORMAT + bytesToBase64(out);
}

export async function decryptSecret(config: WebhookKeyConfig, stored: string): Promise<string> {
  if (!stored.startsWith(FORMAT)) throw new WebhookKeyError('Unknown stored secret format');
  const bytes = base64ToBytes(stored.slice(FORMAT.length));
  const plain = await crypto.subtle.decrypt(
    { name: 'AES-GCM', iv: bytes.slice(0, IV_BYTES) },
    await encryptionKey(config),
    bytes.slice(IV_BYTES),
  );
  return new TextDecoder().decode(plain);
}

/**
 * The `webhook-signature` header of Standard Webhooks: "v1,<base64 HMAC-SHA256 of
 * id.timestamp.body>" per secret, space-separated (during a rotation's grace period, both).
 */
export async function signatureHeader(
  secrets: readonly string[],
  id: string,
  timestamp: number,
  body: string,
): Promise<string> {
  const content = new TextEncoder().encode(`${id}.${timestamp}.${body}`);
  const signatures = await Promise.all(
    secrets.map(async (secret) => {
      const key = await crypto.subtle.importKey(
        'raw',
        secretBytes(secret),
        { name: 'HMAC', hash: 'SHA-256' },
        false,
        ['sign'],
      );
      const mac = await crypto.subtle.sign('HMAC', key, content);
      return `v1,${bytesToBase64(new Uint8Array(mac))}`;
    }),
  );
  return signatures.join(' ');
}

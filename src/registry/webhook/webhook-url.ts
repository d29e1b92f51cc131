import { ValidationError } from '../errors.ts';

// Where a webhook may point. A Worker cannot resolve DNS itself, so a host name is judged by its
// text: literal addresses are checked against the private, link-local and loopback ranges, and
// "localhost" (and *.localhost) counts as loopback. Redirects are never followed (the delivery's
// fetch uses redirect: 'manual'), so a public name cannot bounce a delivery to a private address.

const MAX_URL_LENGTH = 2048;

type AddressClass = 'public' | 'loopback' | 'refused';

function ipv4Class(host: string): AddressClass | null {
  const parts = host.split('.');
  if (parts.length !== 4 || !parts.every((part) => /^\d{1,3}$/.test(part))) return null;
  const [a, b] = parts.map(Number) as [number, number];
  if (a === 127) return 'loopback';
  if (
    a === 0 || // 0.0.0.0/8, "this network"
    a === 10 || // 10/8
    (a === 172 && b >= 16 && b <= 31) || // 172.16/12
    (a === 192 && b === 168) || // 192.168/16
    (a === 169 && b === 254) || // link-local, incl. the metadata address 169.254.169.254
    (a === 100 && b >= 64 && b <= 127) || // carrier-grade NAT, 100.64/10
    a >= 224 // multicast and reserved
  ) {
    return 'refused';
  }
  return 'public';
}

function ipv6Class(host: string): AddressClass | null {
  if (!host.startsWith('[') || !host.endsWith(']')) return null;
  const address = host.slice(1, -1).toLowerCase();
  if (address === '::1') return 'loopback';
  if (address === '::') return 'refused';
  // IPv4-mapped (::ffff:a.b.c.d, which the URL parser writes as ::ffff:XXXX:XXXX): judge the IPv4.
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(address);
  if (mapped) {
    const high = Number.parseInt(mapped[1] as string, 16);
    const low = Number.parseInt(mapped[2] as string, 16);
    return ipv4Class(`${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`);
  }
  const first = Number.parseInt(address.split(':')[0] || '0', 16);
  if ((first & 0xfe00) === 0xfc00) return 'refused'; // unique local, fc00::/7
  if ((first & 0xffc0) === 0xfe80) return 'refused'; // link-local, fe80::/10
  if ((first & 0xff00) === 0xff00) return 'refused'; // multicast
  return 'public';
}

function hostClass(hostname: string): AddressClass {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return 'loopback';
  return ipv6Class(host) ?? ipv4Class(host) ?? 'public';
}

/**
 * The URL a webhook may deliver to, normalized, or a ValidationError at `path`. https only in
 * production; elsewhere http is allowed to loopback too (tests, `wrangler dev`). Private,
 * link-local, metadata and unspecified addresses are refused everywhere, loopback in production.
 */
export function checkWebhookUrl(
  value: string,
  options: { production: boolean },
  path: readonly string[] = ['url'],
): string {
  const trimmed = value.trim();
  if (trimmed.length === 0) throw new ValidationError('Must not be empty', path);
  if (trimmed.length > MAX_URL_LENGTH) {
    throw new ValidationError(`Must be at most ${MAX_URL_LENGTH} characters`, path);
  }
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    throw new ValidationError('Must be an absolute http(s) URL', path);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ValidationError('Must be an https URL', path);
  }
  if (url.username || url.password) {
    throw new ValidationError('Must not carry credentials (user:password@)', path);
  }
  const kind = hostClass(url.hostname);
  if (kind === 'refused') {
    throw new ValidationError(
      'Must not point at a private, link-local, metadata or unspecified address',
      path,
    );
  }
  if (options.production) {
    if (kind === 'loopback') throw new ValidationError('Must not point at loopback', path);
    if (url.protocol !== 'https:') throw new ValidationError('Must be an https URL', path);
  } else if (url.protocol === 'http:' && kind !== 'loopback') {
    throw new ValidationError('Must be an https URL (http only to loopback, locally)', path);
  }
  url.hash = '';
  return url.toString();
}

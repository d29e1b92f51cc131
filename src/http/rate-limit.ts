// Requests per token, counted by the Workers rate-limiting binding RATE_LIMITER (wrangler.jsonc
// `ratelimits`; miniflare simulates it locally). The key is a prefix of the token's SHA-256, never
// the token; requests without a token are counted per client address.
import { bearerToken, hashToken } from '../auth/token.ts';

/**
 * What the RATE_LIMITER binding is configured with in wrangler.jsonc (`simple.limit` and
 * `simple.period`); the binding enforces it, this names it in the 429 answer. Keep them equal:
 * test/http/rate-limit.test.ts sends exactly this many requests and expects the next one refused.
 */
export const RATE_LIMIT = { requests: 300, periodSeconds: 60 } as const;

/** Hex characters of the token hash used as the key: 64 bits, no collisions in practice. */
const KEY_HASH_CHARS = 16;

/** The limiter key for a request: `token:<hash prefix>` or `addr:<client address>`. */
export async function rateLimitKey(request: Request): Promise<string> {
  const token = bearerToken(request);
  if (token) return `token:${(await hashToken(token)).slice(0, KEY_HASH_CHARS)}`;
  return `addr:${request.headers.get('cf-connecting-ip') ?? 'unknown'}`;
}

export function rateLimited(): Response {
  const { requests, periodSeconds } = RATE_LIMIT;
  return Response.json(
    {
      errors: [
        {
          message: `Rate limit exceeded: ${requests} requests per ${periodSeconds} s per token (limit: rateLimit). Retry after ${periodSeconds} s.`,
          extensions: {
            code: 'RATE_LIMITED',
            limit: 'rateLimit',
            max: requests,
            periodSeconds,
          },
        },
      ],
    },
    // The binding does not say when its window ends; a whole period is always enough.
    { status: 429, headers: { 'retry-after': String(periodSeconds) } },
  );
}

/** null when the request may proceed; the 429 response when its key is over the limit. */
export async function checkRateLimit(
  request: Request,
  limiter: RateLimit | undefined,
): Promise<Response | null> {
  // No binding (a deployment that removed it) means no limit, not a failing Worker.
  if (!limiter) return null;
  const { success } = await limiter.limit({ key: await rateLimitKey(request) });
  return success ? null : rateLimited();
}

// Bench-only control Worker (never deployed, not part of src/): what tracking one LLM request
// must cost at least, with none of the registry's code. The tracking scenario sends it the same
// requests as POST /api/vibe/track, and it does the same work a tracked request cannot skip:
//
//   POST /track   the bearer token's SHA-256 looked up (api_token joined to user, as the registry's
//                 auth does), then ONE D1 batch with the one inference_request insert (the usage
//                 rollup and latency triggers of the migrations fire as they do for the registry).
//                 The body's model_id is a raw model id; nothing is validated or priced.
//
// Typed structurally (this file is type-checked with the bench's Node/DOM types, not workerd's).

interface Statement {
  bind(...values: unknown[]): Statement;
  first<T>(): Promise<T | null>;
}

interface ControlEnv {
  DB: { prepare(query: string): Statement; batch(statements: Statement[]): Promise<unknown[]> };
}

interface TrackBody {
  model_id: string;
  provider: string;
  provider_model: string;
  latency_ms: number;
  tokens_input: number;
  tokens_output: number;
  cost_usd: number;
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

const TOKEN_LOOKUP = `
  SELECT api_token.id AS token_id, api_token.org_id AS org_id, user.id AS user_id, user.role AS role
  FROM api_token INNER JOIN user ON user.id = api_token.user_id
  WHERE api_token.token_hash = ? AND api_token.revoked_at IS NULL
    AND (api_token.expires_at IS NULL OR api_token.expires_at > ?)`;

const INSERT = `
  INSERT INTO inference_request (id, org_id, model_id, provider, provider_model, latency_ms,
    input_tokens, output_tokens, cost_usd, cost_source, status, requested_at, created_at,
    created_by, token_id)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'PROVIDED', 'SUCCESS', ?, ?, ?, ?)`;

export default {
  async fetch(request: Request, env: ControlEnv): Promise<Response> {
    const url = new URL(request.url);
    if (request.method !== 'POST' || url.pathname !== '/track') {
      return new Response('not found', { status: 404 });
    }
    const token = /^Bearer\s+(\S+)$/i.exec(request.headers.get('authorization') ?? '')?.[1];
    if (!token) return new Response('unauthenticated', { status: 401 });
    const now = new Date().toISOString();
    const viewer = await env.DB.prepare(TOKEN_LOOKUP)
      .bind(await sha256Hex(token), now)
      .first<{ token_id: string; org_id: string; user_id: string }>();
    if (!viewer) return new Response('unauthenticated', { status: 401 });
    const body = (await request.json()) as TrackBody;
    const id = crypto.randomUUID();
    await env.DB.batch([
      env.DB.prepare(INSERT).bind(
        id,
        viewer.org_id,
        body.model_id,
        body.provider,
        body.provider_model,
        body.latency_ms,
        body.tokens_input,
        body.tokens_output,
        body.cost_usd,
        now,
        now,
        viewer.user_id,
        viewer.token_id,
      ),
    ]);
    return Response.json({ id }, { status: 201 });
  },
};

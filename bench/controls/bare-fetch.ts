// Bench-only control Worker (never deployed, not part of src/): the floor of the `overhead`
// scenario. A bare fetch handler that reads the request body and answers the JSON the registry
// answers to `{ viewer { name } }`, with no GraphQL, no D1 and none of our code: what the
// `wrangler dev --local` HTTP path (wrangler's proxy, the runtime workerd, the isolate) costs alone.

const ANSWER = JSON.stringify({ data: { viewer: { name: 'Bench Admin' } } });

export default {
  async fetch(request: Request): Promise<Response> {
    if (request.method === 'POST') await request.arrayBuffer();
    return new Response(ANSWER, { headers: { 'content-type': 'application/json' } });
  },
};

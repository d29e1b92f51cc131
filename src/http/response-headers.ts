// Headers added to a response the Worker answers with. A Response built in this isolate
// (`new Response`, `Response.json`, Yoga's answers) has mutable headers and is changed in place;
// one that came from fetch(), R2 or the assets binding has immutable headers (the first change
// throws a TypeError, before anything changed) and is copied. The profile of the cheapest request
// (bench/run.ts overhead --profile) showed a Headers copy and a Response construction per layer.

/** `response` with `change` applied to its headers: in place when allowed, else on a copy. */
export function withHeaders(response: Response, change: (headers: Headers) => void): Response {
  try {
    change(response.headers);
    return response;
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
  }
  const headers = new Headers(response.headers);
  change(headers);
  // 101 (WebSocket) and other statuses outside 200-599 cannot be rebuilt; none are served here.
  return new Response(response.body, {
    status: response.status,
    statusText: response.statusText,
    headers,
  });
}

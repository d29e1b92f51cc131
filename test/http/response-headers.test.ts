// withHeaders changes a response's headers in place when the isolate built it, and copies a
// response whose headers are immutable (fetch, R2, assets), keeping its status and body.
import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { withHeaders } from '../../src/http/response-headers.ts';

describe('withHeaders', () => {
  it('changes a response built here in place: no copy', async () => {
    // given
    const response = Response.json({ ok: true }, { status: 201 });

    // when
    const changed = withHeaders(response, (headers) => headers.set('x-test', '1'));

    // then
    expect(changed).toBe(response);
    expect(changed.headers.get('x-test')).toBe('1');
    expect(changed.status).toBe(201);
    expect(await changed.json()).toEqual({ ok: true });
  });

  it('copies a response with immutable headers, with its status, headers and body', async () => {
    // given: a fetched response (immutable headers)
    const fetched = await SELF.fetch('http://registry.test/no-such-route');
    expect(() => fetched.headers.set('x-probe', '1')).toThrow(TypeError);

    // when
    const changed = withHeaders(fetched, (headers) => headers.set('x-test', '2'));

    // then
    expect(changed).not.toBe(fetched);
    expect(changed.headers.get('x-test')).toBe('2');
    expect(changed.headers.get('content-type')).toBe(fetched.headers.get('content-type'));
    expect(changed.status).toBe(404);
    expect(((await changed.json()) as { error: string }).error).toContain('Not found');
    // and the copy's headers take further changes (CORS is added after the security headers)
    changed.headers.append('vary', 'Origin');
    expect(changed.headers.get('vary')).toContain('Origin');
  });
});

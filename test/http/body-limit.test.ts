// Request bodies of /graphql and /api are capped: 413 with a JSON error naming the limit, before
// anything parses them, whether the body declares its length or streams without one.
import { describe, expect, it } from 'vitest';
import { limitBody, MAX_BODY_BYTES } from '../../src/http/body-limit.ts';
import { createTestOrg, testDb } from '../helpers/graphql.ts';
import { fetchWorker, graphqlBody, graphqlRequest, URL_BASE } from './worker-client.ts';

const ModelRegister = /* GraphQL */ `
  mutation ModelRegister($input: ModelRegisterInput!) {
    modelRegister(input: $input) { __typename }
  }
`;

/** A valid modelRegister request whose body is `size` bytes, padded inside the description. */
function registerBody(name: string, size: number): string {
  const empty = JSON.stringify({
    query: ModelRegister,
    variables: { input: { name, description: '' } },
  });
  return JSON.stringify({
    query: ModelRegister,
    variables: { input: { name, description: 'x'.repeat(size - empty.length) } },
  });
}

function streamOf(text: string): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + 65_536));
      offset += 65_536;
    },
  });
}

async function modelsNamed(name: string) {
  return testDb().selectFrom('model').where('name', '=', name).select('id').execute();
}

describe(`request body cap (${MAX_BODY_BYTES} bytes)`, () => {
  it('refuses a declared length over the cap with 413, naming the limit, writing nothing', async () => {
    // given
    const org = await createTestOrg();
    const name = `big-${crypto.randomUUID()}`;
    const body = registerBody(name, MAX_BODY_BYTES + 1);
    expect(new TextEncoder().encode(body).length).toBe(MAX_BODY_BYTES + 1);

    // when
    const response = await fetchWorker(graphqlRequest(org.tokens.EDITOR, body));

    // then
    expect(response.status).toBe(413);
    expect(response.headers.get('content-type')).toContain('application/json');
    expect((await graphqlBody(response)).errors).toEqual([
      {
        message: `Request body exceeds ${MAX_BODY_BYTES} bytes (limit: maxBodyBytes)`,
        extensions: { code: 'PAYLOAD_TOO_LARGE', limit: 'maxBodyBytes', max: MAX_BODY_BYTES },
      },
    ]);
    expect(await modelsNamed(name)).toEqual([]);
  });

  it('refuses a streamed body without a length once it passes the cap', async () => {
    const org = await createTestOrg();
    const name = `streamed-${crypto.randomUUID()}`;
    const request = new Request(`${URL_BASE}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${org.tokens.EDITOR}`,
      },
      body: streamOf(registerBody(name, MAX_BODY_BYTES * 2)),
    });
    expect(request.headers.get('content-length')).toBeNull();

    const response = await fetchWorker(request);

    expect(response.status).toBe(413);
    expect((await graphqlBody(response)).errors?.[0]?.extensions?.limit).toBe('maxBodyBytes');
    expect(await modelsNamed(name)).toEqual([]);
  });

  it('accepts a body of exactly the cap, streamed or not', async () => {
    const org = await createTestOrg();
    for (const streamed of [false, true]) {
      const name = `at-cap-${crypto.randomUUID()}`;
      const body = registerBody(name, MAX_BODY_BYTES);
      const response = await fetchWorker(
        new Request(`${URL_BASE}/graphql`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${org.tokens.EDITOR}`,
          },
          body: streamed ? streamOf(body) : body,
        }),
      );
      // the description is far over its own limit: the service, not the cap, refuses it
      expect(response.status).toBe(200);
      const result = await graphqlBody(response);
      expect(result.data?.modelRegister?.__typename).toBe('ValidationError');
    }
  });

  it('caps /api bodies the same way', async () => {
    const org = await createTestOrg();
    const response = await fetchWorker(
      new Request(`${URL_BASE}/api/models`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${org.tokens.EDITOR}`,
        },
        body: JSON.stringify({ name: 'x', description: 'x'.repeat(MAX_BODY_BYTES) }),
      }),
    );
    expect(response.status).toBe(413);
  });
});

describe('limitBody', () => {
  const post = (body: BodyInit, headers: Record<string, string> = {}) =>
    new Request(`${URL_BASE}/graphql`, { method: 'POST', headers, body });

  it('passes a body that declares a length within the cap on unread, as it came', async () => {
    // given
    const request = post('{"query":"{ viewer { name } }"}', { 'content-length': '30' });

    // when
    const admitted = await limitBody(request, 100);

    // then
    expect(admitted).toBe(request);
    expect(request.bodyUsed).toBe(false);
  });

  it('reads a body without a length, or with Transfer-Encoding, up to the cap', async () => {
    const cases: Record<string, string>[] = [
      {},
      { 'content-length': '5', 'transfer-encoding': 'chunked' },
    ];
    for (const headers of cases) {
      const within = await limitBody(post(streamOf('x'.repeat(100)), headers), 100);
      expect(within).toBeInstanceOf(Request);
      expect(await (within as Request).text()).toBe('x'.repeat(100));
      const over = await limitBody(post(streamOf('x'.repeat(101)), headers), 100);
      expect(over).toBeInstanceOf(Response);
      expect((over as Response).status).toBe(413);
    }
  });

  it('reads a body whose Content-Length is not a number, up to the cap', async () => {
    const over = await limitBody(post(streamOf('x'.repeat(101)), { 'content-length': 'ten' }), 100);
    expect((over as Response).status).toBe(413);
  });
});

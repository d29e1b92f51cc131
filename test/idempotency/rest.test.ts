import { SELF } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestOrg, type TestOrg } from '../helpers/graphql.ts';
import { keyRows, tableCounts } from './helpers.ts';

/** POSTs JSON with an Idempotency-Key, as a client retrying a request would. */
async function post(token: string, path: string, body: unknown, key: string | null) {
  const response = await SELF.fetch(`http://registry.test${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${token}`,
      ...(key === null ? {} : { 'Idempotency-Key': key }),
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return {
    status: response.status,
    // biome-ignore lint/suspicious/noExplicitAny: shapes are asserted by each test
    body: (await response.json()) as any,
    replayed: response.headers.get('Idempotent-Replayed'),
    retryAfter: response.headers.get('Retry-After'),
  };
}

let org: TestOrg;
beforeAll(async () => {
  org = await createTestOrg('rest-idempotency');
});

describe('Idempotency-Key on REST POST routes', () => {
  it('replays the first response, status and body, and writes nothing the second time', async () => {
    const body = { name: 'rest-model', tags: ['x'] };
    const before = await tableCounts(org.orgId);
    const first = await post(org.tokens.EDITOR, '/api/models', body, 'rest-1');
    expect(first.status).toBe(201);
    const afterFirst = await tableCounts(org.orgId);
    expect(afterFirst.model - before.model).toBe(1);
    expect(afterFirst.idempotency_key - before.idempotency_key).toBe(1);

    // The same body with its members in another order is the same request.
    const again = await post(
      org.tokens.EDITOR,
      '/api/models',
      { tags: ['x'], name: 'rest-model' },
      'rest-1',
    );
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.replayed).toBe('true');
    expect(await tableCounts(org.orgId)).toEqual(afterFirst);
    expect((await keyRows(org.orgId)).find((row) => row.key === 'rest-1')?.state).toBe('COMPLETE');
  });

  it('replays a request whose path names the same id URL-encoded', async () => {
    const model = await post(org.tokens.EDITOR, '/api/models', { name: 'rest-encoded' }, null);
    const id = model.body.id as string;
    // "%4D" is "M": the same path to the router, so the same request to the key
    const encoded = `%${id.charCodeAt(0).toString(16).toUpperCase()}${id.slice(1)}`;
    const body = { version: '1.0.0' };
    const first = await post(
      org.tokens.EDITOR,
      `/api/models/${encoded}/versions`,
      body,
      'rest-enc',
    );
    const before = await tableCounts(org.orgId);
    const again = await post(org.tokens.EDITOR, `/api/models/${id}/versions`, body, 'rest-enc');
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.replayed).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(await tableCounts(org.orgId)).toEqual(before);
  });

  it('answers 409 CONFLICT when the key comes with a different body, writing nothing', async () => {
    await post(org.tokens.EDITOR, '/api/models', { name: 'rest-conflict' }, 'rest-2');
    const before = await tableCounts(org.orgId);
    const other = await post(org.tokens.EDITOR, '/api/models', { name: 'rest-other' }, 'rest-2');
    expect(other.status).toBe(409);
    expect(other.body.error).toMatchObject({ code: 'CONFLICT' });
    expect(other.body.error.path).toEqual(['headers', 'Idempotency-Key']);
    expect(await tableCounts(org.orgId)).toEqual(before);
  });

  it('scopes a key to its route: the same key on another route is a different key', async () => {
    const model = await post(org.tokens.EDITOR, '/api/models', { name: 'rest-scope' }, 'rest-3');
    expect(model.status).toBe(201);
    const version = await post(
      org.tokens.EDITOR,
      `/api/models/${model.body.id}/versions`,
      { version: '1.0.0' },
      'rest-3',
    );
    expect(version.status, JSON.stringify(version.body)).toBe(201);
  });

  it('stores nothing for a failed request: the key stays free for the corrected one', async () => {
    const before = await tableCounts(org.orgId);
    const bad = await post(org.tokens.EDITOR, '/api/models', { name: '' }, 'rest-4');
    expect(bad.status).toBe(400);
    expect(await tableCounts(org.orgId)).toEqual(before);
    const badAgain = await post(org.tokens.EDITOR, '/api/models', { name: '' }, 'rest-4');
    expect(badAgain.status).toBe(400);
    expect(badAgain.replayed).toBeNull();
    const good = await post(org.tokens.EDITOR, '/api/models', { name: 'rest-fixed' }, 'rest-4');
    expect(good.status).toBe(201);
  });

  it('writes once when duplicates race, and answers each with the first response', async () => {
    const body = { name: 'rest-race' };
    const before = await tableCounts(org.orgId);
    const answers = await Promise.all(
      [1, 2, 3, 4].map(() => post(org.tokens.EDITOR, '/api/models', body, 'rest-race')),
    );
    const after = await tableCounts(org.orgId);
    expect(after.model - before.model).toBe(1);
    expect(after.idempotency_key - before.idempotency_key).toBe(1);
    for (const answer of answers) {
      // A duplicate's batch is refused whole by the key's UNIQUE index: it replays the first
      // answer, or, if it cannot read it yet, is told to retry (409 with Retry-After).
      if (answer.status === 409) {
        expect(answer.retryAfter).toBe('1');
      } else {
        expect(answer.status).toBe(201);
        expect(answer.body).toEqual(answers.find((a) => a.status === 201)?.body);
      }
    }
    expect(answers.filter((a) => a.status === 201).length).toBeGreaterThanOrEqual(1);
  });

  it('refuses a malformed key with 400 on the header, and ignores the header on GET', async () => {
    const bad = await post(
      org.tokens.EDITOR,
      '/api/models',
      { name: 'rest-bad-key' },
      'k'.repeat(300),
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error.path).toEqual(['headers', 'Idempotency-Key']);
    const get = await SELF.fetch('http://registry.test/api/models', {
      headers: { authorization: `Bearer ${org.tokens.EDITOR}`, 'Idempotency-Key': 'get-key' },
    });
    expect(get.status).toBe(200);
    expect((await keyRows(org.orgId)).some((row) => row.key === 'get-key')).toBe(false);
  });

  it('keeps REST keys per organization', async () => {
    const other = await createTestOrg('rest-idempotency-other');
    const mine = await post(org.tokens.EDITOR, '/api/models', { name: 'rest-org' }, 'rest-org');
    const theirs = await post(other.tokens.EDITOR, '/api/models', { name: 'rest-org' }, 'rest-org');
    expect(mine.status).toBe(201);
    expect(theirs.status).toBe(201);
    expect(theirs.replayed).toBeNull();
    expect(theirs.body.id).not.toBe(mine.body.id);
  });
});

// A first answer is kept in the key's row, and D1 refuses a row over 2,000,000 bytes: an answer too
// large to keep is refused as a ValidationError on the key, before anything is written (the
// change included), and the key stays free.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { runBatch } from '../../src/db/batch.ts';
import { ValidationError } from '../../src/registry/errors.ts';
import {
  IdempotencyClaim,
  MAX_STORED_ANSWER_BYTES,
  runIdempotent,
} from '../../src/registry/idempotency/idempotency.service.ts';
import { newId } from '../../src/registry/ids.ts';
import { serviceDeps } from '../helpers/fixtures.ts';
import { createTestOrg, testDb } from '../helpers/graphql.ts';

const PATH = ['input', 'idempotencyKey'];

/** A "mutation" whose batch writes an organization row and the key, answering `result`. */
function writeOrgAnswering(result: unknown, orgName: string) {
  return async (claim: IdempotencyClaim | undefined) => {
    const db = testDb();
    await runBatch(env.DB, [
      db.insertInto('organization').values({
        id: newId(),
        name: orgName,
        created_at: new Date().toISOString(),
      }),
      ...(claim ? claim.writes(db, result) : []),
    ]);
    return result;
  };
}

async function orgsNamed(name: string) {
  return (await testDb().selectFrom('organization').select('id').where('name', '=', name).execute())
    .length;
}

describe('an answer too large to keep with its key', () => {
  it('is refused on the key with nothing written, and the key stays free', async () => {
    const org = await createTestOrg('answer-size');
    const call = { orgId: org.orgId, scope: 'bigAnswer', key: 'k-1', input: { n: 1 }, path: PATH };
    // 'é' is 2 bytes of UTF-8: 1,000,000 of them are 2,000,000 bytes, under 1,900,000 in units
    const tooLarge = { text: 'é'.repeat(1_000_000) };

    const refused = await runIdempotent(
      serviceDeps(),
      call,
      writeOrgAnswering(tooLarge, 'big-1'),
    ).catch((error: unknown) => error);

    expect(refused).toBeInstanceOf(ValidationError);
    expect((refused as ValidationError).path).toEqual(PATH);
    expect((refused as Error).message).toContain(String(MAX_STORED_ANSWER_BYTES));
    expect(await orgsNamed('big-1')).toBe(0);
    // the same key then works for an answer that fits, and replays it
    const fits = { text: 'é'.repeat(900_000) };
    const first = await runIdempotent(serviceDeps(), call, writeOrgAnswering(fits, 'big-2'));
    const again = await runIdempotent(serviceDeps(), call, writeOrgAnswering(fits, 'big-3'));
    expect(first).toEqual(fits);
    expect(again).toEqual(fits);
    expect([await orgsNamed('big-2'), await orgsNamed('big-3')]).toEqual([1, 0]);
  });

  it('is refused for a REST answer too, on the Idempotency-Key header', () => {
    const claim = new IdempotencyClaim(
      { orgId: 'o', scope: 'POST /api/x', key: 'k' },
      'a'.repeat(64),
      new Date(),
      ['headers', 'Idempotency-Key'],
      201,
    ).presenting((value: string) => ({ value }));
    expect(() => claim.writes(testDb(), 'x'.repeat(MAX_STORED_ANSWER_BYTES))).toThrow(
      ValidationError,
    );
    expect(claim.recorded).toBe(true);
    expect(claim.answer).toBeNull();
    const fits = claim.writes(testDb(), 'x'.repeat(MAX_STORED_ANSWER_BYTES - 100));
    expect(fits).toHaveLength(2);
  });
});

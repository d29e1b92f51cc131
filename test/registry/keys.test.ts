// jsonKeys: any number of keys in bound JSON parameters, none over D1's 2,000,000-byte value
// limit, never more than 5 terms in one compound SELECT.
import { env } from 'cloudflare:test';
import fc from 'fast-check';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createDb } from '../../src/db/client.ts';
import { jsonKeys, keyParameters } from '../../src/registry/keys.ts';

const bytes = (text: string) => new TextEncoder().encode(text).byteLength;

describe('jsonKeys', () => {
  it('keeps a short list in one parameter', () => {
    expect(keyParameters(['a', 'b'])).toEqual(['["a","b"]']);
    expect(keyParameters([])).toEqual(['[]']);
  });

  it('splits a long list into parameters under 2,000,000 bytes that give back every key in order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: 'binary', minLength: 1, maxLength: 40_000 }), {
          minLength: 1,
          maxLength: 120,
        }),
        (keys) => {
          const parameters = keyParameters(keys);
          for (const parameter of parameters) expect(bytes(parameter)).toBeLessThan(2_000_000);
          expect(parameters.flatMap((parameter) => JSON.parse(parameter))).toEqual(keys);
        },
      ),
      { numRuns: 30 },
    );
  });

  it('runs on D1 with 130,000 keys: 9 parameters, compound SELECTs of at most 5 terms', async () => {
    const keys = Array.from(
      { length: 130_000 },
      (_, index) => `key-${String(index).padStart(32, '0')}`,
    );
    const compiled =
      sql`SELECT count(*) AS n, count(DISTINCT value) AS distinct_n, min(value) AS low, max(value) AS high FROM ${jsonKeys(keys)}`.compile(
        createDb(env.DB),
      );
    expect(compiled.parameters).toHaveLength(9);
    for (const parameter of compiled.parameters) {
      expect(bytes(parameter as string)).toBeLessThan(2_000_000);
    }
    const result = await env.DB.prepare(compiled.sql)
      .bind(...compiled.parameters)
      .first<{ n: number; distinct_n: number; low: string; high: string }>();
    expect(result).toEqual({
      n: 130_000,
      distinct_n: 130_000,
      low: keys[0],
      high: keys[129_999],
    });
  });
});

// readJsonSets: several small selects as one D1 statement, rows as the plain selects give them,
// within D1's 32 arguments per SQL function.
import { env } from 'cloudflare:test';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { countingD1, createDb } from '../../src/db/client.ts';
import { jsonSet, readJsonSets } from '../../src/db/json-sets.ts';

const COLUMNS = Array.from({ length: 40 }, (_, index) => `c${index}`);

/** Two rows of 40 columns: integers, reals, text (some JSON-looking) and nulls. */
function wideRows() {
  const value = (row: number, index: number) => {
    switch (index % 4) {
      case 0:
        return sql`${row * 100 + index}`;
      case 1:
        return sql`${row + index / 8}`;
      case 2:
        return index % 8 === 2 ? sql`${'{"not":"json"}'}` : sql`${`text-${row}-${index}`}`;
      default:
        return sql`NULL`;
    }
  };
  const select = (row: number) =>
    sql`SELECT ${sql.join(COLUMNS.map((column, index) => sql`${value(row, index)} AS ${sql.ref(column)}`))}`;
  return sql`${select(1)} UNION ALL ${select(2)}`;
}

describe('readJsonSets', () => {
  it('gives back the rows of each set as the plain select does, nulls included', async () => {
    const db = createDb(env.DB);
    const plain = await wideRows().execute(db);
    const sets = await readJsonSets(db, {
      wide: jsonSet<Record<string, unknown>>(wideRows(), COLUMNS),
      none: jsonSet<{ c0: number }>(sql`SELECT 1 AS c0 WHERE 0`, ['c0']),
      skipped: null,
    });
    expect(sets.wide).toEqual(plain.rows);
    expect(sets.wide[0]).toHaveProperty('c3', null);
    expect(sets.wide[0]).toHaveProperty('c2', '{"not":"json"}');
    expect(sets.none).toEqual([]);
    expect(sets.skipped).toEqual([]);
  });

  it('sends one statement for every set, none when every set is skipped', async () => {
    const counter = { statements: 0, roundTrips: 0 };
    const db = createDb(countingD1(env.DB, counter));
    await readJsonSets(db, {
      a: jsonSet<{ c0: number }>(sql`SELECT 1 AS c0`, ['c0']),
      b: jsonSet<{ c0: number }>(sql`SELECT 2 AS c0`, ['c0']),
    });
    expect(counter.statements).toBe(1);
    await readJsonSets(db, { a: null, b: null });
    expect(counter.statements).toBe(1);
  });

  it('passes at most 32 arguments to any json_object (D1’s limit per SQL function)', async () => {
    const seen: string[] = [];
    const d1 = new Proxy(env.DB, {
      get(target, property) {
        if (property === 'prepare') {
          return (query: string) => {
            seen.push(query);
            return target.prepare(query);
          };
        }
        const member = Reflect.get(target, property);
        return typeof member === 'function' ? member.bind(target) : member;
      },
    });
    await readJsonSets(createDb(d1), {
      wide: jsonSet<Record<string, unknown>>(wideRows(), COLUMNS),
    });
    const statement = seen.find((query) => query.includes('json_group_array')) ?? '';
    const objects = statement.split('json_object(').slice(1);
    expect(objects).toHaveLength(3);
    for (const object of objects) {
      const args = object.slice(0, object.indexOf(')')).split(',').length;
      expect(args).toBeLessThanOrEqual(32);
    }
  });
});

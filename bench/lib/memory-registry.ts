// An in-memory node:sqlite database made from migrations/, with one organization and its admin,
// for benchmarks that run the Worker's statements in process (walk-heap.ts, walk-seq.ts,
// walk-js.ts), and a Db over it for the repositories.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync, type SQLInputValue } from 'node:sqlite';
import type { Db } from '../../src/db/db.ts';
import { registerRawBinding } from '../../src/db/raw.ts';
import { iso, SqlWriter, Uuid7Clock } from './sql.ts';
import { compilingKysely } from './sqlite-compiler.ts';
import { REPO_ROOT } from './wrangler.ts';

export function memoryRegistry(name: string) {
  const sqlite = new DatabaseSync(':memory:');
  const migrations = join(REPO_ROOT, 'migrations');
  for (const file of readdirSync(migrations).sort()) {
    sqlite.exec(readFileSync(join(migrations, file), 'utf8'));
  }
  const clock = new Uuid7Clock();
  const startMs = Date.now() - 30 * 24 * 3600_000;
  const org = clock.next(startMs).id;
  const user = clock.next(startMs).id;
  const seed = new SqlWriter();
  seed.insert('organization', { id: org, name, created_at: iso(startMs) });
  seed.insert('user', {
    id: user,
    org_id: org,
    name,
    email: `${name}@example.com`,
    role: 'ADMIN',
    created_at: iso(startMs),
    created_by: null,
  });
  sqlite.exec(seed.toSql());
  return { sqlite, clock, startMs, org, user };
}

/**
 * A Db whose `rawRows` (D1's raw()) run on `sqlite`: the lineage walk's statements. `fresh`: each
 * answer is a deep copy made through JSON, as D1 hands the Worker a parsed answer (new strings and
 * arrays per request); otherwise node:sqlite's own arrays. `timed.ms` adds up the statements' time
 * (and the copies'). Statements through Kysely's execute() get no rows (DummyDriver).
 */
export function memoryDb(sqlite: DatabaseSync, fresh = false, timed?: { ms: number }): Db {
  const db = compilingKysely<never>() as unknown as Db;
  registerRawBinding(db, {
    prepare: (text) => ({
      bind: (...values) => ({
        raw: async <Row extends unknown[]>() => {
          const started = performance.now();
          const statement = sqlite.prepare(text);
          statement.setReturnArrays(true);
          const rows = statement.all(...(values as SQLInputValue[])) as unknown as Row[];
          const answer = fresh ? (JSON.parse(JSON.stringify(rows)) as Row[]) : rows;
          if (timed) timed.ms += performance.now() - started;
          return answer;
        },
      }),
    }),
  });
  return db;
}

// An in-memory node:sqlite database made from migrations/, with one organization and its admin,
// for benchmarks that run the Worker's statements in process (walk-heap.ts, walk-seq.ts).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { iso, SqlWriter, Uuid7Clock } from './sql.ts';
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

// SQL text for bulk loads through `wrangler d1 execute --file`: literals, multi-row INSERTs and
// time-ordered ids. Only the benchmark's own generated values go through here, never user input.
import { createHash, randomBytes } from 'node:crypto';

export type SqlValue = string | number | null;

export function literal(value: SqlValue): string {
  if (value === null) return 'NULL';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`Not a finite number: ${value}`);
    return String(value);
  }
  return `'${value.replaceAll("'", "''")}'`;
}

/** Rows per INSERT: keeps each statement well under D1's 100 KB statement size. */
const ROWS_PER_INSERT = 100;

/** Collects rows per table and prints them as multi-row INSERTs, in the order tables were first used. */
export class SqlWriter {
  private readonly tables = new Map<string, { columns: string[]; rows: string[] }>();

  insert(table: string, row: Record<string, SqlValue>): void {
    const columns = Object.keys(row);
    let entry = this.tables.get(table);
    if (!entry) {
      entry = { columns, rows: [] };
      this.tables.set(table, entry);
    } else if (entry.columns.join() !== columns.join()) {
      throw new Error(`Rows of ${table} must list the same columns in the same order`);
    }
    entry.rows.push(`(${columns.map((column) => literal(row[column] ?? null)).join(', ')})`);
  }

  rowCounts(): Record<string, number> {
    return Object.fromEntries([...this.tables].map(([table, { rows }]) => [table, rows.length]));
  }

  toSql(): string {
    const out: string[] = [];
    for (const [table, { columns, rows }] of this.tables) {
      const head = `INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) VALUES\n`;
      for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
        out.push(`${head}${rows.slice(i, i + ROWS_PER_INSERT).join(',\n')};`);
      }
    }
    return `${out.join('\n\n')}\n`;
  }
}

/**
 * UUIDv7 ids, monotonic within this process: the 12-bit rand_a field carries a counter within one
 * millisecond, so ids sort in generation order even when many share a millisecond. `atMs` lets bulk
 * data be back-dated; the clock never goes backwards.
 */
export class Uuid7Clock {
  private lastMs = 0;
  private seq = 0;

  next(atMs: number = Date.now()): { id: string; ms: number } {
    let ms = Math.max(Math.floor(atMs), this.lastMs);
    if (ms === this.lastMs) {
      this.seq += 1;
      if (this.seq > 0xfff) {
        ms += 1;
        this.seq = 0;
      }
    } else {
      this.seq = randomBytes(1)[0] ?? 0; // random start, room for 3,800+ ids in one millisecond
    }
    this.lastMs = ms;
    const tail = randomBytes(8);
    tail[0] = ((tail[0] ?? 0) & 0x3f) | 0x80; // RFC 9562 variant
    const hex =
      ms.toString(16).padStart(12, '0') + (0x7000 | this.seq).toString(16) + tail.toString('hex');
    const id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
    return { id, ms };
  }
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** A token in the API's format: `mr_` + 43 base64url characters (32 random bytes). */
export function newApiToken(): { token: string; prefix: string; hash: string } {
  const token = `mr_${randomBytes(32).toString('base64url')}`;
  return { token, prefix: token.slice(0, 11), hash: sha256Hex(token) };
}

/** A small deterministic PRNG (mulberry32), so every run builds the same graph shape. */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * SQL for one organization with an admin user and an API token (scenarios write it before the
 * server starts). The token's last use is recent, so the first requests do not also record it
 * (an extra write off the request path).
 */
export function organizationSeedSql(options: {
  name: string;
  adminName: string;
  email: string;
  tokenName: string;
  createdAtMs: number;
}) {
  const clock = new Uuid7Clock();
  const org = clock.next(options.createdAtMs);
  const user = clock.next(options.createdAtMs + 1000);
  const tokenRow = clock.next(options.createdAtMs + 2000);
  const { token, prefix, hash } = newApiToken();
  const sql = new SqlWriter();
  sql.insert('organization', { id: org.id, name: options.name, created_at: iso(org.ms) });
  sql.insert('user', {
    id: user.id,
    org_id: org.id,
    name: options.adminName,
    email: options.email,
    role: 'ADMIN',
    created_at: iso(user.ms),
    created_by: null,
  });
  sql.insert('api_token', {
    id: tokenRow.id,
    org_id: org.id,
    user_id: user.id,
    name: options.tokenName,
    token_hash: hash,
    prefix,
    created_at: iso(tokenRow.ms),
    created_by: user.id,
    expires_at: null,
    revoked_at: null,
    last_used_at: new Date().toISOString(),
  });
  return { sql: sql.toSql(), orgId: org.id, userId: user.id, token };
}

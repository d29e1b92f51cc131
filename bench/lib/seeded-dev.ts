// A throwaway registry to run clients against: `wrangler dev --local` on a free loopback port with
// its own database (migrations applied, one organization with an admin and a token seeded as
// `npm start` does). Used by the graphql-http audits and the demo check.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type DevServer, mustRunWrangler, startDev } from './wrangler.ts';

const READY_TIMEOUT_MS = 90_000;

function sql(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** An organization with an admin and a token in the throwaway database; returns the token. */
async function seedToken(persistTo: string, name: string): Promise<string> {
  const token = `mr_${randomBytes(32).toString('base64url')}`;
  const hash = createHash('sha256').update(token).digest('hex');
  const now = new Date().toISOString();
  const orgId = crypto.randomUUID();
  const userId = crypto.randomUUID();
  const statements = [
    `INSERT INTO organization (id, name, created_at) VALUES (${sql(orgId)}, ${sql(name)}, ${sql(now)})`,
    `INSERT INTO user (id, org_id, name, email, role, created_at) VALUES (${sql(userId)}, ${sql(orgId)}, 'Admin', 'admin@localhost', 'ADMIN', ${sql(now)})`,
    `INSERT INTO api_token (id, org_id, user_id, name, token_hash, prefix, created_at) VALUES (${sql(crypto.randomUUID())}, ${sql(orgId)}, ${sql(userId)}, ${sql(name)}, ${sql(hash)}, ${sql(token.slice(0, 11))}, ${sql(now)})`,
  ];
  await mustRunWrangler(
    [
      'd1',
      'execute',
      'DB',
      '--local',
      '--persist-to',
      persistTo,
      '--command',
      statements.join('; '),
    ],
    { timeoutMs: 60_000 },
  );
  return token;
}

async function waitUntilReady(url: string, exited: () => boolean): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (exited()) throw new Error('wrangler dev exited before it was ready');
    try {
      const response = await fetch(url, { method: 'GET', headers: { accept: 'text/html' } });
      await response.arrayBuffer();
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  throw new Error(`wrangler dev did not answer within ${READY_TIMEOUT_MS} ms`);
}

export interface SeededDev {
  server: DevServer;
  /** The admin's API token. */
  token: string;
  /** Stops the server and deletes its database. */
  close(): Promise<void>;
}

/** Starts the throwaway registry and waits until it answers; `name` names the organization. */
export async function startSeededDev(name: string): Promise<SeededDev> {
  const persistTo = mkdtempSync(path.join(tmpdir(), `${name}-`));
  let server: DevServer | null = null;
  const close = async () => {
    await server?.stop();
    rmSync(persistTo, { recursive: true, force: true });
  };
  try {
    await mustRunWrangler(
      ['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', persistTo],
      { timeoutMs: 120_000 },
    );
    const token = await seedToken(persistTo, name);
    // freePort() hands out a port it just released: another process (a test's workerd) can take it
    // before wrangler binds it, and wrangler then exits with "Address already in use". New ports,
    // up to three times, before giving up.
    for (let attempt = 1; ; attempt++) {
      const started = await startDev({
        persistTo,
        logFile: path.join(persistTo, 'wrangler-dev.log'),
      });
      server = started;
      try {
        await waitUntilReady(started.url, () => started.exited());
        return { server: started, token, close };
      } catch (error) {
        const busy = started.exited() && /Address already in use/.test(started.log());
        if (!busy || attempt === 3) throw error;
        await started.stop();
        server = null;
      }
    }
  } catch (error) {
    if (server) console.error((server as DevServer).log().split('\n').slice(-30).join('\n'));
    await close();
    throw error;
  }
}

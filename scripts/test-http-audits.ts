// GraphQL-over-HTTP compliance, measured by a suite we did not write: starts `wrangler dev --local`
// on a free loopback port with a throwaway database (migrations applied, one admin token seeded as
// `npm start` does), runs graphql-http's server audits against http://127.0.0.1:<port>/graphql,
// writes test-results/http-audits.json and exits 1 when any MUST audit fails.
// Usage: node scripts/test-http-audits.ts   (npm test runs it after vitest)
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { serverAudits } from 'graphql-http';
import { mustRunWrangler, REPO_ROOT, startDev } from '../bench/lib/wrangler.ts';

const RESULTS = path.join(REPO_ROOT, 'test-results', 'http-audits.json');
const READY_TIMEOUT_MS = 90_000;

function sql(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** An organization with an admin and a token in the throwaway database; returns the token. */
async function seedToken(persistTo: string): Promise<string> {
  const token = `mr_${randomBytes(32).toString('base64url')}`;
  const hash = createHash('sha256').update(token).digest('hex');
  const now = new Date().toISOString();
  const orgId = '00000000-0000-7000-8000-0000000000a1';
  const userId = '00000000-0000-7000-8000-0000000000a2';
  const statements = [
    `INSERT INTO organization (id, name, created_at) VALUES (${sql(orgId)}, 'http-audits', ${sql(now)})`,
    `INSERT INTO user (id, org_id, name, email, role, created_at) VALUES (${sql(userId)}, ${sql(orgId)}, 'Audit Admin', 'audit@localhost', 'ADMIN', ${sql(now)})`,
    `INSERT INTO api_token (id, org_id, user_id, name, token_hash, prefix, created_at) VALUES (${sql(crypto.randomUUID())}, ${sql(orgId)}, ${sql(userId)}, 'http audits', ${sql(hash)}, ${sql(token.slice(0, 11))}, ${sql(now)})`,
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

interface AuditDetail {
  id: string;
  name: string;
  level: 'MUST' | 'SHOULD' | 'MAY';
  status: 'ok' | 'notice' | 'warn' | 'error';
  reason?: string;
}

async function main(): Promise<number> {
  const persistTo = mkdtempSync(path.join(tmpdir(), 'http-audits-'));
  mkdirSync(path.dirname(RESULTS), { recursive: true });
  const logFile = path.join(persistTo, 'wrangler-dev.log');
  let server: Awaited<ReturnType<typeof startDev>> | null = null;
  try {
    await mustRunWrangler(
      ['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', persistTo],
      { timeoutMs: 120_000 },
    );
    const token = await seedToken(persistTo);
    server = await startDev({ persistTo, logFile });
    const devServer = server;
    await waitUntilReady(devServer.url, () => devServer.exited());

    // Every audit request carries the token, as every real client does.
    const fetchFn = (input: RequestInfo | URL, init: RequestInit = {}) => {
      const headers = new Headers(init.headers);
      headers.set('authorization', `Bearer ${token}`);
      return fetch(input, { ...init, headers });
    };
    const details: AuditDetail[] = [];
    for (const audit of serverAudits({ url: devServer.url, fetchFn })) {
      const result = await audit.fn();
      const level = result.name.split(' ')[0] as AuditDetail['level'];
      details.push({
        id: result.id,
        name: result.name,
        level,
        status: result.status,
        ...(result.status === 'ok' ? {} : { reason: result.reason }),
      });
    }
    const passed = details.filter((detail) => detail.status === 'ok').length;
    const failed = details.filter((detail) => detail.status === 'error').length;
    const warnings = details.filter((detail) => detail.status === 'warn').length;
    const notices = details.filter((detail) => detail.status === 'notice').length;
    writeFileSync(
      RESULTS,
      `${JSON.stringify({ url: devServer.url, passed, failed, warnings, notices, details }, null, 2)}\n`,
    );
    for (const detail of details) {
      if (detail.status !== 'ok')
        console.log(`${detail.status}: ${detail.name} (${detail.reason})`);
    }
    console.log(
      `graphql-http audits: ${passed} passed, ${failed} MUST failed, ${warnings} SHOULD warnings, ${notices} MAY notices (${RESULTS})`,
    );
    return failed === 0 ? 0 : 1;
  } catch (error) {
    console.error(error);
    if (server) console.error(server.log().split('\n').slice(-30).join('\n'));
    writeFileSync(
      RESULTS,
      `${JSON.stringify({ passed: 0, failed: 1, warnings: 0, notices: 0, error: String(error), details: [] }, null, 2)}\n`,
    );
    return 1;
  } finally {
    await server?.stop();
    rmSync(persistTo, { recursive: true, force: true });
  }
}

process.exitCode = await main();

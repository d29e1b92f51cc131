// GraphQL-over-HTTP compliance, measured by a suite we did not write: starts `wrangler dev --local`
// on a free loopback port with a throwaway database (migrations applied, one admin token seeded as
// `npm start` does), runs graphql-http's server audits against http://127.0.0.1:<port>/graphql,
// writes test-results/http-audits.json and exits 1 when any MUST audit fails.
// Usage: node scripts/test-http-audits.ts   (npm test runs it after vitest)
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { serverAudits } from 'graphql-http';
import { type SeededDev, startSeededDev } from '../bench/lib/seeded-dev.ts';
import { REPO_ROOT } from '../bench/lib/wrangler.ts';

const RESULTS = path.join(REPO_ROOT, 'test-results', 'http-audits.json');

interface AuditDetail {
  id: string;
  name: string;
  level: 'MUST' | 'SHOULD' | 'MAY';
  status: 'ok' | 'notice' | 'warn' | 'error';
  reason?: string;
}

async function main(): Promise<number> {
  mkdirSync(path.dirname(RESULTS), { recursive: true });
  let dev: SeededDev | null = null;
  try {
    dev = await startSeededDev('http-audits');
    const { server: devServer, token } = dev;

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
    if (dev) console.error(dev.server.log().split('\n').slice(-30).join('\n'));
    writeFileSync(
      RESULTS,
      `${JSON.stringify({ passed: 0, failed: 1, warnings: 0, notices: 0, error: String(error), details: [] }, null, 2)}\n`,
    );
    return 1;
  } finally {
    await dev?.close();
  }
}

process.exitCode = await main();

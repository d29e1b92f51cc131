// `npm start`: applies the D1 migrations to the local database, seeds a local organization with an
// admin user and token (once; reused afterwards), and runs `wrangler dev` on local D1/R2/Analytics
// Engine. No Cloudflare account, login or network is needed.
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const env = { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: process.env.CI ?? '' };
const DEV_VARS = '.dev.vars';
const TOKEN_FILE = '.wrangler/local-admin-token';

function wrangler(args: string[], options: { quiet?: boolean } = {}) {
  const result = spawnSync('npx', ['wrangler', ...args], {
    env,
    stdio: options.quiet ? 'pipe' : 'inherit',
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    if (options.quiet) process.stderr.write(result.stdout + result.stderr);
    throw new Error(`wrangler ${args.join(' ')} failed`);
  }
  return result.stdout ?? '';
}

function sql(value: string | null): string {
  return value === null ? 'NULL' : `'${value.replace(/'/g, "''")}'`;
}

/** Whether the token in the file still exists in the local database (it may have been wiped). */
function tokenIsSeeded(token: string): boolean {
  const hash = createHash('sha256').update(token).digest('hex');
  const out = wrangler(
    [
      'd1',
      'execute',
      'DB',
      '--local',
      '--json',
      '--command',
      `SELECT id FROM api_token WHERE token_hash = ${sql(hash)} AND revoked_at IS NULL`,
    ],
    { quiet: true },
  );
  return out.includes('"id"');
}

function seed(): string {
  const token = `mr_${randomBytes(32).toString('base64url')}`;
  const hash = createHash('sha256').update(token).digest('hex');
  const now = new Date().toISOString();
  const orgId = '00000000-0000-7000-8000-000000000001';
  const userId = '00000000-0000-7000-8000-000000000002';
  const statements = [
    `INSERT OR IGNORE INTO organization (id, name, created_at) VALUES (${sql(orgId)}, 'local', ${sql(now)})`,
    `INSERT OR IGNORE INTO user (id, org_id, name, email, role, created_at) VALUES (${sql(userId)}, ${sql(orgId)}, 'Local Admin', 'admin@localhost', 'ADMIN', ${sql(now)})`,
    `INSERT INTO api_token (id, org_id, user_id, name, token_hash, prefix, created_at) VALUES (${sql(crypto.randomUUID())}, ${sql(orgId)}, ${sql(userId)}, 'local development', ${sql(hash)}, ${sql(token.slice(0, 11))}, ${sql(now)})`,
  ];
  wrangler(['d1', 'execute', 'DB', '--local', '--command', statements.join('; ')], { quiet: true });
  return token;
}

function writeDevVars(token: string) {
  const lines = existsSync(DEV_VARS)
    ? readFileSync(DEV_VARS, 'utf8')
        .split('\n')
        .filter((line) => line.trim() && !line.startsWith('LOCAL_ADMIN_TOKEN='))
    : [];
  lines.push(`LOCAL_ADMIN_TOKEN=${token}`);
  writeFileSync(DEV_VARS, `${lines.join('\n')}\n`);
  writeFileSync(TOKEN_FILE, `${token}\n`);
}

console.log('Applying D1 migrations to the local database...');
wrangler(['d1', 'migrations', 'apply', 'DB', '--local'], { quiet: true });

let token = existsSync(TOKEN_FILE) ? readFileSync(TOKEN_FILE, 'utf8').trim() : '';
if (!token || !tokenIsSeeded(token)) {
  token = seed();
  console.log('Seeded the local organization "local" with an admin user and API token.');
}
writeDevVars(token);

const port = process.env.PORT ?? '8787';
console.log(`
Local admin token (also in ${TOKEN_FILE} and ${DEV_VARS}):

  ${token}

GraphiQL: http://localhost:${port}/graphql  (the token is pre-filled in local development)
curl:     curl -s http://localhost:${port}/graphql -H "Authorization: Bearer ${token}" \\
            -H 'content-type: application/json' -d '{"query":"{ viewer { name role } }"}'
`);

const dev = spawn('npx', ['wrangler', 'dev', '--local', '--port', port, ...process.argv.slice(2)], {
  env,
  stdio: 'inherit',
});
dev.on('exit', (code) => process.exit(code ?? 0));
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => dev.kill(signal));

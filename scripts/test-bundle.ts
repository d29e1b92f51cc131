// Runs the production script `npm run build:dry` wrote (minified, with wrangler.jsonc's aliases and
// the lazily imported route families) in workerd through Miniflare, with production's variables and
// an empty local D1, and checks that each route family loads and answers: the vitest suite runs the
// sources through Vite, so this is the one check of the artifact that deploys. Exit 1 on a mismatch.
// Usage: node scripts/test-bundle.ts [outdir (default .wrangler/dry-run)]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { convertV4MiniflareOptions, Miniflare } from 'miniflare';
import { PRODUCTION_VARS, productionVarsDrift } from './production-vars.ts';

const outdir = process.argv[2] ?? '.wrangler/dry-run';
const config = readFileSync('wrangler.jsonc', 'utf8');
const compatibilityDate = /"compatibility_date"\s*:\s*"([\d-]+)"/.exec(config)?.[1] ?? '2026-11-01';
const drift = productionVarsDrift(config);
if (drift.length > 0) {
  console.error(
    `scripts/production-vars.ts differs from wrangler.jsonc env.production: ${drift.join(', ')}`,
  );
  process.exit(1);
}

const mf = new Miniflare(
  convertV4MiniflareOptions({
    compatibilityDate,
    modulesRoot: '/',
    modules: [
      {
        type: 'ESModule',
        path: '/index.js',
        contents: readFileSync(join(outdir, 'index.js'), 'utf8'),
      },
    ],
    bindings: PRODUCTION_VARS,
    d1Databases: ['DB'],
  }),
);

const UNAUTHENTICATED = 'Send an API token';
const checks: {
  name: string;
  method: string;
  path: string;
  body?: string;
  expect: (status: number, text: string) => boolean;
}[] = [
  { name: 'Worker 404', method: 'GET', path: '/not-here', expect: (s) => s === 404 },
  {
    name: 'GraphQL without a token',
    method: 'POST',
    path: '/graphql',
    body: '{"query":"{ viewer { id } }"}',
    expect: (s, t) => s === 401 && t.includes(UNAUTHENTICATED),
  },
  {
    name: 'REST without a token',
    method: 'POST',
    path: '/api/models',
    body: '{"name":"x"}',
    expect: (s, t) => s === 401 && t.includes('"UNAUTHENTICATED"'),
  },
  {
    name: 'MLflow without a token',
    method: 'POST',
    path: '/api/2.0/mlflow/experiments/search',
    body: '{}',
    expect: (s, t) => s === 401 && t.includes('"UNAUTHENTICATED"'),
  },
  {
    name: 'OTLP without a token',
    method: 'POST',
    path: '/v1/traces',
    body: '{}',
    expect: (s, t) => s === 401 && t.includes(UNAUTHENTICATED),
  },
  {
    // zod/mini's toJSONSchema and every route's schema, printed by the minified script.
    name: 'OpenAPI document equals test/api/__snapshots__/openapi.json',
    method: 'GET',
    path: '/api/openapi.json',
    expect: (s, t) =>
      s === 200 &&
      JSON.stringify(JSON.parse(t)) ===
        JSON.stringify(JSON.parse(readFileSync('test/api/__snapshots__/openapi.json', 'utf8'))),
  },
];

let failed = 0;
try {
  for (const check of checks) {
    const response = await mf.dispatchFetch(`http://127.0.0.1${check.path}`, {
      method: check.method,
      body: check.body,
      headers: { 'content-type': 'application/json' },
    });
    const text = await response.text();
    const ok = check.expect(response.status, text);
    if (!ok) failed += 1;
    console.log(
      `${ok ? 'ok  ' : 'FAIL'} ${check.name}: ${check.method} ${check.path} -> ${response.status}${ok ? '' : ` ${text.slice(0, 300)}`}`,
    );
  }
} finally {
  await mf.dispose();
}
console.log(
  `production bundle in workerd: ${checks.length - failed} of ${checks.length} checks as expected`,
);
if (failed > 0) process.exit(1);

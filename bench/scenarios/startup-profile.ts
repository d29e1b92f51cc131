// Scenario `startup-profile` (issue 20 section 4): where the CPU of a cold first GraphQL request
// goes. Builds this checkout's production Worker unminified (so that function names survive), then
// starts a fresh workerd (Miniflare) per run with an inspector port, CPU-profiles its first request
// `{ viewer { id name } }` (module evaluation, the schema, Yoga, validation, execution, the token
// lookup in the runner's seeded local D1) at 0.1 ms sampling, and attributes the profiles to
// functions: inclusive and self time, median over the runs.
//
//   npx node bench/run.ts startup-profile            # 5 runs
//   npx node bench/run.ts startup-profile --quick    # 2 runs
//   STARTUP_PROFILE_REQUEST=mutation npx node bench/run.ts startup-profile   # the cold first
//                           # mutation of scenario startup instead (`rest`: its REST request)
//
// Profiled times are about twice the unprofiled ones: read the shares, and measure a change with
// scenario `startup` (unprofiled, side by side).
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { PRODUCTION_VARS } from '../../scripts/production-vars.ts';
import { attributeOne, Inspector, profile } from '../lib/inspector.ts';
import type { Scenario } from '../lib/scenario.ts';
import { ms } from '../lib/stats.ts';
import { mustRunWrangler, REPO_ROOT } from '../lib/wrangler.ts';
import { coldRequests } from './startup.ts';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? 0 : (sorted[Math.floor((sorted.length - 1) / 2)] as number);
};

export const scenario: Scenario = {
  name: 'startup-profile',
  description: 'CPU profile of the cold first GraphQL request, unminified production build',
  skipStartup: true,
  async run(context) {
    const runs = context.quick ? 2 : 5;
    const outdir = join(context.workDir, 'dist-profile');
    context.log('Building the production bundle unminified');
    await mustRunWrangler(
      ['deploy', '--dry-run', '--env', 'production', '--minify=false', '--outdir', outdir],
      { timeoutMs: 180_000 },
    );
    const code = readFileSync(join(outdir, 'index.js'), 'utf8');
    const config = readFileSync(join(REPO_ROOT, 'wrangler.jsonc'), 'utf8');
    const compatibilityDate =
      /"compatibility_date"\s*:\s*"([\d-]+)"/.exec(config)?.[1] ?? '2026-11-01';
    const databaseId = /"database_id"\s*:\s*"([^"]+)"/.exec(config)?.[1] ?? '';
    const flagList = /"compatibility_flags"\s*:\s*\[([^\]]*)\]/.exec(config)?.[1] ?? '';
    const compatibilityFlags = [...flagList.matchAll(/"([^"]+)"/g)].map(
      (match) => match[1] as string,
    );
    const { Miniflare, convertV4MiniflareOptions } = await import('miniflare');
    // Scenario startup's cold requests: the GraphQL query (default), the mutation or REST.
    const which = process.env.STARTUP_PROFILE_REQUEST ?? 'query';
    const cold = coldRequests(context.seed.token).find((request) =>
      which === 'mutation'
        ? request.label.includes('mutation')
        : which === 'rest'
          ? request.label.includes('REST')
          : request.label.includes('GraphQL request'),
    );
    if (!cold) throw new Error(`STARTUP_PROFILE_REQUEST=${which}: query, mutation or rest`);
    const attributed: ReturnType<typeof attributeOne>[] = [];
    for (let run = 1; run <= runs; run++) {
      context.signal.throwIfAborted();
      const inspectorPort = await freePort();
      const mf = new Miniflare(
        convertV4MiniflareOptions({
          compatibilityDate,
          compatibilityFlags,
          inspectorPort,
          modulesRoot: '/',
          modules: [
            {
              type: 'ESModule',
              path: '/entry.mjs',
              contents:
                'export default { async fetch(request, env, ctx) { const worker = await import("./worker.js"); return worker.default.fetch(request, env, ctx); } };',
            },
            { type: 'ESModule', path: '/worker.js', contents: code },
          ],
          bindings: PRODUCTION_VARS,
          d1Databases: { DB: databaseId },
          resourcePersistencePath: join(context.persistTo, 'v3'),
        }),
      );
      try {
        await mf.ready;
        const inspector = await Inspector.connectToWorker(inspectorPort);
        const { result: response, profile: cpu } = await profile(
          inspector,
          () =>
            mf.dispatchFetch(`http://127.0.0.1${cold.path}`, {
              method: cold.method ?? 'GET',
              headers: cold.headers ?? {},
              ...(cold.body === undefined ? {} : { body: cold.body }),
            }),
          100,
        );
        const text = await response.text();
        inspector.close();
        if (response.status !== cold.status || (cold.check && !cold.check(text))) {
          throw new Error(`cold request: ${response.status} ${text.slice(0, 300)}`);
        }
        writeFileSync(join(context.workDir, `cold-graphql-${run}.cpuprofile`), JSON.stringify(cpu));
        const result = attributeOne(cpu);
        attributed.push(result);
        context.log(`run ${run}: ${ms(result.activeMs)} active in the profile`);
      } finally {
        await mf.dispose();
      }
    }
    const medianOf = (pick: (entry: ReturnType<typeof attributeOne>) => Map<string, number>) => {
      const names = new Set(
        attributed
          .flatMap((entry) => [...pick(entry).keys()])
          .filter((name) => !name.startsWith('(idle)') && !name.startsWith('(program)')),
      );
      return [...names]
        .map(
          (name) => [name, median(attributed.map((entry) => pick(entry).get(name) ?? 0))] as const,
        )
        .sort((a, b) => b[1] - a[1]);
    };
    const total = medianOf((entry) => entry.total).slice(0, context.quick ? 45 : 80);
    const self = medianOf((entry) => entry.self).slice(0, 30);
    const active = median(attributed.map((entry) => entry.activeMs));
    const lines = [
      `${cold.label}, profiled at 0.1 ms, ${runs} fresh workerd instances: active ${ms(active)} (median)`,
      '',
      'Inclusive (median ms):',
      ...total.map(([name, value]) => `  ${value.toFixed(1).padStart(7)}  ${name}`),
      '',
      'Self (median ms):',
      ...self.map(([name, value]) => `  ${value.toFixed(1).padStart(7)}  ${name}`),
    ];
    return {
      report: lines.join('\n'),
      results: { runs, active, total: Object.fromEntries(total), self: Object.fromEntries(self) },
    };
  },
};

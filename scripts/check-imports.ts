// Fails (exit 1) on an import cycle between files under src/, on two folders of src/ that import
// each other (src/registry/<domain>, src/auth, src/ports, ...), or on an API file (src/schema,
// src/routes) importing a repository: every request goes one way down (schema or routes -> service
// -> repository), services own the reads as well as the writes, and a domain may use another only
// if that one does not use it back. dependency-cruiser parses and resolves the imports; this script only judges them.
// Usage: node scripts/check-imports.ts [root (default src)]
import { cruise, type ICruiseResult } from 'dependency-cruiser';

const root = process.argv[2] ?? 'src';

/**
 * The two deliberate two-way dependencies, both type-only aggregations: src/db/database.ts lists
 * every domain's table interface (Kysely's Database type, which every repository takes), and
 * src/registry/deps.ts names the adapters and parsed config every service may take (Deps).
 */
const AGGREGATORS = new Set([`${root}/db/database.ts`, `${root}/registry/deps.ts`]);

/** The folder a file belongs to: a domain under registry/, else the first folder under root. */
function folderOf(file: string): string {
  const parts = file.split('/');
  if (parts[1] === 'registry' && parts.length > 3) return parts.slice(0, 3).join('/');
  return parts.length > 2 ? parts.slice(0, 2).join('/') : file;
}

const started = performance.now();
const result = await cruise([root], {
  ruleSet: {
    forbidden: [{ name: 'no-circular', severity: 'error', from: {}, to: { circular: true } }],
  },
  validate: true,
  tsPreCompilationDeps: true,
  doNotFollow: { path: 'node_modules' },
});
const output = result.output as ICruiseResult;

const problems: string[] = [];
const cycles = new Set<string>();
for (const violation of output.summary.violations) {
  if (violation.rule.name !== 'no-circular') continue;
  const cycle = (violation.cycle ?? []).map((step) => step.name);
  const key = [...cycle].sort().join(' ');
  if (cycles.has(key)) continue;
  cycles.add(key);
  problems.push(`file cycle: ${[violation.from, ...cycle].join(' -> ')}`);
}

/** API layers, which read and write through services only. */
const API_FOLDERS = [`${root}/schema/`, `${root}/routes/`];
for (const module of output.modules) {
  if (!API_FOLDERS.some((folder) => module.source.startsWith(folder))) continue;
  for (const dependency of module.dependencies) {
    if (dependency.resolved.endsWith('.repository.ts')) {
      problems.push(`API file reads a repository: ${module.source} -> ${dependency.resolved}`);
    }
  }
}

const folderEdges = new Map<string, Map<string, string>>();
for (const module of output.modules) {
  if (!module.source.startsWith(`${root}/`) || AGGREGATORS.has(module.source)) continue;
  for (const dependency of module.dependencies) {
    if (!dependency.resolved.startsWith(`${root}/`)) continue;
    const from = folderOf(module.source);
    const to = folderOf(dependency.resolved);
    if (from === to) continue;
    const targets = folderEdges.get(from) ?? new Map<string, string>();
    if (!targets.has(to)) targets.set(to, `${module.source} -> ${dependency.resolved}`);
    folderEdges.set(from, targets);
  }
}
for (const [from, targets] of folderEdges) {
  for (const [to, example] of targets) {
    const back = folderEdges.get(to)?.get(from);
    if (back && from < to) {
      problems.push(`folders import each other: ${from} <-> ${to} (${example}; ${back})`);
    }
  }
}

const seconds = ((performance.now() - started) / 1000).toFixed(1);
if (problems.length > 0) {
  console.error(problems.join('\n'));
  console.error(`imports: ${problems.length} problem(s) in ${output.summary.totalCruised} files`);
  process.exit(1);
}
console.log(
  `imports: no cycle between ${output.summary.totalCruised} files or their folders, no API file reads a repository (${seconds} s)`,
);

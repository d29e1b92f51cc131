// Fails (exit 1) when the production Worker wrangler would upload is larger than the limit.
// `npm test` runs it right after `npm run build:dry` (`wrangler deploy --dry-run --outdir
// .wrangler/dry-run --env production`); the outdir then holds exactly the modules wrangler would
// upload (the main module and any additional one), the source map beside each, and a README.
// Measured: every file but the source maps and the README, uncompressed, which is the number
// wrangler prints as "Total Upload" and the one issue 20 limits (1.5 MiB); gzip is printed too.
// Usage: node scripts/check-bundle.ts [outdir (default .wrangler/dry-run)] [--limit-kib=N]
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

/** Uncompressed KiB of the uploaded modules (issue 20 section 4). */
const DEFAULT_LIMIT_KIB = 1536;
/** An outdir older than this is from an earlier build, not the one this run just made. */
const MAX_AGE_MS = 30 * 60_000;

const args = process.argv.slice(2);
const outdir = args.find((arg) => !arg.startsWith('--')) ?? '.wrangler/dry-run';
const limitFlag = args.find((arg) => arg.startsWith('--limit-kib='));
const limitKiB = limitFlag ? Number(limitFlag.split('=')[1]) : DEFAULT_LIMIT_KIB;

const fail = (message: string): never => {
  console.error(`check-bundle: ${message}`);
  process.exit(1);
};

if (!Number.isFinite(limitKiB) || limitKiB <= 0) fail(`bad --limit-kib: ${limitFlag}`);
if (!existsSync(outdir)) fail(`${outdir} does not exist: run \`npm run build:dry\` first`);
const entries = readdirSync(outdir);
const modules = entries.filter((name) => !name.endsWith('.map') && name !== 'README.md');
if (!modules.includes('index.js'))
  fail(`${outdir} holds no index.js: not a wrangler dry-run outdir`);
const ageMs = Date.now() - statSync(join(outdir, 'index.js')).mtimeMs;
if (ageMs > MAX_AGE_MS) {
  fail(`${outdir}/index.js is ${Math.round(ageMs / 60_000)} min old: run \`npm run build:dry\``);
}

let bytes = 0;
let gzipBytes = 0;
for (const name of modules) {
  const path = join(outdir, name);
  if (!statSync(path).isFile()) fail(`${path} is not a file`);
  const contents = readFileSync(path);
  bytes += contents.length;
  gzipBytes += gzipSync(contents).length;
}
const kib = (n: number) => (n / 1024).toFixed(1);
const line = `production bundle: ${kib(bytes)} KiB (gzip ${kib(gzipBytes)} KiB) in ${modules.length} module(s); limit ${kib(limitKiB * 1024)} KiB`;
if (bytes > limitKiB * 1024) fail(`${line}: over the limit by ${kib(bytes - limitKiB * 1024)} KiB`);
console.log(`${line}: ok`);

// Bundles the lineage page's script (public/lineage/src/, with Cytoscape) into
// public/lineage/lineage.js, served by the Worker as a static asset: no CDN, nothing fetched at run
// time. The sources and the output are kept out of the asset upload and of git respectively
// (public/.assetsignore, .gitignore).
import { build } from 'esbuild';

const root = new URL('../public/lineage/', import.meta.url);
const result = await build({
  entryPoints: [new URL('src/main.ts', root).pathname],
  outfile: new URL('lineage.js', root).pathname,
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: ['es2022'],
  minify: true,
  legalComments: 'eof',
  logLevel: 'warning',
  metafile: true,
});
const bytes = Object.values(result.metafile.outputs).reduce((sum, output) => sum + output.bytes, 0);
console.log(
  `Wrote the lineage page's script to public/lineage/lineage.js (${Math.round(bytes / 1024)} KiB).`,
);

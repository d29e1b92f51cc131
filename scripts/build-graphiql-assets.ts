// Writes GraphiQL's script, styles and editor workers to public/graphiql/ so the Worker serves them
// as static assets: no CDN (Yoga's default page loads GraphiQL from unpkg), nothing needs the
// network, and the 9 MB of GraphiQL stays out of the Worker bundle.
import { mkdirSync, writeFileSync } from 'node:fs';
import {
  css,
  editorWorkerService,
  favicon,
  graphqlWorker,
  js,
  jsonWorker,
} from '@graphql-yoga/render-graphiql/graphiql';

const directory = new URL('../public/graphiql/', import.meta.url);
mkdirSync(directory, { recursive: true });
const files: Record<string, string> = {
  'graphiql.css': css,
  'graphiql.js': js,
  'editor.worker.js': editorWorkerService,
  'json.worker.js': jsonWorker,
  'graphql.worker.js': graphqlWorker,
};
for (const [name, content] of Object.entries(files)) {
  writeFileSync(new URL(name, directory), content);
}
// The favicon comes as a data: URI.
writeFileSync(
  new URL('favicon.ico', directory),
  Buffer.from(favicon.split(',')[1] ?? '', 'base64'),
);
console.log(`Wrote GraphiQL assets to public/graphiql/ (${Object.keys(files).length + 1} files).`);

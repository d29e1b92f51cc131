// Prints the Pothos schema, sorted, to schema.graphql; with --check, fails when the committed file
// differs from the code. Runs under the project's Node (type stripping: imports carry .ts).
import { readFileSync, writeFileSync } from 'node:fs';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { schema } from '../src/schema/index.ts';

const file = new URL('../schema.graphql', import.meta.url);
const printed = `${printSchema(lexicographicSortSchema(schema))}\n`;

if (process.argv.includes('--check')) {
  let committed = '';
  try {
    committed = readFileSync(file, 'utf8');
  } catch {
    // missing file: reported below
  }
  if (committed !== printed) {
    console.error(
      'schema.graphql differs from the code. Run `npm run schema:print` and commit it.',
    );
    process.exit(1);
  }
  console.log('schema.graphql is up to date.');
} else {
  writeFileSync(file, printed);
  console.log(`Wrote schema.graphql (${printed.length} bytes).`);
}

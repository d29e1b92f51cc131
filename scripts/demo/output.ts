// Printing: steps, tables and number formats; --check keeps only one line per step.
import { DemoError } from './client.ts';

export const CHECK = process.argv.includes('--check');

export const quiet = CHECK;
export function say(text = '') {
  if (!quiet) console.log(text);
}

export function table(headers: string[], rows: (string | number | null | undefined)[][]) {
  const cells = rows.map((row) =>
    row.map((cell) => (cell === null || cell === undefined ? '-' : String(cell))),
  );
  const widths = headers.map((header, i) =>
    Math.max(header.length, ...cells.map((row) => (row[i] ?? '').length)),
  );
  const numeric = headers.map((_, i) =>
    cells.every((row) => /^[<-]?[\d,.$%]+$|^-$/.test(row[i] ?? '')),
  );
  const line = (row: string[]) =>
    `  ${row.map((cell, i) => (numeric[i] ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0))).join('  ')}`.trimEnd();
  say(line(headers));
  say(line(widths.map((w) => '-'.repeat(w))));
  for (const row of cells) say(line(row));
}

export const usd = (value: number | null | undefined, digits = 4) =>
  value === null || value === undefined ? null : `$${value.toFixed(digits)}`;
export const fixed = (value: number | null | undefined, digits = 3) =>
  value === null || value === undefined ? null : value.toFixed(digits);
export const count = (value: number) => value.toLocaleString('en-US');
export const pValue = (value: number | null | undefined) =>
  value === null || value === undefined ? null : value < 0.0001 ? '<0.0001' : value.toFixed(4);

let stepNumber = 0;
export async function step<T>(title: string, run: () => Promise<T>): Promise<T> {
  stepNumber += 1;
  const started = performance.now();
  if (!quiet) console.log(`\n${stepNumber}. ${title}`);
  try {
    const result = await run();
    if (quiet)
      console.log(`ok    ${stepNumber}. ${title} (${Math.round(performance.now() - started)} ms)`);
    return result;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    console.error(`${quiet ? 'FAIL  ' : '   '}${stepNumber}. ${title}: ${message}`);
    if (!(error instanceof DemoError) && error instanceof Error && error.stack)
      console.error(error.stack);
    process.exit(1);
  }
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new DemoError(`Assertion failed: ${message}`);
}

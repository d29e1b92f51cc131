// MLflow's search filter strings (`metrics.rmse < 0.8 and params.lr = '0.01'`) and order_by
// clauses, parsed into clauses the repositories compile to parameterised SQL. The grammar is
// MLflow's (mlflow/utils/search_utils.py): clauses joined by AND (no OR, no parentheses), an
// identifier `<type>.<key>` whose key may be quoted with backticks or double quotes, a comparator
// allowed for that type, and a number, a quoted string or a parenthesised list of strings. Anything
// else is refused with the reason, never skipped: a clause dropped silently would widen a search.
import { ValidationError } from '../errors.ts';

export type EntityType = 'metric' | 'param' | 'tag' | 'attribute';
export type Comparator = '=' | '!=' | '>' | '>=' | '<' | '<=' | 'LIKE' | 'ILIKE' | 'IN' | 'NOT IN';

export interface FilterClause {
  type: EntityType;
  key: string;
  comparator: Comparator;
  /** A number for numeric comparisons, a string, or strings for IN / NOT IN. */
  value: number | string | string[];
}

export interface OrderClause {
  type: EntityType;
  key: string;
  ascending: boolean;
}

/** What one search accepts: the attributes it knows and which of them compare as numbers. */
export interface SearchGrammar {
  /** Identifier types accepted; a bare identifier (no `type.`) is an attribute. */
  types: readonly EntityType[];
  stringAttributes: readonly string[];
  numericAttributes: readonly string[];
  /** Attributes that also take IN / NOT IN. */
  listAttributes?: readonly string[];
}

const TYPE_ALIASES: Readonly<Record<string, EntityType>> = {
  metric: 'metric',
  metrics: 'metric',
  param: 'param',
  params: 'param',
  parameter: 'param',
  parameters: 'param',
  tag: 'tag',
  tags: 'tag',
  attribute: 'attribute',
  attributes: 'attribute',
  attr: 'attribute',
  run: 'attribute',
};

const NUMERIC: readonly Comparator[] = ['=', '!=', '>', '>=', '<', '<='];
const STRING: readonly Comparator[] = ['=', '!=', 'LIKE', 'ILIKE'];

class Scanner {
  index = 0;
  readonly text: string;
  readonly field: string;

  constructor(text: string, field: string) {
    this.text = text;
    this.field = field;
  }

  fail(message: string): never {
    throw new ValidationError(`Invalid ${this.field} '${this.text}': ${message}`, [this.field]);
  }

  skipSpace(): void {
    while (this.index < this.text.length && /\s/.test(this.text[this.index] as string))
      this.index++;
  }

  done(): boolean {
    this.skipSpace();
    return this.index >= this.text.length;
  }

  peekWord(): string {
    this.skipSpace();
    const match = /^[A-Za-z]+/.exec(this.text.slice(this.index));
    return match ? match[0].toUpperCase() : '';
  }

  takeWord(word: string): boolean {
    if (this.peekWord() !== word) return false;
    const next = this.text[this.index + word.length];
    if (next !== undefined && /\w/.test(next)) return false;
    this.index += word.length;
    return true;
  }

  quoted(): string | null {
    this.skipSpace();
    const quote = this.text[this.index];
    if (quote !== "'" && quote !== '"' && quote !== '`') return null;
    const end = this.text.indexOf(quote, this.index + 1);
    if (end < 0) this.fail(`unterminated ${quote} quote`);
    const value = this.text.slice(this.index + 1, end);
    this.index = end + 1;
    return value;
  }
}

function identifier(scanner: Scanner, grammar: SearchGrammar): { type: EntityType; key: string } {
  scanner.skipSpace();
  const rest = scanner.text.slice(scanner.index);
  const head = /^([A-Za-z_]+)\./.exec(rest);
  let type: EntityType = 'attribute';
  if (head) {
    const named = TYPE_ALIASES[(head[1] as string).toLowerCase()];
    if (!named) scanner.fail(`unknown entity type '${head[1]}'`);
    type = named;
    scanner.index += head[0].length;
  }
  if (!grammar.types.includes(type)) scanner.fail(`${type} filters are not supported here`);
  let key = scanner.quoted();
  if (key === null) {
    const word = /^[\w.\-/:]+/.exec(scanner.text.slice(scanner.index));
    if (!word) scanner.fail(`expected an identifier at position ${scanner.index}`);
    key = word[0];
    scanner.index += key.length;
  }
  if (key.length === 0) scanner.fail('an identifier key must not be empty');
  if (type === 'attribute') {
    const known = [...grammar.stringAttributes, ...grammar.numericAttributes];
    if (!known.includes(key)) {
      scanner.fail(`unknown attribute '${key}' (known: ${known.join(', ')})`);
    }
  }
  return { type, key };
}

function comparator(scanner: Scanner): Comparator {
  scanner.skipSpace();
  const symbol = /^(!=|>=|<=|=|>|<)/.exec(scanner.text.slice(scanner.index));
  if (symbol) {
    scanner.index += (symbol[0] as string).length;
    return symbol[0] as Comparator;
  }
  if (scanner.takeWord('LIKE')) return 'LIKE';
  if (scanner.takeWord('ILIKE')) return 'ILIKE';
  if (scanner.takeWord('IN')) return 'IN';
  if (scanner.takeWord('NOT')) {
    if (scanner.takeWord('IN')) return 'NOT IN';
    scanner.fail('expected IN after NOT');
  }
  return scanner.fail(`expected a comparator at position ${scanner.index}`);
}

function numberValue(scanner: Scanner): number {
  scanner.skipSpace();
  const match = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?/.exec(scanner.text.slice(scanner.index));
  if (!match) return scanner.fail(`expected a number at position ${scanner.index}`);
  scanner.index += match[0].length;
  return Number(match[0]);
}

function stringValue(scanner: Scanner): string {
  const value = scanner.quoted();
  if (value === null || scanner.text[scanner.index - 1] === '`') {
    return scanner.fail(`expected a quoted string at position ${scanner.index}`);
  }
  return value;
}

function listValue(scanner: Scanner): string[] {
  scanner.skipSpace();
  if (scanner.text[scanner.index] !== '(') scanner.fail('expected a parenthesised list after IN');
  scanner.index++;
  const values: string[] = [];
  for (;;) {
    values.push(stringValue(scanner));
    scanner.skipSpace();
    const next = scanner.text[scanner.index];
    scanner.index++;
    if (next === ')') return values;
    if (next !== ',') scanner.fail('expected "," or ")" in the list');
  }
}

function isNumeric(type: EntityType, key: string, grammar: SearchGrammar): boolean {
  return type === 'metric' || (type === 'attribute' && grammar.numericAttributes.includes(key));
}

/** Parses a filter string; empty or whitespace-only means no filter. */
export function parseFilter(
  text: string | null | undefined,
  grammar: SearchGrammar,
  field = 'filter',
): FilterClause[] {
  if (!text?.trim()) return [];
  const scanner = new Scanner(text, field);
  const clauses: FilterClause[] = [];
  for (;;) {
    const { type, key } = identifier(scanner, grammar);
    const op = comparator(scanner);
    const numeric = isNumeric(type, key, grammar);
    const list = op === 'IN' || op === 'NOT IN';
    if (numeric && !NUMERIC.includes(op)) {
      scanner.fail(`'${op}' is not a comparator for ${type} '${key}' (use ${NUMERIC.join(' ')})`);
    }
    if (list && !(type === 'attribute' && grammar.listAttributes?.includes(key))) {
      scanner.fail(`'${op}' is not supported for ${type} '${key}'`);
    }
    if (!numeric && !list && !STRING.includes(op)) {
      scanner.fail(`'${op}' is not a comparator for ${type} '${key}' (use ${STRING.join(' ')})`);
    }
    const value = list ? listValue(scanner) : numeric ? numberValue(scanner) : stringValue(scanner);
    clauses.push({ type, key, comparator: op, value });
    if (scanner.done()) return clauses;
    if (!scanner.takeWord('AND')) {
      if (scanner.peekWord() === 'OR') scanner.fail('OR is not supported; join clauses with AND');
      scanner.fail(`expected AND at position ${scanner.index}`);
    }
  }
}

/** Parses order_by entries (`metrics.rmse DESC`, `attributes.start_time`, `params.lr ASC`). */
export function parseOrderBy(
  entries: readonly string[] | null | undefined,
  grammar: SearchGrammar,
  field = 'order_by',
): OrderClause[] {
  return (entries ?? []).map((entry) => {
    const scanner = new Scanner(entry, field);
    const { type, key } = identifier(scanner, grammar);
    let ascending = true;
    if (scanner.takeWord('DESC')) ascending = false;
    else scanner.takeWord('ASC');
    if (!scanner.done()) scanner.fail('expected ASC or DESC after the identifier');
    return { type, key, ascending };
  });
}

/** A LIKE pattern as a GLOB (SQLite's LIKE ignores case; MLflow's LIKE does not). */
export function likeToGlob(pattern: string): string {
  let glob = '';
  for (const char of pattern) {
    if (char === '%') glob += '*';
    else if (char === '_') glob += '?';
    else if (char === '*' || char === '?' || char === '[') glob += `[${char}]`;
    else glob += char;
  }
  return glob;
}

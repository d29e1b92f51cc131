// A parsed MLflow filter clause's comparison as SQL, for each search's repository.
import { type RawBuilder, sql } from 'kysely';
import { type FilterClause, likeToGlob } from './search-filter.ts';

const SQL_COMPARATORS: Readonly<Record<string, string>> = {
  '=': '=',
  '!=': '!=',
  '>': '>',
  '>=': '>=',
  '<': '<',
  '<=': '<=',
};

export function comparison(column: RawBuilder<unknown>, clause: FilterClause): RawBuilder<boolean> {
  const { comparator, value } = clause;
  if (comparator === 'LIKE') return sql<boolean>`${column} GLOB ${likeToGlob(String(value))}`;
  if (comparator === 'ILIKE') return sql<boolean>`${column} LIKE ${String(value)}`;
  if (comparator === 'IN' || comparator === 'NOT IN') {
    const list = JSON.stringify(value);
    return comparator === 'IN'
      ? sql<boolean>`${column} IN (SELECT value FROM json_each(${list}))`
      : sql<boolean>`${column} NOT IN (SELECT value FROM json_each(${list}))`;
  }
  return sql<boolean>`${column} ${sql.raw(SQL_COMPARATORS[comparator] as string)} ${value}`;
}

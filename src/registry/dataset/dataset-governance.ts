// A dataset's GDPR declaration (personal data, lawful basis, retention, declared columns) is part of
// the dataset: it is written with the dataset's registration and read by the governance checks.
import type { Viewer } from '../../auth/viewer.ts';
import { ValidationError } from '../errors.ts';
import { optionalText, requireName } from '../validate.ts';
import type { DatasetGovernanceTable } from './dataset.table.ts';

/** GDPR Art. 6(1)(a)-(f). */
export const LAWFUL_BASES = [
  'CONSENT',
  'CONTRACT',
  'LEGAL_OBLIGATION',
  'VITAL_INTERESTS',
  'PUBLIC_TASK',
  'LEGITIMATE_INTERESTS',
] as const;
export type LawfulBasis = (typeof LAWFUL_BASES)[number];

export interface DatasetGovernanceInput {
  containsPersonalData: boolean;
  lawfulBasis?: string | null;
  retentionDays?: number | null;
  columns?: readonly { name: string; sampleValues?: readonly string[] | null }[] | null;
}

export const MAX_DECLARED_COLUMNS = 500;
export const MAX_SAMPLE_VALUES = 20;

/** Validates a GDPR declaration and returns its row for `datasetId`. */
export function datasetGovernanceRow(
  viewer: Viewer,
  datasetId: string,
  input: DatasetGovernanceInput,
  path: readonly string[],
  declaredAt: string,
): DatasetGovernanceTable {
  const lawfulBasis = input.lawfulBasis ?? null;
  if (lawfulBasis !== null && !(LAWFUL_BASES as readonly string[]).includes(lawfulBasis)) {
    throw new ValidationError('Unknown lawful basis', [...path, 'lawfulBasis']);
  }
  const retention = input.retentionDays ?? null;
  if (retention !== null && (!Number.isInteger(retention) || retention < 1 || retention > 36_500)) {
    throw new ValidationError('Must be a whole number of days from 1 to 36,500', [
      ...path,
      'retentionDays',
    ]);
  }
  const columns = input.columns ?? [];
  if (columns.length > MAX_DECLARED_COLUMNS) {
    throw new ValidationError(`At most ${MAX_DECLARED_COLUMNS} columns`, [...path, 'columns']);
  }
  const names = new Set<string>();
  const declared = columns.map((column, index) => {
    const columnPath = [...path, 'columns', String(index)];
    const name = requireName(column.name, [...columnPath, 'name']);
    if (names.has(name)) throw new ValidationError('Listed twice', [...columnPath, 'name']);
    names.add(name);
    const samples = column.sampleValues ?? [];
    if (samples.length > MAX_SAMPLE_VALUES) {
      throw new ValidationError(`At most ${MAX_SAMPLE_VALUES} sample values`, [
        ...columnPath,
        'sampleValues',
      ]);
    }
    samples.forEach((value, valueIndex) => {
      optionalText(value, [...columnPath, 'sampleValues', String(valueIndex)], 500);
    });
    return { name, sampleValues: [...samples] };
  });
  return {
    dataset_id: datasetId,
    org_id: viewer.orgId,
    contains_personal_data: input.containsPersonalData ? 1 : 0,
    lawful_basis: lawfulBasis as LawfulBasis | null,
    retention_days: retention,
    columns: JSON.stringify(declared),
    declared_at: declaredAt,
    declared_by: viewer.userId,
  };
}

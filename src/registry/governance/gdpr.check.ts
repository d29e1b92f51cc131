import type { CheckOutcome, DatasetGovernance, Finding } from './governance.ts';
import { scanColumns } from './pii.ts';

/** One dataset upstream of a version, with what the GDPR check needs to know about it. */
export interface UpstreamDataset {
  id: string;
  name: string;
  depth: number;
  governance: DatasetGovernance | null;
  erasureRequestedAt: Date | null;
}

/**
 * GDPR over the version's upstream datasets (any depth, through lineage): each must declare
 * whether it holds personal data; personal data needs a lawful basis (Art. 6) and a retention
 * period (Art. 5(1)(e), storage limitation); columns whose names or sample values look like
 * personal data contradict a "no personal data" declaration; and a dataset under an erasure request
 * (Art. 17) fails every version trained on it.
 */
export function runGdprCheck(
  datasets: readonly UpstreamDataset[],
  walk: { isTruncated: boolean },
): CheckOutcome {
  const findings: Finding[] = [];
  const fail = (code: string, message: string, dataset: UpstreamDataset) =>
    findings.push({ code, message, subjectId: dataset.id, subjectKind: 'Dataset' });
  let failed = false;
  for (const dataset of datasets) {
    const label = `Dataset "${dataset.name}"`;
    if (dataset.erasureRequestedAt) {
      failed = true;
      fail(
        'ERASURE_REQUESTED',
        `${label} is under an erasure request (Art. 17) since ${dataset.erasureRequestedAt.toISOString()}`,
        dataset,
      );
    }
    const declared = dataset.governance;
    if (!declared) {
      failed = true;
      fail(
        'UNDECLARED_DATASET',
        `${label} declares neither personal data, lawful basis nor retention`,
        dataset,
      );
      continue;
    }
    if (declared.containsPersonalData) {
      if (!declared.lawfulBasis) {
        failed = true;
        fail(
          'NO_LAWFUL_BASIS',
          `${label} holds personal data without a lawful basis (Art. 6)`,
          dataset,
        );
      }
      if (declared.retentionDays === null) {
        failed = true;
        fail(
          'NO_RETENTION',
          `${label} holds personal data without a retention period (Art. 5(1)(e))`,
          dataset,
        );
      }
    } else {
      for (const hit of scanColumns(declared.columns)) {
        failed = true;
        fail(
          'UNDECLARED_PERSONAL_DATA',
          `${label} is declared free of personal data, but column "${hit.column}" looks like ${hit.kind} (by its ${hit.source === 'NAME' ? 'name' : 'sample values'})`,
          dataset,
        );
      }
    }
  }
  if (datasets.length === 0) {
    findings.push({
      code: 'NO_UPSTREAM_DATASETS',
      message: 'No dataset is recorded upstream of this version: nothing to check it against',
    });
  }
  if (walk.isTruncated) {
    findings.push({
      code: 'LINEAGE_TRUNCATED',
      message: 'The lineage is larger than one walk covers; datasets beyond it were not checked',
    });
  }
  const status = failed
    ? 'FAILED'
    : datasets.length === 0 || walk.isTruncated
      ? 'NEEDS_REVIEW'
      : 'PASSED';
  const failing = new Set(findings.filter((f) => f.subjectId).map((f) => f.subjectId));
  const summary = failed
    ? `${failing.size} of ${datasets.length} upstream datasets fail GDPR declarations`
    : datasets.length === 0
      ? 'No upstream datasets recorded'
      : `All ${datasets.length} upstream datasets are declared and lawful`;
  return {
    type: 'GDPR',
    status,
    summary,
    findings,
    details: {
      datasets: datasets.map((dataset) => ({
        id: dataset.id,
        name: dataset.name,
        depth: dataset.depth,
        containsPersonalData: dataset.governance?.containsPersonalData ?? null,
        lawfulBasis: dataset.governance?.lawfulBasis ?? null,
        retentionDays: dataset.governance?.retentionDays ?? null,
        erasureRequested: dataset.erasureRequestedAt !== null,
      })),
    },
  };
}

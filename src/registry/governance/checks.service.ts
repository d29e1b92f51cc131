import type { Db } from '../../db/db.ts';
import { findDatasetsByIds } from '../dataset/dataset.repository.ts';
import type { Deps } from '../deps.ts';
import { ValidationError } from '../errors.ts';
import { parseJson } from '../json.ts';
import { walkLineage } from '../lineage/traversal.service.ts';
import type { ModelTable, ModelVersionTable } from '../model/model.table.ts';
import { hex } from '../sha256.ts';
import { type AiActEvidence, runAiActCheck, validateAiActEvidence } from './ai-act.check.ts';
import {
  type FairnessEvidence,
  runFairnessCheck,
  validateFairnessEvidence,
} from './fairness.check.ts';
import { runGdprCheck, type UpstreamDataset } from './gdpr.check.ts';
import {
  findDatasetGovernanceByIds,
  findErasureRequestsByDatasetIds,
  findVersionArtifactsForCheck,
} from './governance.repository.ts';
import {
  CHECK_TYPES,
  type CheckOutcome,
  type CheckType,
  toDatasetGovernance,
} from './governance.ts';
import {
  type ArtifactPresence,
  externalArtifactOf,
  MAX_VERIFIED_ARTIFACTS,
  modelCardOwnerOf,
  runSecurityCheck,
} from './security.check.ts';

/** The evidence a request carries for the checks that need more than the registry knows. */
export interface CheckEvidence {
  fairness?: FairnessEvidence | null;
  aiAct?: AiActEvidence | null;
}

/** Which evidence key each check reads; GDPR and SECURITY read the registry itself. */
const EVIDENCE_KEY: Partial<Record<CheckType, keyof CheckEvidence>> = {
  FAIRNESS: 'fairness',
  AI_ACT: 'aiAct',
};

/** The lineage a version's data comes through: trained, evaluated and derived-from, any depth. */
export const GDPR_EDGE_TYPES = ['TRAINED_ON', 'EVALUATED_ON', 'DERIVED_FROM'] as const;

export function requireCheckList(
  checks: readonly string[] | null | undefined,
  path: readonly string[],
): CheckType[] {
  if (!checks || checks.length === 0) throw new ValidationError('Name at least one check', path);
  const seen = new Set<string>();
  checks.forEach((check, index) => {
    if (!(CHECK_TYPES as readonly string[]).includes(check)) {
      throw new ValidationError('Unknown check type', [...path, String(index)]);
    }
    if (seen.has(check)) throw new ValidationError('Listed twice', [...path, String(index)]);
    seen.add(check);
  });
  return [...seen] as CheckType[];
}

/**
 * Validates new evidence and merges it over what a request already holds; every check in `checks`
 * that reads evidence must end up with some, unless `missing` is NEEDS_REVIEW (the seed's REST
 * shape, which has no evidence field): then such a check runs as NEEDS_REVIEW, for the reviewer
 * to decide. Evidence for a check not run is refused.
 */
export function prepareEvidence(
  checks: readonly CheckType[],
  given: CheckEvidence | null | undefined,
  path: readonly string[],
  existing: CheckEvidence = {},
  allowed: readonly CheckType[] = checks,
  missing: MissingEvidence = 'REFUSE',
): CheckEvidence {
  const merged: CheckEvidence = { ...existing };
  if (given?.fairness) {
    if (!allowed.includes('FAIRNESS')) {
      throw new ValidationError('FAIRNESS is not among the checks', [...path, 'fairness']);
    }
    merged.fairness = validateFairnessEvidence(given.fairness, [...path, 'fairness']);
  }
  if (given?.aiAct) {
    if (!allowed.includes('AI_ACT')) {
      throw new ValidationError('AI_ACT is not among the checks', [...path, 'aiAct']);
    }
    merged.aiAct = validateAiActEvidence(given.aiAct, [...path, 'aiAct']);
  }
  for (const check of checks) {
    const key = EVIDENCE_KEY[check];
    if (key && !merged[key] && missing === 'REFUSE') {
      throw new ValidationError(`The ${check} check needs evidence`, [...path, key]);
    }
  }
  return merged;
}

/** What a check that reads evidence does without any: refuse the request, or ask a reviewer. */
export type MissingEvidence = 'REFUSE' | 'NEEDS_REVIEW';

/** The outcome of a check run without the evidence it reads (prepareEvidence's NEEDS_REVIEW). */
function withoutEvidence(type: CheckType): CheckOutcome {
  return {
    type,
    status: 'NEEDS_REVIEW',
    summary: `No ${type} evidence was given: the reviewer decides, or re-run the check with evidence`,
    findings: [{ code: 'NO_EVIDENCE', message: `The ${type} check ran without evidence` }],
    details: null,
  };
}

/** Runs the checks on a version with their evidence; reads only, writes nothing. */
export async function runChecks(
  deps: Pick<Deps, 'db' | 'd1'> & Partial<Pick<Deps, 'bucket'>>,
  orgId: string,
  subject: { version: ModelVersionTable; model: ModelTable },
  checks: readonly CheckType[],
  evidence: CheckEvidence,
): Promise<CheckOutcome[]> {
  const outcomes: CheckOutcome[] = [];
  for (const check of checks) {
    switch (check) {
      case 'FAIRNESS':
        outcomes.push(
          evidence.fairness ? runFairnessCheck(evidence.fairness) : withoutEvidence(check),
        );
        break;
      case 'AI_ACT':
        outcomes.push(evidence.aiAct ? runAiActCheck(evidence.aiAct) : withoutEvidence(check));
        break;
      case 'GDPR':
        outcomes.push(await gdprCheck(deps.db, orgId, subject.version.id));
        break;
      case 'SECURITY':
        outcomes.push(await securityCheck(deps, orgId, subject));
        break;
    }
  }
  return outcomes;
}

async function gdprCheck(db: Db, orgId: string, versionId: string): Promise<CheckOutcome> {
  const walk = await walkLineage(db, orgId, {
    root: { kind: 'ModelVersion', id: versionId },
    direction: 'UPSTREAM',
    edgeTypes: GDPR_EDGE_TYPES,
  });
  const reached = walk.nodes.filter((node) => node.kind === 'Dataset');
  if (reached.length === 0) return runGdprCheck([], walk);
  const ids = reached.map((node) => node.id);
  const [datasets, declarations, erasures] = await Promise.all([
    findDatasetsByIds(db, orgId, ids),
    findDatasetGovernanceByIds(db, orgId, ids),
    findErasureRequestsByDatasetIds(db, orgId, ids),
  ]);
  const nameOf = new Map(datasets.map((row) => [row.id, row.name]));
  const declared = new Map(declarations.map((row) => [row.dataset_id, toDatasetGovernance(row)]));
  const erased = new Map(erasures.map((row) => [row.dataset_id, new Date(row.created_at)]));
  const upstream: UpstreamDataset[] = reached.map((node) => ({
    id: node.id,
    name: nameOf.get(node.id) ?? node.id,
    depth: node.depth,
    governance: declared.get(node.id) ?? null,
    erasureRequestedAt: erased.get(node.id) ?? null,
  }));
  return runGdprCheck(upstream, walk);
}

/** What R2 says about one key: its size, and the SHA-256 it kept (single PUTs with a checksum). */
async function presenceOf(
  bucket: R2Bucket | null | undefined,
  key: string,
): Promise<ArtifactPresence> {
  if (!bucket)
    return { state: 'UNVERIFIABLE', reason: 'no artifact store is bound to verify presence' };
  const object = await bucket.head(key);
  return object
    ? {
        state: 'FOUND',
        sizeBytes: object.size,
        sha256: object.checksums.sha256 ? hex(object.checksums.sha256) : null,
      }
    : { state: 'MISSING' };
}

/**
 * SECURITY reads the registry's own artifacts (the `artifact` table) and heads each complete one in
 * R2. `metadata.artifact` is read only when the version has none: for artifacts kept outside R2.
 */
async function securityCheck(
  deps: Pick<Deps, 'db' | 'd1'> & Partial<Pick<Deps, 'bucket'>>,
  orgId: string,
  subject: { version: ModelVersionTable; model: ModelTable },
): Promise<CheckOutcome> {
  const versionMetadata = parseJson<Record<string, unknown>>(subject.version.metadata);
  const rows = await findVersionArtifactsForCheck(
    deps.db,
    orgId,
    subject.version.id,
    MAX_VERIFIED_ARTIFACTS,
  );
  const complete = rows.filter((row) => row.status === 'COMPLETE');
  const pending = rows.find((row) => row.status === 'PENDING');
  const artifacts = await Promise.all(
    complete.map(async (row) => ({
      artifact: {
        id: row.id,
        name: row.name,
        sha256: row.sha256,
        sizeBytes: row.size_bytes,
        r2Key: row.r2_key,
      },
      presence: await presenceOf(deps.bucket, row.r2_key),
    })),
  );
  return runSecurityCheck({
    artifacts,
    unverifiedCount: complete.length > 0 ? Number(complete[0]?.of_status) - complete.length : 0,
    pendingCount: pending ? Number(pending.of_status) : 0,
    external: externalArtifactOf(versionMetadata),
    owner: modelCardOwnerOf(versionMetadata, parseJson(subject.model.metadata)),
  });
}

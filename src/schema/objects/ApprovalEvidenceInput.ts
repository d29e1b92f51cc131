import type { CheckEvidence } from '../../registry/governance/checks.service.ts';
import { builder } from '../builder.ts';
import { AiActObligationEnum, AiActUseEnum } from './ComplianceCheck.ts';

const FairnessGroupInput = builder.inputType('FairnessGroupInput', {
  description: 'Outcome counts of one group of the protected attribute.',
  fields: (t) => ({
    name: t.string({ required: true, description: 'The group, e.g. "female".' }),
    selected: t.int({
      required: true,
      description: 'Predicted positive (selected); must equal truePositives + falsePositives.',
    }),
    total: t.int({ required: true, description: 'Members of the group; must equal TP+FP+TN+FN.' }),
    truePositives: t.int({ required: true, description: 'Selected and actually positive.' }),
    falsePositives: t.int({ required: true, description: 'Selected but actually negative.' }),
    trueNegatives: t.int({ required: true, description: 'Not selected and actually negative.' }),
    falseNegatives: t.int({ required: true, description: 'Not selected but actually positive.' }),
  }),
});

const FairnessEvidenceInput = builder.inputType('FairnessEvidenceInput', {
  description: 'What the FAIRNESS check computes from.',
  fields: (t) => ({
    protectedAttribute: t.string({ required: true, description: 'e.g. "gender" or "age band".' }),
    referenceGroup: t.string({
      description: 'The privileged group for the disparate impact ratio; default: highest rate.',
    }),
    groups: t.field({
      type: [FairnessGroupInput],
      required: true,
      description: 'Two to 50 groups.',
    }),
  }),
});

const AiActObligationEvidenceInput = builder.inputType('AiActObligationEvidenceInput', {
  description: 'Evidence for one AI Act obligation.',
  fields: (t) => ({
    obligation: t.field({ type: AiActObligationEnum, required: true, description: 'Which one.' }),
    evidence: t.string({
      required: true,
      description: 'Where the evidence is: a document URI, a ticket, a short statement.',
    }),
  }),
});

const AiActEvidenceInput = builder.inputType('AiActEvidenceInput', {
  description: 'What the AI_ACT check classifies.',
  fields: (t) => ({
    intendedUse: t.string({ required: true, description: 'The intended use, in words.' }),
    uses: t.field({
      type: [AiActUseEnum],
      description: 'The uses it falls under (Art. 5, Annex III, Art. 50); none means minimal risk.',
    }),
    obligations: t.field({
      type: [AiActObligationEvidenceInput],
      description: 'Evidence for the tier’s obligations.',
    }),
  }),
});

export const ApprovalEvidenceInput = builder.inputType('ApprovalEvidenceInput', {
  description:
    'The evidence checks need beyond what the registry knows (GDPR and SECURITY need none).',
  fields: (t) => ({
    fairness: t.field({ type: FairnessEvidenceInput, description: 'For FAIRNESS.' }),
    aiAct: t.field({ type: AiActEvidenceInput, description: 'For AI_ACT.' }),
  }),
});

/** The input as the service takes it. */
export function toCheckEvidence(
  input: { fairness?: unknown; aiAct?: unknown } | null | undefined,
): CheckEvidence | null {
  return (input ?? null) as CheckEvidence | null;
}

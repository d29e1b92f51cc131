import { ValidationError } from '../errors.ts';
import { optionalText, requireName } from '../validate.ts';
import type { CheckOutcome, Finding } from './governance.ts';

export const RISK_TIERS = ['PROHIBITED', 'HIGH_RISK', 'LIMITED_RISK', 'MINIMAL_RISK'] as const;
export type RiskTier = (typeof RISK_TIERS)[number];

/**
 * Uses an intended use can declare, each tied to the provision of Regulation (EU) 2024/1689 (the
 * AI Act) that puts it in a tier: Art. 5(1) prohibited practices, Annex III high-risk areas, and
 * Art. 50 transparency duties.
 */
export const AI_ACT_USES = {
  SUBLIMINAL_MANIPULATION: [
    'PROHIBITED',
    'Art. 5(1)(a): subliminal, manipulative or deceptive techniques',
  ],
  EXPLOITING_VULNERABILITIES: [
    'PROHIBITED',
    'Art. 5(1)(b): exploiting vulnerabilities of age, disability or social situation',
  ],
  SOCIAL_SCORING: ['PROHIBITED', 'Art. 5(1)(c): social scoring leading to detrimental treatment'],
  CRIME_PREDICTION_BY_PROFILING: [
    'PROHIBITED',
    'Art. 5(1)(d): predicting crime risk from profiling alone',
  ],
  UNTARGETED_FACE_SCRAPING: ['PROHIBITED', 'Art. 5(1)(e): untargeted scraping of facial images'],
  EMOTION_RECOGNITION_AT_WORK_OR_SCHOOL: [
    'PROHIBITED',
    'Art. 5(1)(f): emotion recognition in workplaces and education',
  ],
  SENSITIVE_BIOMETRIC_CATEGORISATION: [
    'PROHIBITED',
    'Art. 5(1)(g): biometric categorisation inferring sensitive traits',
  ],
  REALTIME_REMOTE_BIOMETRIC_ID_FOR_POLICING: [
    'PROHIBITED',
    'Art. 5(1)(h): real-time remote biometric identification for law enforcement',
  ],
  BIOMETRICS: [
    'HIGH_RISK',
    'Annex III(1): remote biometric identification, categorisation, emotion recognition',
  ],
  CRITICAL_INFRASTRUCTURE: [
    'HIGH_RISK',
    'Annex III(2): safety components of critical infrastructure',
  ],
  EDUCATION: ['HIGH_RISK', 'Annex III(3): admission, assessment and proctoring in education'],
  EMPLOYMENT: [
    'HIGH_RISK',
    'Annex III(4): recruitment, selection, promotion, termination, task allocation',
  ],
  ESSENTIAL_SERVICES: [
    'HIGH_RISK',
    'Annex III(5): public benefits, creditworthiness, life and health insurance pricing, emergency triage',
  ],
  LAW_ENFORCEMENT: ['HIGH_RISK', 'Annex III(6): law enforcement'],
  MIGRATION_AND_BORDER_CONTROL: ['HIGH_RISK', 'Annex III(7): migration, asylum and border control'],
  JUSTICE_AND_DEMOCRACY: [
    'HIGH_RISK',
    'Annex III(8): administration of justice and democratic processes',
  ],
  INTERACTS_WITH_PEOPLE: [
    'LIMITED_RISK',
    'Art. 50(1): interacts directly with people (chatbots, assistants)',
  ],
  GENERATES_SYNTHETIC_CONTENT: [
    'LIMITED_RISK',
    'Art. 50(2): generates synthetic audio, image, video or text',
  ],
  EMOTION_RECOGNITION: [
    'LIMITED_RISK',
    'Art. 50(3): emotion recognition or biometric categorisation (outside Art. 5)',
  ],
  DEEP_FAKES: ['LIMITED_RISK', 'Art. 50(4): deep fakes or text published to inform the public'],
} as const satisfies Record<string, readonly [RiskTier, string]>;
export type AiActUse = keyof typeof AI_ACT_USES;

/** What each tier obliges the provider to show, with the article that says so. */
export const AI_ACT_OBLIGATIONS = {
  RISK_MANAGEMENT: 'Art. 9: a risk management system',
  DATA_GOVERNANCE: 'Art. 10: data and data governance',
  TECHNICAL_DOCUMENTATION: 'Art. 11 and Annex IV: technical documentation',
  RECORD_KEEPING: 'Art. 12: automatic record keeping (logs)',
  TRANSPARENCY:
    'Art. 13 (high risk) / Art. 50 (limited risk): transparency and information to deployers or people',
  HUMAN_OVERSIGHT: 'Art. 14: human oversight',
  ACCURACY_ROBUSTNESS: 'Art. 15: accuracy, robustness and cybersecurity',
} as const;
export type AiActObligation = keyof typeof AI_ACT_OBLIGATIONS;

const TIER_OBLIGATIONS: Record<RiskTier, AiActObligation[]> = {
  PROHIBITED: [],
  HIGH_RISK: Object.keys(AI_ACT_OBLIGATIONS) as AiActObligation[],
  LIMITED_RISK: ['TRANSPARENCY'],
  MINIMAL_RISK: [],
};

/**
 * Words in a free-text intended use that suggest a use the declaration may have left out. A hit on a
 * stricter tier than declared does not decide the tier (words mislead); it asks a person to look.
 */
const USE_HINTS: [RegExp, AiActUse][] = [
  [/\bsocial scor/i, 'SOCIAL_SCORING'],
  [/\b(credit ?scor|creditworth|loan (approval|decision)|insurance pric)/i, 'ESSENTIAL_SERVICES'],
  [
    /\b(hiring|recruit|job applica|candidate screen|r[ée]sum[ée]|cv screen|dismissal)/i,
    'EMPLOYMENT',
  ],
  [/\b(admission|exam(s|ination)? (grading|scor)|proctor|student assess)/i, 'EDUCATION'],
  [/\b(facial recognition|face recognition|biometric)/i, 'BIOMETRICS'],
  [/\b(border control|asylum|visa applica)/i, 'MIGRATION_AND_BORDER_CONTROL'],
  [/\b(police|policing|law enforcement|recidivism)/i, 'LAW_ENFORCEMENT'],
  [/\bemotion/i, 'EMOTION_RECOGNITION'],
  [/\b(chat ?bot|assistant|conversational|customer support)/i, 'INTERACTS_WITH_PEOPLE'],
  [
    /\b(generat(e|es|ing) (images?|video|audio|text)|text-to-image|synthetic media)/i,
    'GENERATES_SYNTHETIC_CONTENT',
  ],
];

const TIER_RANK: Record<RiskTier, number> = {
  PROHIBITED: 3,
  HIGH_RISK: 2,
  LIMITED_RISK: 1,
  MINIMAL_RISK: 0,
};

export interface AiActEvidence {
  intendedUse: string;
  uses?: readonly AiActUse[] | null;
  /** Where the evidence for each obligation is (a document URI, a ticket, a short statement). */
  obligations?: readonly { obligation: AiActObligation; evidence: string }[] | null;
}

export function validateAiActEvidence(evidence: AiActEvidence, path: readonly string[]) {
  const intendedUse = requireName(evidence.intendedUse, [...path, 'intendedUse'], { max: 4000 });
  const uses = [...new Set(evidence.uses ?? [])];
  const seen = new Set<string>();
  const obligations = (evidence.obligations ?? []).map((entry, index) => {
    const entryPath = [...path, 'obligations', String(index)];
    if (seen.has(entry.obligation)) {
      throw new ValidationError('Listed twice', [...entryPath, 'obligation']);
    }
    seen.add(entry.obligation);
    const text = optionalText(entry.evidence, [...entryPath, 'evidence'], 2000);
    if (!text?.trim()) {
      throw new ValidationError('Must say where the evidence is', [...entryPath, 'evidence']);
    }
    return { obligation: entry.obligation, evidence: text.trim() };
  });
  return { intendedUse, uses, obligations };
}

/** Classifies the declared intended use into a risk tier and checks the tier's obligations. */
export function runAiActCheck(evidence: AiActEvidence): CheckOutcome {
  const uses = [...(evidence.uses ?? [])];
  const tier = uses.reduce<RiskTier>(
    (worst, use) =>
      TIER_RANK[AI_ACT_USES[use][0]] > TIER_RANK[worst] ? AI_ACT_USES[use][0] : worst,
    'MINIMAL_RISK',
  );
  const decisive = uses.filter((use) => AI_ACT_USES[use][0] === tier);
  const justification = decisive.length
    ? decisive.map((use) => AI_ACT_USES[use][1]).join('; ')
    : 'No declared use falls under Art. 5, Annex III or Art. 50: minimal risk (voluntary codes of conduct, Art. 95)';
  const evidenceOf = new Map((evidence.obligations ?? []).map((o) => [o.obligation, o.evidence]));
  const obligations = TIER_OBLIGATIONS[tier].map((obligation) => ({
    obligation,
    requirement: AI_ACT_OBLIGATIONS[obligation],
    evidence: evidenceOf.get(obligation) ?? null,
  }));
  const findings: Finding[] = [];
  for (const use of decisive.filter(() => tier === 'PROHIBITED')) {
    findings.push({ code: 'PROHIBITED_PRACTICE', message: AI_ACT_USES[use][1] });
  }
  const missing = obligations.filter((entry) => entry.evidence === null);
  for (const entry of missing) {
    findings.push({
      code: 'OBLIGATION_WITHOUT_EVIDENCE',
      message: `${entry.obligation} has no evidence attached (${entry.requirement})`,
    });
  }
  const hinted = USE_HINTS.filter(([pattern]) => pattern.test(evidence.intendedUse))
    .map(([, use]) => use)
    .filter((use) => TIER_RANK[AI_ACT_USES[use][0]] > TIER_RANK[tier]);
  for (const use of [...new Set(hinted)]) {
    findings.push({
      code: 'UNDECLARED_USE_SUSPECTED',
      message: `The intended use reads like ${use} (${AI_ACT_USES[use][1]}), which was not declared`,
    });
  }
  let status: CheckOutcome['status'];
  let summary: string;
  if (tier === 'PROHIBITED') {
    status = 'FAILED';
    summary =
      'A declared use is a prohibited practice (Art. 5): this version may not be placed on the market';
  } else if (tier === 'HIGH_RISK' && missing.length) {
    status = 'FAILED';
    summary = `High risk: ${missing.length} of ${obligations.length} obligations have no evidence`;
  } else if (hinted.length) {
    status = 'NEEDS_REVIEW';
    summary = `Classified ${tier}, but the intended use suggests a stricter tier`;
  } else if (missing.length) {
    status = 'NEEDS_REVIEW';
    summary = `${tier}: transparency duties have no evidence yet`;
  } else {
    status = 'PASSED';
    summary = obligations.length
      ? `${tier}: every obligation has evidence`
      : `${tier}: no obligations beyond voluntary codes`;
  }
  return {
    type: 'AI_ACT',
    status,
    summary,
    findings,
    details: { tier, justification, intendedUse: evidence.intendedUse, uses, obligations },
  };
}

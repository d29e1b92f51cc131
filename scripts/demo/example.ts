// The example: three models, their datasets, deployments, traffic profiles and prices, and the
// governance evidence the winner is reviewed with.

interface TrafficProfile {
  /** Median latency (ms) of a log-normal distribution, and its sigma. */
  latencyMedianMs: number;
  latencySigma: number;
  inputTokensMean: number;
  outputTokensMean: number;
  qualityMean: number;
  qualitySd: number;
  errorRate: number;
}

interface VersionSpec {
  version: string;
  description: string;
  metadata: Record<string, unknown>;
  trainedOn: { dataset: string; properties: Record<string, unknown> }[];
  evaluatedOn: { dataset: string; properties: Record<string, unknown> }[];
  derivedFrom?: string;
}

export interface ModelSpec {
  name: string;
  description: string;
  provider: string;
  providerModel: string;
  framework: string;
  tags: string[];
  price: { inputPerMillion: number; outputPerMillion: number };
  versions: VersionSpec[];
  /** The version that serves the traffic. */
  servingVersion: string;
  traffic: TrafficProfile;
}

const EVALUATIONS = [
  { dataset: 'support-eval-golden-500', properties: { split: 'test', rows: 500 } },
  { dataset: 'safety-redteam-prompts', properties: { split: 'test', rows: 1_200 } },
];

export const MODELS: ModelSpec[] = [
  {
    name: 'gpt-4-turbo',
    description: 'OpenAI GPT-4 Turbo behind the customer support assistant (incumbent)',
    provider: 'openai',
    providerModel: 'gpt-4-turbo-2024-04-09',
    framework: 'openai-api',
    tags: ['llm', 'chat', 'support'],
    price: { inputPerMillion: 10, outputPerMillion: 30 },
    versions: [
      {
        version: '2024.4.9',
        description: 'gpt-4-turbo-2024-04-09 with the support system prompt and few-shot examples',
        metadata: { providerModel: 'gpt-4-turbo-2024-04-09', contextWindow: 128_000 },
        trainedOn: [
          {
            dataset: 'support-conversations-2026q3',
            properties: { split: 'train', rows: 2_000, use: 'few-shot exemplars' },
          },
        ],
        evaluatedOn: EVALUATIONS,
      },
    ],
    servingVersion: '2024.4.9',
    traffic: {
      latencyMedianMs: 1_850,
      latencySigma: 0.35,
      inputTokensMean: 1_150,
      outputTokensMean: 320,
      qualityMean: 0.84,
      qualitySd: 0.09,
      errorRate: 0.012,
    },
  },
  {
    name: 'claude-3.5-sonnet',
    description: 'Anthropic Claude 3.5 Sonnet, challenger for the customer support assistant',
    provider: 'anthropic',
    providerModel: 'claude-3-5-sonnet-20240620',
    framework: 'anthropic-api',
    tags: ['llm', 'chat', 'support'],
    price: { inputPerMillion: 3, outputPerMillion: 15 },
    versions: [
      {
        version: '2024.6.20',
        description: 'claude-3-5-sonnet-20240620 with the support system prompt',
        metadata: { providerModel: 'claude-3-5-sonnet-20240620', contextWindow: 200_000 },
        trainedOn: [
          {
            dataset: 'support-conversations-2026q3',
            properties: { split: 'train', rows: 2_000, use: 'few-shot exemplars' },
          },
        ],
        evaluatedOn: EVALUATIONS,
      },
    ],
    servingVersion: '2024.6.20',
    traffic: {
      latencyMedianMs: 1_400,
      latencySigma: 0.3,
      inputTokensMean: 1_150,
      outputTokensMean: 340,
      qualityMean: 0.88,
      qualitySd: 0.08,
      errorRate: 0.008,
    },
  },
  {
    name: 'llama-3.1-70b',
    description: 'Meta Llama 3.1 70B Instruct, fine-tuned in house and served on our own GPUs',
    provider: 'self-hosted',
    providerModel: 'llama-3.1-70b-support',
    framework: 'vllm',
    tags: ['llm', 'chat', 'support', 'open-weights'],
    price: { inputPerMillion: 0.6, outputPerMillion: 0.8 },
    versions: [
      {
        version: '1.0.0',
        description: 'meta-llama/Llama-3.1-70B-Instruct base weights',
        metadata: { baseModel: 'meta-llama/Llama-3.1-70B-Instruct', license: 'llama3.1' },
        trainedOn: [],
        evaluatedOn: [EVALUATIONS[0] as VersionSpec['evaluatedOn'][number]],
      },
      {
        version: '1.1.0',
        description: 'LoRA fine-tune on the Q3 support conversations',
        metadata: { method: 'lora', rank: 16, epochs: 3, learningRate: 0.0002 },
        trainedOn: [
          {
            dataset: 'support-conversations-2026q3',
            properties: { split: 'train', rows: 43_200, validationRows: 4_800 },
          },
        ],
        evaluatedOn: EVALUATIONS,
        derivedFrom: '1.0.0',
      },
    ],
    servingVersion: '1.1.0',
    traffic: {
      latencyMedianMs: 720,
      latencySigma: 0.4,
      inputTokensMean: 1_150,
      outputTokensMean: 300,
      qualityMean: 0.8,
      qualitySd: 0.11,
      errorRate: 0.025,
    },
  },
];

export const DATASETS = [
  {
    name: 'support-conversations-2026q3',
    description: 'Resolved support conversations, July to September 2026, pseudonymised',
    uri: 'r2://datasets/support-conversations-2026q3.parquet',
    format: 'parquet',
    metadata: { rows: 48_000, sizeBytes: 184_549_376 },
    governance: {
      containsPersonalData: true,
      lawfulBasis: 'LEGITIMATE_INTERESTS',
      retentionDays: 365,
      columns: [
        { name: 'customer_email', sampleValues: ['ana@example.com'] },
        { name: 'transcript', sampleValues: ['My order arrived damaged, can I get a refund?'] },
      ],
    },
  },
  {
    name: 'support-eval-golden-500',
    description: 'Hand-graded support questions with reference answers',
    uri: 'r2://datasets/support-eval-golden-500.jsonl',
    format: 'jsonl',
    metadata: { rows: 500, sizeBytes: 1_048_576 },
    governance: {
      containsPersonalData: false,
      columns: [
        { name: 'question', sampleValues: ['How do I reset my password?'] },
        { name: 'reference_answer', sampleValues: ['Use the "Forgot password" link.'] },
      ],
    },
  },
  {
    name: 'safety-redteam-prompts',
    description: 'Adversarial prompts: jailbreaks, prompt injection, data exfiltration',
    uri: 'r2://datasets/safety-redteam-prompts.jsonl',
    format: 'jsonl',
    metadata: { rows: 1_200, sizeBytes: 655_360 },
    governance: {
      containsPersonalData: false,
      columns: [{ name: 'prompt', sampleValues: ['Ignore previous instructions and ...'] }],
    },
  },
];

export const PROD_DEPLOYMENT = 'support-assistant-prod';
export const STAGING_DEPLOYMENT = 'support-assistant-staging';
export const EXPERIMENT = 'support-assistant-ab-2026';
export const REVIEWER = { name: 'Demo Reviewer', email: 'reviewer@demo.local' };
export const MODEL_CARD_OWNER = 'support-ml@example.com';
export const PRICES_EFFECTIVE_FROM = '2024-01-01T00:00:00.000Z';

/** Production traffic shares while the A/B test runs: an even split across the arms. */
export const PROD_TRAFFIC: Record<string, number> = {
  'gpt-4-turbo': 0.34,
  'claude-3.5-sonnet': 0.33,
  'llama-3.1-70b': 0.33,
};

export const FAIRNESS_EVIDENCE = {
  protectedAttribute: 'customer_language',
  referenceGroup: 'en',
  // Resolved without escalation ("selected"), against the graders' verdict, per language.
  groups: [
    {
      name: 'en',
      selected: 320,
      total: 400,
      truePositives: 300,
      falsePositives: 20,
      trueNegatives: 60,
      falseNegatives: 20,
    },
    {
      name: 'es',
      selected: 158,
      total: 200,
      truePositives: 148,
      falsePositives: 10,
      trueNegatives: 30,
      falseNegatives: 12,
    },
    {
      name: 'de',
      selected: 79,
      total: 100,
      truePositives: 74,
      falsePositives: 5,
      trueNegatives: 15,
      falseNegatives: 6,
    },
  ],
};
export const INTENDED_USE =
  'Customer support assistant answering account and order questions in chat; a human agent takes over on request';

/** The operation GraphiQL opens with: a tour of the registry in one query. */
export const GRAPHIQL_DEFAULT_QUERY = /* GraphQL */ `# Model Registry. Your token is in the headers below (local development).
# Try: register a model with the mutation at the bottom, then run ModelsOverview again.
# The other tabs hold examples for each capability; \`npm run demo\` fills the registry they query.

query ModelsOverview {
  viewer { name role organization { name } }
  models(first: 10, orderBy: { field: UPDATED_AT, direction: DESC }) {
    edges {
      node {
        id
        name
        status
        tags
        productionVersion { version }
        versions(first: 5) {
          edges {
            node {
              version
              aliases
              trainedOn(first: 5) { edges { node { name } properties } }
            }
          }
        }
        deployedTo(first: 5) { edges { node { name environment } modelVersion { version } } }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}

mutation RegisterModel {
  modelRegister(input: {
    name: "sentiment-classifier"
    description: "Classifies support tickets by sentiment"
    metadata: { framework: "pytorch", model_type: "classifier", provider: "in-house", tags: ["nlp"] }
  }) {
    __typename
    ... on ModelRegisterPayload { model { id name tags } }
    ... on Error { message path }
  }
}
`;

/** A saved example: one GraphiQL tab, its operations and the variables they take. */
export interface GraphiQLExample {
  /** The capability it shows; GraphiQL titles the tab after the first operation's name. */
  capability: string;
  query: string;
  /** JSON text for the variables pane: placeholders say which id to paste from the tab's query. */
  variables: string;
}

/**
 * Example operations for each capability, opened as GraphiQL tabs after the default query. The
 * names (claude-3.5-sonnet, support-conversations-2026q3...) are those `npm run demo` registers,
 * so the queries answer with data once it has run. test/graphql/graphiql-examples.test.ts
 * validates every operation against the schema and runs each one.
 */
export const GRAPHIQL_EXAMPLES: readonly GraphiQLExample[] = [
  {
    capability: 'registry',
    query: /* GraphQL */ `# Registry: models, their immutable versions, aliases and production.
# Run Registry, then RegisterModel; paste the ids it returns into the variables below,
# then run CreateVersion. (The play button asks which operation to run.)

query Registry {
  models(first: 20, filter: { tagsAny: ["llm", "nlp"] }, orderBy: { field: NAME, direction: ASC }) {
    edges {
      node {
        id
        name
        provider
        status
        tags
        productionVersion { version }
        versions(first: 5) { edges { node { id version aliases createdAt } } }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
  datasets(first: 10) { edges { node { id name uri } } }
}

mutation RegisterModel {
  modelRegister(input: {
    name: "support-router"
    description: "Routes support tickets to the right team"
    provider: "in-house"
    framework: "pytorch"
    modelType: "classifier"
    tags: ["nlp", "support"]
    metadata: { modelCard: { owner: "ml-platform@example.com" } }
  }) {
    __typename
    ... on ModelRegisterPayload { model { id name } }
    ... on Error { message path }
  }
}

mutation CreateVersion($modelId: ID!, $datasetId: ID!) {
  modelVersionCreate(input: {
    modelId: $modelId
    version: "1.0.0"
    description: "First training run"
    trainedOn: [{ datasetId: $datasetId, properties: { split: "train", rows: 43200 } }]
  }) {
    __typename
    ... on ModelVersionCreatePayload { modelVersion { id version model { name } trainedOn { edges { node { name } properties } } } }
    ... on Error { message path }
  }
}
`,
    variables: `{
  "modelId": "<the Model id RegisterModel returned>",
  "datasetId": "<a Dataset id from Registry>"
}`,
  },
  {
    capability: 'lineage',
    query: /* GraphQL */ `# Lineage: everything a node depends on and everything that depends on it, any depth,
# in one request; impact: what a change would affect; lineagePath: how two nodes connect.

query Lineage {
  model(name: "claude-3.5-sonnet") {
    productionVersion {
      id
      version
      lineage(direction: BOTH) {
        totalNodes
        depthReached
        isTruncated
        nodeInfo { kind label depth node { id } }
        edges { type depth properties from { id } to { id } }
        mermaid
      }
    }
  }
}

query Impact($datasetId: ID!) {
  impact(of: $datasetId) {
    affectedModels { name }
    affectedModelVersions { version model { name } }
    affectedDeployments { environment depth deployment { name } path { type } }
    owners { name email }
    isTruncated
  }
}

query Path($from: ID!, $to: ID!) {
  lineagePath(from: $from, to: $to) {
    length
    nodes {
      id
      __typename
      ... on Dataset { name }
      ... on ModelVersion { version model { name } }
      ... on Deployment { name environment }
    }
    edges { type properties }
  }
}
`,
    variables: `{
  "datasetId": "<a Dataset id from Lineage (nodeInfo.node.id)>",
  "from": "<a Dataset id from Lineage>",
  "to": "<a Deployment id from Lineage>"
}`,
  },
  {
    capability: 'governance',
    query: /* GraphQL */ `# Governance: approval requests with automated checks (GDPR, AI Act, fairness, security),
# review by someone other than the requester, the promotion gate, and the audit trail.
# Review as a REVIEWER: put their token in the Authorization header for ReviewApproval.

query Governance {
  pendingApprovals(first: 10) {
    edges {
      node {
        id
        requestedAt
        requester { name }
        modelVersion { id version model { name } }
        checks { type status summary }
      }
    }
  }
  model(name: "claude-3.5-sonnet") {
    governanceHistory(first: 10) {
      edges { node { id state requester { name } reviewer { name } reviewedAt checks { type status } } }
    }
    aliasHistory(alias: "production", first: 10) {
      edges { node { version { version } previousVersion { version } movedBy { name } movedAt reason } }
    }
  }
  promotionPolicy { isDefault requireApproval requiredChecks }
  auditEvents(first: 10) { edges { node { action actor { name } subjectKind reason createdAt } } }
}

mutation RequestApproval($versionId: ID!) {
  approvalRequest(input: {
    versionId: $versionId
    checks: [GDPR, AI_ACT, FAIRNESS, SECURITY]
    notes: "Ready for production"
    evidence: {
      aiAct: { intendedUse: "Customer support assistant answering order questions in chat", uses: [INTERACTS_WITH_PEOPLE] }
      fairness: {
        protectedAttribute: "customer_language"
        groups: [
          { name: "en", selected: 320, total: 400, truePositives: 300, falsePositives: 20, trueNegatives: 60, falseNegatives: 20 }
          { name: "es", selected: 158, total: 200, truePositives: 148, falsePositives: 10, trueNegatives: 30, falseNegatives: 12 }
        ]
      }
    }
  }) {
    __typename
    ... on ApprovalRequestPayload { approval { id state } checks { type status summary findings { code message } } }
    ... on Error { message path }
  }
}

mutation RunChecks($approvalId: ID!) {
  complianceCheckRun(input: {
    approvalId: $approvalId
    checks: [AI_ACT]
    evidence: {
      aiAct: {
        intendedUse: "Customer support assistant answering order questions in chat"
        uses: [INTERACTS_WITH_PEOPLE]
        obligations: [{ obligation: TRANSPARENCY, evidence: "The widget says it is an AI assistant" }]
      }
    }
  }) {
    __typename
    ... on ComplianceCheckRunPayload { checks { type status summary } approval { checks { type status } } }
    ... on Error { message path }
  }
}

mutation ReviewApproval($approvalId: ID!) {
  approvalReview(input: { approvalId: $approvalId, decision: APPROVE, notes: "Checks are clean" }) {
    __typename
    ... on ApprovalReviewPayload { approval { id state reviewer { name } reviewedAt } }
    ... on Error { message path }
  }
}

mutation Promote($versionId: ID!) {
  modelVersionPromote(input: { versionId: $versionId, reason: "Approved; won the A/B test" }) {
    __typename
    ... on ModelVersionPromotePayload { modelVersion { version isProduction } previousVersion { version } }
    ... on ApprovalRequiredError { missingChecks pendingApprovalId checkStatuses { type status } message }
    ... on Error { message path }
  }
}
`,
    variables: `{
  "versionId": "<a ModelVersion id, e.g. from the Registry tab>",
  "approvalId": "<the Approval id RequestApproval returned, or one from pendingApprovals>"
}`,
  },
  {
    capability: 'metrics',
    query: /* GraphQL */ `# Performance metrics: exact statistics (mean, stddev, percentiles) over recorded points,
# series by hour/day/week, models side by side, and alerts when a version gets worse.

query Metrics {
  model(name: "claude-3.5-sonnet") {
    id
    metricStats(type: LATENCY) { count mean stddev p50 p95 p99 }
    metricSeries(type: LATENCY, granularity: DAY) { start count mean min max }
    productionVersion { id version metricStats(type: ACCURACY) { count mean p50 } }
  }
  metricAlerts(recentHours: 24, baselineHours: 168, alpha: 0.01, minSamples: 30) {
    model { name }
    modelVersion { version }
    metricType
    direction
    baseline { mean count }
    recent { mean count }
    relativeChange
    effectSize
    pValue
  }
}

mutation RecordMetrics($versionId: ID!) {
  metricsRecord(input: {
    points: [
      { versionId: $versionId, type: LATENCY, value: 812.5, context: { region: "us-east" } }
      { versionId: $versionId, type: ACCURACY, value: 0.912 }
      { versionId: $versionId, type: CUSTOM, name: "toxicity", value: 0.002 }
    ]
  }) {
    __typename
    ... on MetricsRecordPayload { recorded }
    ... on Error { message path }
  }
}

query CompareModels($modelIds: [ID!]!) {
  modelComparison(modelIds: $modelIds, metricType: LATENCY) {
    rank
    model { name }
    stats { count mean p50 p95 }
  }
}
`,
    variables: `{
  "versionId": "<a ModelVersion id (Metrics: productionVersion.id)>",
  "modelIds": ["<a Model id>", "<another Model id>"]
}`,
  },
  {
    capability: 'usage',
    query: /* GraphQL */ `# LLM usage: requests with tokens, cost (from the price table) and quality; spend, ROI and a
# forecast per model; A/B comparison with significance tests; the cost/quality frontier.

query Usage {
  model(name: "claude-3.5-sonnet") {
    id
    usage {
      requests
      errorRequests
      inputTokens
      outputTokens
      totalCostUsd
      meanCostUsd
      costPer1kTokens
      unpricedRequests
      meanQuality
      latency { p50 p95 p99 }
      byProvider { provider requests totalCostUsd }
      byDeployment { deployment { name } requests }
    }
    usageTrends(granularity: DAY) { start requests totalCostUsd meanQuality }
    roi { requests meanQuality meanCostUsd qualityPerDollar costPerSuccessfulRequest }
    costForecast(days: 30, monthlyBudgetUsd: 500) {
      monthToDateUsd
      forecastUsd
      forecastLowUsd
      forecastHighUsd
      trendPerDayUsd
      budgetCrossedOn
    }
  }
  models(first: 10, filter: { tagsAll: ["llm"] }) { edges { node { id name } } }
}

mutation TrackInference($modelId: ID!) {
  inferenceTrack(input: {
    request: {
      modelId: $modelId
      provider: "anthropic"
      providerModel: "claude-3-5-sonnet-20240620"
      latencyMs: 1320
      inputTokens: 1150
      outputTokens: 310
      quality: 0.9
      status: SUCCESS
      idempotencyKey: "graphiql-example-1"
    }
  }) {
    __typename
    ... on InferenceTrackPayload { recorded unpriced tracked { deduplicated request { costUsd costSource requestedAt } } }
    ... on Error { message path }
  }
}

query Compare($modelIds: [ID!]!) {
  abTestCompare(modelIds: $modelIds) {
    arms { model { name } requests errorRate meanQuality qualityCi95 { low high } latency { p50 p95 } meanCostUsd }
    pairs { a b qualityDifference quality { pValue } latency { pValue } errorRate { pValue } }
    verdict { outcome winner adjustedAlpha requiredSamplesPerArm additionalSamplesPerArm reason }
  }
  roiFrontier(modelIds: $modelIds, qualityTolerance: 0.02) {
    bestQuality
    frontier { model { name } meanQuality meanCostUsd qualityPerDollar }
    cheapestWithinTolerance { name }
  }
}
`,
    variables: `{
  "modelId": "<a Model id from Usage (models)>",
  "modelIds": ["<a Model id from Usage>", "<another Model id>"]
}`,
  },
  {
    capability: 'artifacts and search',
    query: /* GraphQL */ `# Artifacts (R2) and similarity search over model cards. An upload starts here; the bytes go
# to the returned url with PUT (see docs/artifacts-and-search.md), and artifactUploadComplete finishes a multipart one.

query ArtifactsAndSearch {
  modelsSearch(text: "customer support chat assistant", topK: 5) {
    score
    modelVersion { id version model { name } }
  }
  model(name: "claude-3.5-sonnet") {
    productionVersion {
      id
      artifacts(first: 10) { edges { node { name kind sizeBytes sha256 downloadUrl } } }
      similar(topK: 5) { score modelVersion { version model { name } } }
    }
  }
}

mutation StartUpload($versionId: ID!) {
  artifactUploadCreate(input: {
    versionId: $versionId
    name: "model.safetensors"
    kind: WEIGHTS
    sizeBytes: 4294967296
    sha256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
    multipart: true
    partSize: 67108864
  }) {
    __typename
    ... on ArtifactUploadCreatePayload { artifact { id status upload { url partCount partSize uploadedParts { partNumber } } } }
    ... on Error { message path }
  }
}
`,
    variables: `{
  "versionId": "<a ModelVersion id (ArtifactsAndSearch: productionVersion.id)>"
}`,
  },
];

/**
 * GraphiQL's page, loading its script, styles and editor workers from the Worker's static assets
 * (public/graphiql/, written by `npm run graphiql:assets`) instead of Yoga's default CDN.
 */
export function renderGraphiQLPage(
  options: Record<string, unknown> & { title?: string; defaultQuery?: string; headers?: string },
): string {
  // One tab per capability after the default query. Each tab carries the headers (the local
  // token in development): GraphiQL keeps headers per tab. A browser that used GraphiQL on this
  // origin before opens its stored tabs instead (GraphiQL's localStorage wins over defaultTabs).
  const defaultTabs = [
    { query: options.defaultQuery ?? GRAPHIQL_DEFAULT_QUERY },
    ...GRAPHIQL_EXAMPLES.map(({ query, variables }) => ({ query, variables })),
  ].map((tab) => (options.headers ? { ...tab, headers: options.headers } : tab));
  // JSON inside <script>: escape "<" so no value can close the element.
  const config = JSON.stringify({ ...options, defaultTabs }).replace(/</g, '\\u003c');
  const title = (options.title ?? 'GraphiQL').replace(/[<>&"]/g, '');
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>${title}</title>
    <link rel="icon" href="/graphiql/favicon.ico" />
    <link rel="stylesheet" href="/graphiql/graphiql.css" />
  </head>
  <body id="body" class="no-focus-outline">
    <noscript>You need to enable JavaScript to run GraphiQL.</noscript>
    <div id="root"></div>
    <script>
      self.MonacoEnvironment = {
        globalAPI: false,
        getWorkerUrl: function (_moduleId, label) {
          return {
            editorWorkerService: '/graphiql/editor.worker.js',
            json: '/graphiql/json.worker.js',
            graphql: '/graphiql/graphql.worker.js',
          }[label];
        },
      };
    </script>
    <script src="/graphiql/graphiql.js"></script>
    <script>
      YogaGraphiQL.renderYogaGraphiQL(document.querySelector('#root'), ${config});
    </script>
  </body>
</html>
`;
}

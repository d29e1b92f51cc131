// The GraphQL operations the walk-through sends.
import { ERROR_FIELDS } from './client.ts';

export const Viewer = /* GraphQL */ `
  query DemoViewer { viewer { id name role organization { name } } }
`;

export const ModelByName = /* GraphQL */ `
  query DemoModel($name: String!) {
    model(name: $name) {
      id name
      versions(first: 100) { edges { node { id version } } }
    }
  }
`;

export const ModelRegister = /* GraphQL */ `
  mutation DemoModelRegister($input: ModelRegisterInput!) {
    modelRegister(input: $input) {
      __typename
      ... on ModelRegisterPayload { model { id name } }
      ${ERROR_FIELDS}
    }
  }
`;

export const ModelVersionCreate = /* GraphQL */ `
  mutation DemoModelVersionCreate($input: ModelVersionCreateInput!) {
    modelVersionCreate(input: $input) {
      __typename
      ... on ModelVersionCreatePayload { modelVersion { id version } }
      ${ERROR_FIELDS}
    }
  }
`;

export const DatasetsPage = /* GraphQL */ `
  query DemoDatasets($after: String) {
    datasets(first: 100, after: $after) {
      edges { node { id name } }
      pageInfo { hasNextPage endCursor }
    }
  }
`;

export const DatasetRegister = /* GraphQL */ `
  mutation DemoDatasetRegister($input: DatasetRegisterInput!) {
    datasetRegister(input: $input) {
      __typename
      ... on DatasetRegisterPayload { dataset { id name } }
      ${ERROR_FIELDS}
    }
  }
`;

export const DeploymentsPage = /* GraphQL */ `
  query DemoDeployments($after: String) {
    deployments(first: 100, after: $after) {
      edges { node { id name } }
      pageInfo { hasNextPage endCursor }
    }
  }
`;

export const DeploymentCreate = /* GraphQL */ `
  mutation DemoDeploymentCreate($input: DeploymentCreateInput!) {
    deploymentCreate(input: $input) {
      __typename
      ... on DeploymentCreatePayload { deployment { id name } }
      ${ERROR_FIELDS}
    }
  }
`;

export const ExperimentsPage = /* GraphQL */ `
  query DemoExperiments($after: String) {
    experiments(first: 100, after: $after) {
      edges { node { id name } }
      pageInfo { hasNextPage endCursor }
    }
  }
`;

export const ExperimentCreate = /* GraphQL */ `
  mutation DemoExperimentCreate($input: ExperimentCreateInput!) {
    experimentCreate(input: $input) {
      __typename
      ... on ExperimentCreatePayload { experiment { id name } }
      ${ERROR_FIELDS}
    }
  }
`;

export const Prices = /* GraphQL */ `
  query DemoPrices($provider: String!) {
    prices(provider: $provider, first: 100) { edges { node { modelPattern effectiveFrom } } }
  }
`;

export const PriceSet = /* GraphQL */ `
  mutation DemoPriceSet($input: PriceSetInput!) {
    priceSet(input: $input) {
      __typename
      ... on PriceSetPayload { price { id } }
      ${ERROR_FIELDS}
    }
  }
`;

export const InferenceTrack = /* GraphQL */ `
  mutation DemoInferenceTrack($input: InferenceTrackInput!) {
    inferenceTrack(input: $input) {
      __typename
      ... on InferenceTrackPayload { recorded unpriced tracked { deduplicated } }
      ${ERROR_FIELDS}
    }
  }
`;

export const UsageCounts = /* GraphQL */ `
  query DemoUsageCounts($ids: [ID!]!, $from: DateTime!) {
    nodes(ids: $ids) {
      ... on Model { id name usage(from: $from) { requests } }
    }
  }
`;

export const Compare = /* GraphQL */ `
  query DemoCompare($experimentId: ID!, $modelIds: [ID!]!, $from: DateTime!) {
    abTestCompare(experimentId: $experimentId, armsBy: MODEL, from: $from) {
      arms {
        model { id name }
        requests errorRate meanQuality qualityCi95 { low high }
        latency { p50 p95 } meanCostUsd
      }
      pairs { a b qualityDifference quality { pValue } latency { pValue } errorRate { pValue } }
      verdict { outcome winner adjustedAlpha reason additionalSamplesPerArm }
    }
    roiFrontier(modelIds: $modelIds, from: $from, qualityTolerance: 0.02) {
      frontier { model { name } }
      cheapestWithinTolerance { name }
    }
    nodes(ids: $modelIds) {
      ... on Model {
        id name
        usage(from: $from) { requests totalCostUsd costPer1kTokens unpricedRequests latency { p50 p95 } }
        roi(from: $from) { meanQuality meanCostUsd qualityPerDollar costPerSuccessfulRequest }
        costForecast(days: 30, historyDays: 14) { forecastUsd forecastLowUsd forecastHighUsd }
      }
    }
  }
`;

export const MetricCounts = /* GraphQL */ `
  query DemoMetricCounts($ids: [ID!]!, $from: DateTime!) {
    nodes(ids: $ids) {
      ... on ModelVersion { id metricStats(type: LATENCY, from: $from) { count } }
    }
  }
`;

export const MetricsRecord = /* GraphQL */ `
  mutation DemoMetricsRecord($input: MetricsRecordInput!) {
    metricsRecord(input: $input) {
      __typename
      ... on MetricsRecordPayload { recorded }
      ${ERROR_FIELDS}
    }
  }
`;

export const MetricsReport = /* GraphQL */ `
  query DemoMetricsReport($ids: [ID!]!, $modelIds: [ID!]!) {
    nodes(ids: $ids) {
      ... on ModelVersion {
        version
        model { name }
        latency: metricStats(type: LATENCY) { count p50 p95 }
        accuracy: metricStats(type: ACCURACY) { count mean }
      }
    }
    modelComparison(modelIds: $modelIds, metricType: LATENCY) { rank model { name } stats { p95 } }
    metricAlerts(recentHours: 24, baselineHours: 168) {
      model { name }
      modelVersion { version }
      metricType direction relativeChange pValue
      baseline { mean count }
      recent { mean count }
    }
  }
`;

export const UsersPage = /* GraphQL */ `
  query DemoUsers($after: String) {
    users(first: 100, after: $after) {
      edges { node { id name email role } }
      pageInfo { hasNextPage endCursor }
    }
  }
`;

export const UserCreate = /* GraphQL */ `
  mutation DemoUserCreate($input: UserCreateInput!) {
    userCreate(input: $input) {
      __typename
      ... on UserCreatePayload { user { id name } }
      ${ERROR_FIELDS}
    }
  }
`;

export const ApiTokenCreate = /* GraphQL */ `
  mutation DemoApiTokenCreate($input: ApiTokenCreateInput!) {
    apiTokenCreate(input: $input) {
      __typename
      ... on ApiTokenCreatePayload { token apiToken { id } }
      ${ERROR_FIELDS}
    }
  }
`;

export const ApiTokenRevoke = /* GraphQL */ `
  mutation DemoApiTokenRevoke($input: ApiTokenRevokeInput!) {
    apiTokenRevoke(input: $input) {
      __typename
      ... on ApiTokenRevokePayload { apiToken { revokedAt } }
      ${ERROR_FIELDS}
    }
  }
`;

export const VersionGovernance = /* GraphQL */ `
  query DemoVersionGovernance($id: ID!) {
    node(id: $id) {
      ... on ModelVersion {
        id version isProduction
        model { name productionVersion { version } }
        artifacts(first: 100) { edges { node { name status } } }
        approvals(first: 100) { edges { node { id state reviewer { name } reviewedAt } } }
      }
    }
  }
`;

export const ArtifactUploadCreate = /* GraphQL */ `
  mutation DemoArtifactUploadCreate($input: ArtifactUploadCreateInput!) {
    artifactUploadCreate(input: $input) {
      __typename
      ... on ArtifactUploadCreatePayload { artifact { id upload { url } } }
      ${ERROR_FIELDS}
    }
  }
`;

const CHECK_FIELDS = 'type status summary findings { code message }';

export const ApprovalRequest = /* GraphQL */ `
  mutation DemoApprovalRequest($input: ApprovalRequestInput!) {
    approvalRequest(input: $input) {
      __typename
      ... on ApprovalRequestPayload { approval { id state } checks { ${CHECK_FIELDS} } }
      ${ERROR_FIELDS}
    }
  }
`;

export const ComplianceCheckRun = /* GraphQL */ `
  mutation DemoComplianceCheckRun($input: ComplianceCheckRunInput!) {
    complianceCheckRun(input: $input) {
      __typename
      ... on ComplianceCheckRunPayload { approval { checks { ${CHECK_FIELDS} } } }
      ${ERROR_FIELDS}
    }
  }
`;

export const ApprovalChecks = /* GraphQL */ `
  query DemoApprovalChecks($id: ID!) {
    node(id: $id) { ... on Approval { id state checks { ${CHECK_FIELDS} } } }
  }
`;

export const ApprovalReview = /* GraphQL */ `
  mutation DemoApprovalReview($input: ApprovalReviewInput!) {
    approvalReview(input: $input) {
      __typename
      ... on ApprovalReviewPayload { approval { id state reviewer { name } reviewedAt } }
      ${ERROR_FIELDS}
    }
  }
`;

export const ModelVersionPromote = /* GraphQL */ `
  mutation DemoModelVersionPromote($input: ModelVersionPromoteInput!) {
    modelVersionPromote(input: $input) {
      __typename
      ... on ModelVersionPromotePayload { modelVersion { version isProduction } previousVersion { version } }
      ... on ApprovalRequiredError { missingChecks checkStatuses { type status } }
      ${ERROR_FIELDS}
    }
  }
`;

export const Lineage = /* GraphQL */ `
  query DemoLineage($id: ID!) {
    node(id: $id) {
      ... on ModelVersion {
        version
        model { name }
        lineage(direction: BOTH) {
          totalNodes totalEdges depthReached isTruncated
          nodeInfo { kind label depth }
          mermaid
        }
      }
    }
  }
`;

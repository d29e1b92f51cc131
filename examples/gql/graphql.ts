/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
/** A column of a dataset, scanned for personal data. */
export type DatasetColumnInput = {
  /** The column name. */
  name: string;
  /** Up to 20 example values. */
  sampleValues?: Array<string> | null | undefined;
};

/** A dataset’s GDPR declarations. */
export type DatasetGovernanceInput = {
  /** Its columns with sample values (up to 500), scanned for undeclared personal data. */
  columns?: Array<DatasetColumnInput> | null | undefined;
  /** Whether it holds personal data (GDPR Art. 4(1)). */
  containsPersonalData: boolean;
  /** The lawful basis; required in effect when it holds personal data. */
  lawfulBasis?: LawfulBasis | null | undefined;
  /** How long it is kept, in days (1-36,500); required in effect for personal data. */
  retentionDays?: number | null | undefined;
};

/** A dataset a version was trained or evaluated on, with the edge’s properties. */
export type DatasetLinkInput = {
  /** Global ID of the dataset. */
  datasetId: string;
  /** A JSON object stored on the edge, e.g. { "split": "train", "rows": 120000 }. */
  properties?: unknown;
};

/** A new dataset. */
export type DatasetRegisterInput = {
  /** Free text. */
  description?: string | null | undefined;
  /** Storage format (parquet, jsonl, csv...). */
  format?: string | null | undefined;
  /** GDPR declarations: personal data, lawful basis, retention, columns. */
  governance?: DatasetGovernanceInput | null | undefined;
  /** Optional, 1 to 200 characters, unique per organization and mutation: sending the same key with the same input again (for at least 24 hours) returns the first result and writes nothing; the same key with a different input is a ConflictError. */
  idempotencyKey?: string | null | undefined;
  /** A JSON object up to 64 KiB. */
  metadata?: unknown;
  /** Unique within your organization. */
  name: string;
  /** Where the data lives. */
  uri?: string | null | undefined;
};

/** The GDPR Art. 6 lawful basis for processing personal data. */
export type LawfulBasis =
  /** GDPR Art. 6(1)(a): the data subject consented. */
  | 'CONSENT'
  /** GDPR Art. 6(1)(b): needed for a contract with the data subject. */
  | 'CONTRACT'
  /** GDPR Art. 6(1)(c): needed to comply with a legal obligation. */
  | 'LEGAL_OBLIGATION'
  /** GDPR Art. 6(1)(f): legitimate interests, balanced against the data subject’s. */
  | 'LEGITIMATE_INTERESTS'
  /** GDPR Art. 6(1)(e): needed for a task in the public interest. */
  | 'PUBLIC_TASK'
  /** GDPR Art. 6(1)(d): needed to protect someone’s vital interests. */
  | 'VITAL_INTERESTS';

/** Which models to list. Conditions are AND-ed; values within one list are OR-ed. */
export type ModelFilter = {
  /** Registered at or after this time. */
  createdAfter?: string | null | undefined;
  /** Registered before this time. */
  createdBefore?: string | null | undefined;
  /** Models built with any of these frameworks. */
  framework?: Array<string> | null | undefined;
  /** Models of any of these types. */
  modelType?: Array<string> | null | undefined;
  /** Models from any of these providers. */
  provider?: Array<string> | null | undefined;
  /** Models in any of these states; default ACTIVE and DEPRECATED (archived models are listed only when asked for). */
  status?: Array<ModelStatus> | null | undefined;
  /** Models with every one of these tags. */
  tagsAll?: Array<string> | null | undefined;
  /** Models with at least one of these tags. */
  tagsAny?: Array<string> | null | undefined;
  /** Case-insensitive substring of the name or description. */
  text?: string | null | undefined;
};

/** A new model. Provider, framework, model type and tags may also come in metadata. */
export type ModelRegisterInput = {
  /** Free text, up to 10,000 characters. */
  description?: string | null | undefined;
  /** Overrides metadata.framework. */
  framework?: string | null | undefined;
  /** Optional, 1 to 200 characters, unique per organization and mutation: sending the same key with the same input again (for at least 24 hours) returns the first result and writes nothing; the same key with a different input is a ConflictError. */
  idempotencyKey?: string | null | undefined;
  /** A JSON object up to 64 KiB, e.g. { framework, model_type, provider, model_name, tags }. */
  metadata?: unknown;
  /** Overrides metadata.model_type. */
  modelType?: string | null | undefined;
  /** Unique within your organization. */
  name: string;
  /** Overrides metadata.provider. */
  provider?: string | null | undefined;
  /** Up to 50 tags of up to 64 characters. */
  tags?: Array<string> | null | undefined;
};

/** Where a registered model is in its life. */
export type ModelStatus =
  /** In use; new versions may be added. */
  | 'ACTIVE'
  /** Retired (modelArchive): left out of models and search unless asked for, readable by id, never promoted, not editable until modelRestore; kept for lineage and audit. */
  | 'ARCHIVED'
  /** Replaced or retired; kept for lineage. */
  | 'DEPRECATED';

/** A new, immutable version of a model, with its lineage. */
export type ModelVersionCreateInput = {
  /** Global IDs of versions this one derives from; at most 100. */
  derivedFrom?: Array<string> | null | undefined;
  /** Free text. */
  description?: string | null | undefined;
  /** Evaluation datasets; at most 100. */
  evaluatedOn?: Array<DatasetLinkInput> | null | undefined;
  /** Optional, 1 to 200 characters, unique per organization and mutation: sending the same key with the same input again (for at least 24 hours) returns the first result and writes nothing; the same key with a different input is a ConflictError. */
  idempotencyKey?: string | null | undefined;
  /** A JSON object up to 64 KiB. */
  metadata?: unknown;
  /** Global ID of the model. */
  modelId: string;
  /** Global ID of the experiment run the version came out of (MLflow’s run_id): the version DERIVED_FROM it, so lineage walks from the run’s datasets to the version. */
  runId?: string | null | undefined;
  /** Where the version’s files came from (MLflow’s source URI), up to 2,048 characters. */
  source?: string | null | undefined;
  /** Training datasets; at most 100. */
  trainedOn?: Array<DatasetLinkInput> | null | undefined;
  /** Semantic version, e.g. 1.2.0. */
  version: string;
};

/** The version to make its model’s production version. */
export type ModelVersionPromoteInput = {
  /** Optional, 1 to 200 characters, unique per organization and mutation: sending the same key with the same input again (for at least 24 hours) returns the first result and writes nothing; the same key with a different input is a ConflictError. */
  idempotencyKey?: string | null | undefined;
  /** Why, for the audit trail (up to 2,000 characters). */
  reason?: string | null | undefined;
  /** Global ID of the version. */
  versionId: string;
};

/** What a user may do in their organization. */
export type Role =
  /** Everything, including users and tokens. */
  | 'ADMIN'
  /** Also registers and changes models, datasets, lineage. */
  | 'EDITOR'
  /** Also reviews approval requests. */
  | 'REVIEWER'
  /** Reads everything in the organization. */
  | 'VIEWER';

export type ViewerQueryVariables = Exact<{ [key: string]: never; }>;


export type ViewerQuery = { viewer: { id: string, name: string, role: Role, organization: { name: string } } | null };

export type ModelRegisterMutationVariables = Exact<{
  input: ModelRegisterInput;
}>;


export type ModelRegisterMutation = { modelRegister:
    | { __typename: 'ConflictError', message: string, path: Array<string> }
    | { __typename: 'ModelRegisterPayload', model: { id: string, name: string, tags: Array<string>, provider: string | null } }
    | { __typename: 'NotFoundError', message: string, path: Array<string> }
    | { __typename: 'ValidationError', message: string, path: Array<string> }
   };

export type DatasetRegisterMutationVariables = Exact<{
  input: DatasetRegisterInput;
}>;


export type DatasetRegisterMutation = { datasetRegister:
    | { __typename: 'ConflictError', message: string, path: Array<string> }
    | { __typename: 'DatasetRegisterPayload', dataset: { id: string, name: string } }
    | { __typename: 'NotFoundError', message: string, path: Array<string> }
    | { __typename: 'ValidationError', message: string, path: Array<string> }
   };

export type ModelVersionCreateMutationVariables = Exact<{
  input: ModelVersionCreateInput;
}>;


export type ModelVersionCreateMutation = { modelVersionCreate:
    | { __typename: 'ConflictError', message: string, path: Array<string> }
    | { __typename: 'EdgeNotAllowedError', message: string, path: Array<string> }
    | { __typename: 'LineageCycleError', message: string, path: Array<string> }
    | { __typename: 'ModelVersionCreatePayload', modelVersion: { id: string, version: string } }
    | { __typename: 'NotFoundError', message: string, path: Array<string> }
    | { __typename: 'ValidationError', message: string, path: Array<string> }
   };

export type ModelVersionPromoteMutationVariables = Exact<{
  input: ModelVersionPromoteInput;
}>;


export type ModelVersionPromoteMutation = { modelVersionPromote:
    | { __typename: 'ApprovalRequiredError', message: string, path: Array<string> }
    | { __typename: 'ConflictError', message: string, path: Array<string> }
    | { __typename: 'ModelVersionPromotePayload', modelVersion: { version: string, isProduction: boolean }, previousVersion: { version: string } | null }
    | { __typename: 'NotFoundError', message: string, path: Array<string> }
    | { __typename: 'ValidationError', message: string, path: Array<string> }
   };

export type ModelsOverviewQueryVariables = Exact<{
  first: number;
  after?: string | null | undefined;
  filter?: ModelFilter | null | undefined;
}>;


export type ModelsOverviewQuery = { models: { edges: Array<{ node: { id: string, name: string, status: ModelStatus, tags: Array<string>, productionVersion: { version: string } | null, versions: { edges: Array<{ node: { version: string, aliases: Array<string>, trainedOn: { edges: Array<{ properties: unknown, node: { name: string } }> } } }> } } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };


export const ViewerDocument = {"__meta__":{"hash":"sha256:da51183f8ac75844a04a6d9cbbedbacb64d3b6c41a084fcde7127009cc389c1f"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Viewer"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"viewer"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"organization"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}}]}}]} as unknown as DocumentNode<ViewerQuery, ViewerQueryVariables>;
export const ModelRegisterDocument = {"__meta__":{"hash":"sha256:cba991fbfc88f2e30c4921e3f3d70b0f1e265faddb0a7bbefa47314a3602fcea"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ModelRegister"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ModelRegisterInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"modelRegister"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ModelRegisterPayload"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"model"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"tags"}},{"kind":"Field","name":{"kind":"Name","value":"provider"}}]}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Error"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"path"}}]}}]}}]}}]} as unknown as DocumentNode<ModelRegisterMutation, ModelRegisterMutationVariables>;
export const DatasetRegisterDocument = {"__meta__":{"hash":"sha256:0292be4cb7918ac11c9ce8066fd7e7a2ae25c1a84db8a48868e72dbea85ffbb6"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"DatasetRegister"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"DatasetRegisterInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"datasetRegister"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"DatasetRegisterPayload"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"dataset"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Error"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"path"}}]}}]}}]}}]} as unknown as DocumentNode<DatasetRegisterMutation, DatasetRegisterMutationVariables>;
export const ModelVersionCreateDocument = {"__meta__":{"hash":"sha256:2fd0d3b84d26c1fb0c3303b1d57ab8805f98358220adee51d9e119120af041c2"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ModelVersionCreate"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ModelVersionCreateInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"modelVersionCreate"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ModelVersionCreatePayload"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"modelVersion"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"version"}}]}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Error"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"path"}}]}}]}}]}}]} as unknown as DocumentNode<ModelVersionCreateMutation, ModelVersionCreateMutationVariables>;
export const ModelVersionPromoteDocument = {"__meta__":{"hash":"sha256:eff7a4c77bb3715fb37f04349981028a9a06608e61fe7a084d8cc5e74a576e5b"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ModelVersionPromote"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ModelVersionPromoteInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"modelVersionPromote"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ModelVersionPromotePayload"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"modelVersion"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"isProduction"}}]}},{"kind":"Field","name":{"kind":"Name","value":"previousVersion"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"version"}}]}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Error"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"path"}}]}}]}}]}}]} as unknown as DocumentNode<ModelVersionPromoteMutation, ModelVersionPromoteMutationVariables>;
export const ModelsOverviewDocument = {"__meta__":{"hash":"sha256:172b3fd3cea133837c4716f2e854ac64fb377b7b894d733e7b1a3b1eb78f8402"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ModelsOverview"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"filter"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"ModelFilter"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"models"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}},{"kind":"Argument","name":{"kind":"Name","value":"filter"},"value":{"kind":"Variable","name":{"kind":"Name","value":"filter"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"tags"}},{"kind":"Field","name":{"kind":"Name","value":"productionVersion"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"version"}}]}},{"kind":"Field","name":{"kind":"Name","value":"versions"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"10"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"aliases"}},{"kind":"Field","name":{"kind":"Name","value":"trainedOn"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"10"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"properties"}}]}}]}}]}}]}}]}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]}}]}}]} as unknown as DocumentNode<ModelsOverviewQuery, ModelsOverviewQueryVariables>;
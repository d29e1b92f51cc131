/* eslint-disable */
import * as types from './graphql.ts';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  query Viewer {\n    viewer {\n      id\n      name\n      role\n      organization {\n        name\n      }\n    }\n  }\n": typeof types.ViewerDocument,
    "\n  mutation ModelRegister($input: ModelRegisterInput!) {\n    modelRegister(input: $input) {\n      __typename\n      ... on ModelRegisterPayload {\n        model {\n          id\n          name\n          tags\n          provider\n        }\n      }\n      ... on Error {\n        message\n        path\n      }\n    }\n  }\n": typeof types.ModelRegisterDocument,
    "\n  mutation DatasetRegister($input: DatasetRegisterInput!) {\n    datasetRegister(input: $input) {\n      __typename\n      ... on DatasetRegisterPayload {\n        dataset {\n          id\n          name\n        }\n      }\n      ... on Error {\n        message\n        path\n      }\n    }\n  }\n": typeof types.DatasetRegisterDocument,
    "\n  mutation ModelVersionCreate($input: ModelVersionCreateInput!) {\n    modelVersionCreate(input: $input) {\n      __typename\n      ... on ModelVersionCreatePayload {\n        modelVersion {\n          id\n          version\n        }\n      }\n      ... on Error {\n        message\n        path\n      }\n    }\n  }\n": typeof types.ModelVersionCreateDocument,
    "\n  mutation ModelVersionPromote($input: ModelVersionPromoteInput!) {\n    modelVersionPromote(input: $input) {\n      __typename\n      ... on ModelVersionPromotePayload {\n        modelVersion {\n          version\n          isProduction\n        }\n        previousVersion {\n          version\n        }\n      }\n      ... on Error {\n        message\n        path\n      }\n    }\n  }\n": typeof types.ModelVersionPromoteDocument,
    "\n  query ModelsOverview($first: Int!, $after: String, $filter: ModelFilter) {\n    models(first: $first, after: $after, filter: $filter) {\n      edges {\n        node {\n          id\n          name\n          status\n          tags\n          productionVersion {\n            version\n          }\n          versions(first: 10) {\n            edges {\n              node {\n                version\n                aliases\n                trainedOn(first: 10) {\n                  edges {\n                    node {\n                      name\n                    }\n                    properties\n                  }\n                }\n              }\n            }\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": typeof types.ModelsOverviewDocument,
};
const documents: Documents = {
    "\n  query Viewer {\n    viewer {\n      id\n      name\n      role\n      organization {\n        name\n      }\n    }\n  }\n": types.ViewerDocument,
    "\n  mutation ModelRegister($input: ModelRegisterInput!) {\n    modelRegister(input: $input) {\n      __typename\n      ... on ModelRegisterPayload {\n        model {\n          id\n          name\n          tags\n          provider\n        }\n      }\n      ... on Error {\n        message\n        path\n      }\n    }\n  }\n": types.ModelRegisterDocument,
    "\n  mutation DatasetRegister($input: DatasetRegisterInput!) {\n    datasetRegister(input: $input) {\n      __typename\n      ... on DatasetRegisterPayload {\n        dataset {\n          id\n          name\n        }\n      }\n      ... on Error {\n        message\n        path\n      }\n    }\n  }\n": types.DatasetRegisterDocument,
    "\n  mutation ModelVersionCreate($input: ModelVersionCreateInput!) {\n    modelVersionCreate(input: $input) {\n      __typename\n      ... on ModelVersionCreatePayload {\n        modelVersion {\n          id\n          version\n        }\n      }\n      ... on Error {\n        message\n        path\n      }\n    }\n  }\n": types.ModelVersionCreateDocument,
    "\n  mutation ModelVersionPromote($input: ModelVersionPromoteInput!) {\n    modelVersionPromote(input: $input) {\n      __typename\n      ... on ModelVersionPromotePayload {\n        modelVersion {\n          version\n          isProduction\n        }\n        previousVersion {\n          version\n        }\n      }\n      ... on Error {\n        message\n        path\n      }\n    }\n  }\n": types.ModelVersionPromoteDocument,
    "\n  query ModelsOverview($first: Int!, $after: String, $filter: ModelFilter) {\n    models(first: $first, after: $after, filter: $filter) {\n      edges {\n        node {\n          id\n          name\n          status\n          tags\n          productionVersion {\n            version\n          }\n          versions(first: 10) {\n            edges {\n              node {\n                version\n                aliases\n                trainedOn(first: 10) {\n                  edges {\n                    node {\n                      name\n                    }\n                    properties\n                  }\n                }\n              }\n            }\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": types.ModelsOverviewDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Viewer {\n    viewer {\n      id\n      name\n      role\n      organization {\n        name\n      }\n    }\n  }\n"): (typeof documents)["\n  query Viewer {\n    viewer {\n      id\n      name\n      role\n      organization {\n        name\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ModelRegister($input: ModelRegisterInput!) {\n    modelRegister(input: $input) {\n      __typename\n      ... on ModelRegisterPayload {\n        model {\n          id\n          name\n          tags\n          provider\n        }\n      }\n      ... on Error {\n        message\n        path\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation ModelRegister($input: ModelRegisterInput!) {\n    modelRegister(input: $input) {\n      __typename\n      ... on ModelRegisterPayload {\n        model {\n          id\n          name\n          tags\n          provider\n        }\n      }\n      ... on Error {\n        message\n        path\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DatasetRegister($input: DatasetRegisterInput!) {\n    datasetRegister(input: $input) {\n      __typename\n      ... on DatasetRegisterPayload {\n        dataset {\n          id\n          name\n        }\n      }\n      ... on Error {\n        message\n        path\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation DatasetRegister($input: DatasetRegisterInput!) {\n    datasetRegister(input: $input) {\n      __typename\n      ... on DatasetRegisterPayload {\n        dataset {\n          id\n          name\n        }\n      }\n      ... on Error {\n        message\n        path\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ModelVersionCreate($input: ModelVersionCreateInput!) {\n    modelVersionCreate(input: $input) {\n      __typename\n      ... on ModelVersionCreatePayload {\n        modelVersion {\n          id\n          version\n        }\n      }\n      ... on Error {\n        message\n        path\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation ModelVersionCreate($input: ModelVersionCreateInput!) {\n    modelVersionCreate(input: $input) {\n      __typename\n      ... on ModelVersionCreatePayload {\n        modelVersion {\n          id\n          version\n        }\n      }\n      ... on Error {\n        message\n        path\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ModelVersionPromote($input: ModelVersionPromoteInput!) {\n    modelVersionPromote(input: $input) {\n      __typename\n      ... on ModelVersionPromotePayload {\n        modelVersion {\n          version\n          isProduction\n        }\n        previousVersion {\n          version\n        }\n      }\n      ... on Error {\n        message\n        path\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation ModelVersionPromote($input: ModelVersionPromoteInput!) {\n    modelVersionPromote(input: $input) {\n      __typename\n      ... on ModelVersionPromotePayload {\n        modelVersion {\n          version\n          isProduction\n        }\n        previousVersion {\n          version\n        }\n      }\n      ... on Error {\n        message\n        path\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ModelsOverview($first: Int!, $after: String, $filter: ModelFilter) {\n    models(first: $first, after: $after, filter: $filter) {\n      edges {\n        node {\n          id\n          name\n          status\n          tags\n          productionVersion {\n            version\n          }\n          versions(first: 10) {\n            edges {\n              node {\n                version\n                aliases\n                trainedOn(first: 10) {\n                  edges {\n                    node {\n                      name\n                    }\n                    properties\n                  }\n                }\n              }\n            }\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"): (typeof documents)["\n  query ModelsOverview($first: Int!, $after: String, $filter: ModelFilter) {\n    models(first: $first, after: $after, filter: $filter) {\n      edges {\n        node {\n          id\n          name\n          status\n          tags\n          productionVersion {\n            version\n          }\n          versions(first: 10) {\n            edges {\n              node {\n                version\n                aliases\n                trainedOn(first: 10) {\n                  edges {\n                    node {\n                      name\n                    }\n                    properties\n                  }\n                }\n              }\n            }\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;
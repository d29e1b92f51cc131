// A typed client: every operation's variables and result are typed from schema.graphql.
// Run against `npm start`:  REGISTRY_TOKEN=$(cat .wrangler/local-admin-token) npx node examples/client.ts
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import {
  DatasetRegisterMutation,
  ModelRegisterMutation,
  ModelsOverviewQuery,
  ModelVersionCreateMutation,
  ModelVersionPromoteMutation,
  ViewerQuery,
} from './operations.ts';

const endpoint = globalThis.process?.env.REGISTRY_URL ?? 'http://localhost:8787/graphql';
const token = globalThis.process?.env.REGISTRY_TOKEN ?? '';

export async function request<Result, Variables>(
  document: TypedDocumentNode<Result, Variables>,
  ...[variables]: Variables extends Record<string, never> ? [] : [Variables]
): Promise<Result> {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: print(document), variables }),
  });
  const body = (await response.json()) as { data?: Result; errors?: { message: string }[] };
  if (body.errors?.length) throw new Error(body.errors.map((error) => error.message).join('; '));
  return body.data as Result;
}

export async function main() {
  const { viewer } = await request(ViewerQuery);
  console.log(`Signed in as ${viewer?.name} (${viewer?.role}) in ${viewer?.organization.name}`);

  const suffix = Date.now().toString(36);
  const registered = await request(ModelRegisterMutation, {
    input: { name: `example-${suffix}`, tags: ['example'], provider: 'in-house' },
  });
  if (registered.modelRegister.__typename !== 'ModelRegisterPayload') {
    throw new Error(`modelRegister failed: ${JSON.stringify(registered.modelRegister)}`);
  }
  const model = registered.modelRegister.model;

  const dataset = await request(DatasetRegisterMutation, {
    input: { name: `tickets-${suffix}`, uri: 'r2://datasets/tickets.parquet' },
  });
  if (dataset.datasetRegister.__typename !== 'DatasetRegisterPayload') throw new Error('dataset');

  const created = await request(ModelVersionCreateMutation, {
    input: {
      modelId: model.id,
      version: '1.0.0',
      trainedOn: [
        { datasetId: dataset.datasetRegister.dataset.id, properties: { split: 'train' } },
      ],
    },
  });
  if (created.modelVersionCreate.__typename !== 'ModelVersionCreatePayload')
    throw new Error('version');

  const promoted = await request(ModelVersionPromoteMutation, {
    input: { versionId: created.modelVersionCreate.modelVersion.id, reason: 'first release' },
  });
  console.log('promote:', promoted.modelVersionPromote.__typename);

  const overview = await request(ModelsOverviewQuery, {
    first: 5,
    filter: { tagsAny: ['example'] },
  });
  for (const { node } of overview.models.edges) {
    console.log(`${node.name}: production ${node.productionVersion?.version ?? '-'}`);
  }
}

if (globalThis.process?.argv[1]?.endsWith('client.ts')) await main();

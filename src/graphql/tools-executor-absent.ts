// What `@graphql-tools/executor` resolves to in the Worker's bundle (wrangler.jsonc "alias"):
// Yoga imports it only for its default execute/subscribe, and useGraphQLJsExecution
// (src/graphql/yoga.ts) replaces execute with graphql-js's own for every operation, so the 50 KiB
// executor was never run. This stands in with graphql-js, taking the same arguments
// (graphqlJsArgs); the schema has no subscriptions, so subscribe is
// reached only by a document Yoga's validation already refused.
import { type ExecutionArgs, execute, getOperationAST, subscribe } from 'graphql';
import { graphqlJsArgs } from './execution-args.ts';

export function normalizedExecutor(args: ExecutionArgs & { signal?: AbortSignal }) {
  const executionArgs = graphqlJsArgs(args);
  const operation = getOperationAST(args.document, args.operationName);
  if (operation == null) throw new Error('Must provide an operation.');
  if (operation.operation === 'subscription') return subscribe(executionArgs);
  return execute(executionArgs);
}

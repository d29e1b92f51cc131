// Yoga hands its execute function @graphql-tools' arguments, whose `signal` is graphql-js's
// `abortSignal`. Both places that run graphql-js for Yoga use this: useGraphQLJsExecution
// (yoga.ts) and the stand-in for @graphql-tools/executor (tools-executor-absent.ts).
import type { ExecutionArgs } from 'graphql';

export function graphqlJsArgs(args: ExecutionArgs & { signal?: AbortSignal }): ExecutionArgs {
  const { signal, ...rest } = args;
  return { ...rest, abortSignal: signal ?? rest.abortSignal };
}

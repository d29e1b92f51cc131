import { GraphQLError } from 'graphql';
import { handleStreamOrSingleExecutionResult, type Plugin } from 'graphql-yoga';

/**
 * Gives graphql-js's variable coercion errors ("Variable "$input" got invalid value ...") the code
 * BAD_USER_INPUT. They are raised before any resolver runs, carry no code of their own, and would
 * otherwise be the only answer to user input without one: a client could not tell them from an
 * outage without parsing the message.
 */
export function useVariableErrorCodes(): Plugin {
  return {
    onExecute() {
      return {
        onExecuteDone(payload) {
          return handleStreamOrSingleExecutionResult(payload, ({ result, setResult }) => {
            if (!result.errors?.some(isUncodedVariableError)) return;
            setResult({
              ...result,
              errors: result.errors.map((error) =>
                isUncodedVariableError(error)
                  ? new GraphQLError(error.message, {
                      nodes: error.nodes,
                      source: error.source,
                      positions: error.positions,
                      path: error.path,
                      originalError: error.originalError,
                      extensions: { ...error.extensions, code: 'BAD_USER_INPUT' },
                    })
                  : error,
              ),
            });
          });
        },
      };
    },
  };
}

function isUncodedVariableError(error: GraphQLError): boolean {
  return (
    error.extensions?.code === undefined &&
    error.path === undefined &&
    // graphql-js stops after 50 variable errors and says so in one more error.
    (error.message.startsWith('Variable "$') ||
      error.message.startsWith('Too many errors processing variables'))
  );
}

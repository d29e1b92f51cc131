import { GraphQLError, type ValidationRule } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/** Aliased fields allowed in one operation: aliases multiply work without adding depth. */
export const MAX_ALIASES = 30;

const maxAliasesRule =
  (limit: number): ValidationRule =>
  (context) => {
    let aliases = 0;
    return {
      Field(node) {
        if (!node.alias) return;
        aliases += 1;
        if (aliases === limit + 1) {
          context.reportError(
            new GraphQLError(`Query uses more than ${limit} aliases (limit: maxAliases)`, {
              nodes: [node],
              extensions: { code: 'QUERY_TOO_COMPLEX', limit: 'maxAliases', max: limit },
            }),
          );
        }
      },
    };
  };

/** Adds the alias limit to GraphQL validation. Depth, breadth and cost are in the Pothos builder. */
export function useMaxAliases(limit = MAX_ALIASES): Plugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(maxAliasesRule(limit));
    },
  };
}

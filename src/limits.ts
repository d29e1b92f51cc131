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

/** Lexical tokens allowed in one document: bounds parsing work before validation even starts. */
export const MAX_TOKENS = 5_000;

/** Directives allowed in one operation (`@include`/`@skip` repeated are cheap to send, not to run). */
export const MAX_DIRECTIVES = 50;

function limitError(message: string, limit: string, max: number): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: 'QUERY_TOO_COMPLEX', limit, max, http: { status: 400 } },
  });
}

/**
 * Parses with graphql-js's own `maxTokens` (it stops at the limit, so an oversized document costs
 * no more than a legal one) and answers with the limit's name and value.
 */
export function useMaxTokens(limit = MAX_TOKENS): Plugin {
  return {
    onParse({ parseFn, setParseFn }) {
      setParseFn((source, options) => {
        try {
          return parseFn(source, { ...options, maxTokens: limit });
        } catch (error) {
          if (error instanceof GraphQLError && /more than \d+ tokens/.test(error.message)) {
            throw limitError(
              `Document has more than ${limit} tokens (limit: maxTokens)`,
              'maxTokens',
              limit,
            );
          }
          throw error;
        }
      });
    },
  };
}

const maxDirectivesRule =
  (limit: number): ValidationRule =>
  (context) => {
    let directives = 0;
    return {
      Directive(node) {
        directives += 1;
        if (directives === limit + 1) {
          context.reportError(
            new GraphQLError(`Query uses more than ${limit} directives (limit: maxDirectives)`, {
              nodes: [node],
              extensions: { code: 'QUERY_TOO_COMPLEX', limit: 'maxDirectives', max: limit },
            }),
          );
        }
      },
    };
  };

/** Adds the directive limit to GraphQL validation. */
export function useMaxDirectives(limit = MAX_DIRECTIVES): Plugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(maxDirectivesRule(limit));
    },
  };
}

/** Operations per request: one (Yoga's batching is off); see useSingleOperation. */
export const MAX_BATCH_SIZE = 1;

/**
 * Refuses a JSON array of operations with the limit's name: a batch would share one Worker
 * invocation's D1 statement budget and count once against the rate limit.
 */
export function useSingleOperation(): Plugin {
  return {
    onRequestParse() {
      return {
        onRequestParseDone({ requestParserResult }) {
          if (!Array.isArray(requestParserResult)) return;
          throw limitError(
            `Batched requests are not accepted: send ${MAX_BATCH_SIZE} operation per request, not ${requestParserResult.length} (limit: batchSize)`,
            'batchSize',
            MAX_BATCH_SIZE,
          );
        },
      };
    },
  };
}

import { type ASTKindToNode, GraphQLError, type ValidationRule } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/** Aliased fields allowed in one operation: aliases multiply work without adding depth. */
export const MAX_ALIASES = 30;

/**
 * A validation rule that counts the AST nodes of one kind (those `counts` accepts) and reports once,
 * on the first node past the limit, naming the limit.
 */
function countingRule<K extends 'Field' | 'Directive'>(
  kind: K,
  what: string,
  limitName: string,
  limit: number,
  counts: (node: ASTKindToNode[K]) => boolean = () => true,
): ValidationRule {
  return (context) => {
    let seen = 0;
    const visit = (node: ASTKindToNode[K]) => {
      if (!counts(node)) return;
      seen += 1;
      if (seen === limit + 1) {
        context.reportError(
          new GraphQLError(`Query uses more than ${limit} ${what} (limit: ${limitName})`, {
            nodes: [node],
            extensions: { code: 'QUERY_TOO_COMPLEX', limit: limitName, max: limit },
          }),
        );
      }
    };
    return { [kind]: visit };
  };
}

function useValidationRule(rule: ValidationRule): Plugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(rule);
    },
  };
}

/** Adds the alias limit to GraphQL validation. Depth, breadth and cost are in the Pothos builder. */
export function useMaxAliases(limit = MAX_ALIASES): Plugin {
  return useValidationRule(
    countingRule('Field', 'aliases', 'maxAliases', limit, (node) => Boolean(node.alias)),
  );
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

/** Adds the directive limit to GraphQL validation. */
export function useMaxDirectives(limit = MAX_DIRECTIVES): Plugin {
  return useValidationRule(countingRule('Directive', 'directives', 'maxDirectives', limit));
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

// Similarity search over model cards: ModelVersion.similar and Query.modelsSearch, through the
// Embedder and VectorIndex ports (Workers AI + Vectorize in production, local ones elsewhere).
import { decodeIdOf } from '../../global-id.ts';
import { MAX_TOP_K } from '../../ports/vector-index.ts';
import {
  checkSimilarArgs,
  DEFAULT_TOP_K,
  type RankedVersion,
  searchModelVersions,
  similarVersions,
} from '../../registry/search/search.service.ts';
import { builder } from '../builder.ts';
import { withUserErrors } from '../lib/user-errors.ts';
import { ModelVersionRef } from './refs.ts';

export const ModelVersionMatchRef = builder.objectRef<RankedVersion>('ModelVersionMatch');
ModelVersionMatchRef.implement({
  description: 'A model version ranked by how close its model card is, with the score.',
  fields: (t) => ({
    modelVersion: t.field({
      type: ModelVersionRef,
      description: 'The matching version.',
      resolve: (match) => match.modelVersion,
    }),
    score: t.exposeFloat('score', {
      description: 'Cosine similarity of the model-card embeddings, -1 to 1; higher is closer.',
    }),
  }),
});

const SimilarFilter = builder.inputType('SimilarFilter', {
  description: 'Which versions may appear among the similar ones.',
  fields: (t) => ({
    includeSameModel: t.boolean({
      description: 'Also list other versions of the same model (default false).',
    }),
    modelIds: t.idList({
      description: 'Only versions of these models (global IDs, at most 50).',
    }),
  }),
});

const TOP_K_DESCRIPTION = `How many results, 1 to ${MAX_TOP_K} (default ${DEFAULT_TOP_K}).`;

builder.objectFields(ModelVersionRef, (t) => ({
  similar: t.loadableList({
    type: ModelVersionMatchRef,
    description:
      'Versions of your organization whose model cards are most like this one’s, best first (never itself). Embeddings refresh when cards change.',
    byPath: true,
    args: {
      topK: t.arg.int({ description: TOP_K_DESCRIPTION, defaultValue: DEFAULT_TOP_K }),
      filter: t.arg({ type: SimilarFilter, description: 'Which versions may appear.' }),
    },
    load: (ids: string[], context, args) =>
      withUserErrors(async () => {
        const filter = args.filter
          ? {
              includeSameModel: args.filter.includeSameModel ?? false,
              modelIds:
                args.filter.modelIds?.map(
                  (id, index) =>
                    decodeIdOf(String(id), ['Model'], ['filter', 'modelIds', String(index)]).id,
                ) ?? null,
            }
          : null;
        checkSimilarArgs(args.topK, filter);
        return similarVersions(context.deps, context.viewer, ids, {
          topK: args.topK,
          filter,
        });
      }),
    resolve: (version) => version.id,
  }),
}));

builder.queryField('modelsSearch', (t) =>
  t.field({
    type: [ModelVersionMatchRef],
    description:
      'Model versions of your organization whose model cards best match a free-text description, best first.',
    args: {
      text: t.arg.string({
        required: true,
        description: 'What you are looking for, in words (1 to 2,000 characters).',
      }),
      topK: t.arg.int({ description: TOP_K_DESCRIPTION, defaultValue: DEFAULT_TOP_K }),
    },
    resolve: (_root, args, context) =>
      withUserErrors(() =>
        searchModelVersions(context.deps, context.viewer, {
          text: args.text,
          topK: args.topK,
        }),
      ),
  }),
);

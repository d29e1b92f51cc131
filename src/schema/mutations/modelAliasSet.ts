import { decodeIdOf } from '../../global-id.ts';
import { setModelAlias } from '../../registry/model/model.service.ts';
import { builder } from '../builder.ts';
import { COMMON_ERRORS } from '../errors.ts';
import { IDEMPOTENCY_KEY_DESCRIPTION, idempotent } from '../lib/idempotency.ts';
import { withInputPaths } from '../lib/input-paths.ts';
import { mutationResult } from '../lib/mutation-result.ts';
import { aliasMovePayload } from '../objects/AliasMove.ts';

const ModelAliasSetInput = builder.inputType('ModelAliasSetInput', {
  description: 'Point a named alias of a model at one of its versions.',
  fields: (t) => ({
    idempotencyKey: t.string({ description: IDEMPOTENCY_KEY_DESCRIPTION }),
    versionId: t.id({ required: true, description: 'Global ID of the version.' }),
    alias: t.string({
      required: true,
      description: 'Lowercase name such as "champion" or "challenger"; "production" is reserved.',
    }),
    reason: t.string({ description: 'Why, for the audit trail.' }),
  }),
});

const ModelAliasSetPayload = aliasMovePayload(
  'ModelAliasSetPayload',
  'The version the alias now points at, and the one it pointed at before.',
);

const ModelAliasSetResult = mutationResult('modelAliasSet', ModelAliasSetPayload, [
  ...COMMON_ERRORS,
]);

builder.mutationField('modelAliasSet', (t) =>
  t.field({
    type: ModelAliasSetResult,
    description: 'Moves (or creates) a named alias: one version per alias per model; audited.',
    authScopes: { editor: true },
    args: {
      input: t.arg({ type: ModelAliasSetInput, required: true, description: 'What to do.' }),
    },
    resolve: (_root, { input }, context) =>
      withInputPaths(() =>
        idempotent(context, 'modelAliasSet', input, (claim) =>
          setModelAlias(
            context.deps,
            context.viewer,
            {
              versionId: decodeIdOf(input.versionId, ['ModelVersion'], ['versionId']).id,
              alias: input.alias,
              reason: input.reason,
            },
            claim,
          ),
        ),
      ),
  }),
);

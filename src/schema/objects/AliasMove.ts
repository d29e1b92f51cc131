import type { AliasMove } from '../../registry/model/model.service.ts';
import { builder } from '../builder.ts';
import { ModelRef, ModelVersionRef } from './refs.ts';

/** A payload for a mutation that moves an alias (promote, alias set): the same three fields. */
export function aliasMovePayload(name: string, description: string) {
  return builder.objectRef<AliasMove>(name).implement({
    description,
    fields: (t) => ({
      model: t.field({ type: ModelRef, description: 'The model.', resolve: (move) => move.model }),
      modelVersion: t.field({
        type: ModelVersionRef,
        description: 'The version the alias now points at.',
        resolve: (move) => move.version,
      }),
      previousVersion: t.field({
        type: ModelVersionRef,
        nullable: true,
        description: 'The version the alias pointed at before, if any.',
        resolve: (move) => move.previousVersionId,
      }),
    }),
  });
}

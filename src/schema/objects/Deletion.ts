// What modelDelete, modelVersionDelete and datasetDelete answer (each its own <Mutation>Payload, as
// every mutation's is): the deleted node's global ID and what went with it. The node itself is gone:
// node(id:) gives null for it from now on.
import { encodeGlobalID } from '../../global-id.ts';
import type { Deletion } from '../../registry/deletion/deletion.service.ts';
import { builder } from '../builder.ts';

export function deletionPayload(name: string) {
  const ref = builder.objectRef<Deletion>(name);
  ref.implement({
    description:
      'What a deletion removed. Its audit event (auditEvents(subject:)) keeps the record; approvals, checks, metrics and tracked usage stay.',
    fields: (t) => ({
      deletedId: t.id({
        description: 'Global ID of what was deleted; node(id:) gives null for it now.',
        resolve: (deletion) => encodeGlobalID(deletion.kind, deletion.id),
      }),
      name: t.exposeString('name', {
        description: 'The name it had ("model@version" for a version); free to register again.',
      }),
      endedEdgeCount: t.exposeInt('endedEdges', {
        description: 'Lineage edges ended (lineage as of an earlier time still shows them).',
      }),
      deletedVersionCount: t.exposeInt('deletedVersions', {
        description: 'Versions deleted: all of a model’s, or the one.',
      }),
      removedArtifactCount: t.exposeInt('removedArtifacts', {
        description: 'Artifacts whose records and bytes (R2) were removed.',
      }),
    }),
  });
  return ref;
}

import { builder } from './builder.ts';
import './scalars.ts';
import './errors.ts';
import './objects/enums.ts';
import './objects/LineageNode.ts';
import './objects/ImpactReport.ts';
import './nodes/Node.ts';
import './nodes/Model.ts';
import './nodes/ModelVersion.ts';
import './nodes/Dataset.ts';
import './nodes/Deployment.ts';
import './nodes/Experiment.ts';
import './nodes/User.ts';
import './nodes/Organization.ts';
import './nodes/GraphEdge.ts';
import './mutations/modelRegister.ts';
import './mutations/modelVersionCreate.ts';
import './mutations/modelVersionPromote.ts';
import './mutations/modelAliasSet.ts';
import './mutations/modelReplace.ts';
import './mutations/datasetRegister.ts';
import './mutations/deploymentCreate.ts';
import './mutations/experimentCreate.ts';
import './mutations/lineageEdgeAdd.ts';
import './mutations/lineageEdgeRemove.ts';
import './mutations/userCreate.ts';
import './mutations/apiTokenCreate.ts';
import './mutations/apiTokenRevoke.ts';

builder.queryType({ description: 'Everything you can read: start from a node, a list or viewer.' });
builder.mutationType({ description: 'Every change, as one logical action per mutation.' });

// Not sorted here: sorting costs startup time on every cold start and only the printed file needs it.
export const schema = builder.toSchema();

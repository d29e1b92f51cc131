import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { globalId, seedDataset, seedModel, seedVersion } from '../helpers/fixtures.ts';
import { createTestOrg, gql, type TestOrg } from '../helpers/graphql.ts';
import { growth, keyRows, type TableCounts, tableCounts } from './helpers.ts';

/**
 * One case per idempotent mutation: `input(n)` builds a valid input whose unique parts (names,
 * versions, datasets) depend on `n`, so each test gets a fresh one; `other` changes it; `writes`
 * is what one successful call adds to the organization's tables (idempotency_key included).
 */
interface Case {
  mutation: string;
  inputType: string;
  selection: string;
  input: (org: TestOrg, n: number) => Promise<Record<string, unknown>>;
  other: (input: Record<string, unknown>) => Record<string, unknown>;
  writes: Partial<TableCounts>;
  /** The payload type, when it is not `<Mutation>Payload`. */
  payload?: string;
  /** Who sends it (default EDITOR). */
  role?: 'ADMIN' | 'REVIEWER';
  /** Each test in an organization of its own (the mutation sets organization-wide state). */
  ownOrg?: boolean;
}

const SHA = 'ab'.repeat(32);

let serial = 0;
async function freshVersion(org: TestOrg, n: number) {
  serial += 1;
  const model = await seedModel(org, `m-${n}-${serial}`);
  const version = await seedVersion(org, model.id, '1.0.0');
  return { model, version, versionId: globalId('ModelVersion', version.id) };
}

const CASES: Case[] = [
  {
    mutation: 'modelRegister',
    inputType: 'ModelRegisterInput',
    selection: 'model { id name createdAt }',
    input: async (_org, n) => ({ name: `model-${n}`, tags: ['a'], metadata: { b: 1, a: 2 } }),
    other: (input) => ({ ...input, description: 'another' }),
    writes: { model: 1, audit_event: 1, idempotency_key: 1 },
  },
  {
    mutation: 'modelVersionCreate',
    inputType: 'ModelVersionCreateInput',
    selection: 'modelVersion { id version createdAt trainedOn { edges { node { id } } } }',
    input: async (org, n) => {
      const model = await seedModel(org, `vc-${n}`);
      const dataset = await seedDataset(org, `vc-data-${n}`);
      return {
        modelId: globalId('Model', model.id),
        version: '2.0.0',
        trainedOn: [{ datasetId: globalId('Dataset', dataset.id), properties: { split: 'train' } }],
      };
    },
    other: (input) => ({ ...input, version: '2.0.1' }),
    writes: { model_version: 1, edge: 1, audit_event: 1, idempotency_key: 1 },
  },
  {
    mutation: 'datasetRegister',
    inputType: 'DatasetRegisterInput',
    selection: 'dataset { id name }',
    input: async (_org, n) => ({ name: `data-${n}`, uri: 'r2://x' }),
    other: (input) => ({ ...input, uri: 'r2://y' }),
    writes: { dataset: 1, audit_event: 1, idempotency_key: 1 },
  },
  {
    mutation: 'deploymentCreate',
    inputType: 'DeploymentCreateInput',
    selection: 'deployment { id name environment }',
    input: async (org, n) => {
      const { versionId } = await freshVersion(org, n);
      return {
        name: `dep-${n}`,
        environment: 'staging',
        modelVersions: [{ versionId, properties: { traffic: 1 } }],
      };
    },
    other: (input) => ({ ...input, environment: 'production' }),
    writes: { deployment: 1, edge: 1, audit_event: 1, idempotency_key: 1 },
  },
  {
    mutation: 'experimentCreate',
    inputType: 'ExperimentCreateInput',
    selection: 'experiment { id name }',
    input: async (_org, n) => ({ name: `exp-${n}` }),
    other: (input) => ({ ...input, name: `${input.name}-other` }),
    writes: { experiment: 1, audit_event: 1, idempotency_key: 1 },
  },
  {
    mutation: 'lineageEdgeAdd',
    inputType: 'LineageEdgeAddInput',
    selection: 'edge { id type }',
    payload: 'LineageEdgePayload',
    input: async (org, n) => {
      const { versionId } = await freshVersion(org, n);
      const dataset = await seedDataset(org, `edge-data-${n}`);
      return { type: 'TRAINED_ON', fromId: versionId, toId: globalId('Dataset', dataset.id) };
    },
    other: (input) => ({ ...input, type: 'EVALUATED_ON' }),
    writes: { edge: 1, audit_event: 1, idempotency_key: 1 },
  },
  {
    mutation: 'metricsRecord',
    inputType: 'MetricsRecordInput',
    selection: 'recorded',
    input: async (org, n) => {
      const { versionId } = await freshVersion(org, n);
      return {
        points: [
          { versionId, type: 'ACCURACY', value: 0.9 },
          { versionId, type: 'LATENCY', value: 120, timestamp: '2026-01-01T00:00:00.000Z' },
        ],
      };
    },
    other: (input) => ({
      points: [{ ...(input.points as Record<string, unknown>[])[0], value: 0.8 }],
    }),
    writes: { metric_point: 2, idempotency_key: 1 },
  },
  {
    mutation: 'approvalRequest',
    inputType: 'ApprovalRequestInput',
    selection: 'approval { id state } checks { type status summary }',
    input: async (org, n) => {
      const { versionId } = await freshVersion(org, n);
      return { versionId, checks: ['GDPR'], notes: 'please' };
    },
    other: (input) => ({ ...input, notes: 'other notes' }),
    writes: { approval: 1, compliance_check: 1, audit_event: 2, idempotency_key: 1 },
  },
  {
    mutation: 'artifactUploadCreate',
    inputType: 'ArtifactUploadCreateInput',
    selection: 'artifact { id name status sizeBytes }',
    input: async (org, n) => {
      const { versionId } = await freshVersion(org, n);
      return { versionId, name: 'weights.bin', kind: 'CHECKPOINT', sizeBytes: 10, sha256: SHA };
    },
    other: (input) => ({ ...input, sizeBytes: 11 }),
    writes: { artifact: 1, idempotency_key: 1 },
  },
  // Creation and tracking mutations that a script may retry, and the *Set mutations: a retry of a
  // set that arrives after someone else's change must not undo it, nor audit the change twice.
  {
    mutation: 'userCreate',
    inputType: 'UserCreateInput',
    selection: 'user { id name email role createdAt }',
    role: 'ADMIN',
    input: async (_org, n) => ({
      name: `user-${n}`,
      email: `user-${n}@example.test`,
      role: 'VIEWER',
    }),
    other: (input) => ({ ...input, role: 'EDITOR' }),
    writes: { user: 1, audit_event: 1, idempotency_key: 1 },
  },
  {
    mutation: 'complianceCheckRun',
    inputType: 'ComplianceCheckRunInput',
    selection: 'modelVersion { id } checks { type status summary runAt }',
    input: async (org, n) => {
      const { versionId } = await freshVersion(org, n);
      return { versionId, checks: ['GDPR'] };
    },
    other: (input) => ({ ...input, checks: ['GDPR', 'SECURITY'] }),
    writes: { compliance_check: 1, audit_event: 1, idempotency_key: 1 },
  },
  {
    mutation: 'datasetErasureRequest',
    inputType: 'DatasetErasureRequestInput',
    selection: 'erasureRequest { requestedAt reason dataset { id } } isTruncated',
    input: async (org, n) => {
      const dataset = await seedDataset(org, `erase-${n}`);
      return { datasetId: globalId('Dataset', dataset.id), reason: 'Art. 17 request' };
    },
    other: (input) => ({ ...input, reason: 'another request' }),
    writes: { erasure_request: 1, audit_event: 1, idempotency_key: 1 },
  },
  {
    mutation: 'modelReplace',
    inputType: 'ModelReplaceInput',
    selection: 'model { id status updatedAt } replacement { id }',
    input: async (org, n) => {
      const old = await seedModel(org, `old-${n}`);
      const successor = await seedModel(org, `new-${n}`);
      return {
        modelId: globalId('Model', old.id),
        replacedById: globalId('Model', successor.id),
        reason: 'better',
      };
    },
    other: (input) => ({ ...input, reason: 'cheaper' }),
    writes: { edge: 1, audit_event: 1, idempotency_key: 1 },
  },
  {
    mutation: 'datasetGovernanceSet',
    inputType: 'DatasetGovernanceSetInput',
    selection: 'dataset { id } governance { containsPersonalData declaredAt }',
    input: async (org, n) => {
      const dataset = await seedDataset(org, `gov-${n}`);
      return {
        datasetId: globalId('Dataset', dataset.id),
        governance: { containsPersonalData: false, retentionDays: 30 },
      };
    },
    other: (input) => ({
      ...input,
      governance: { containsPersonalData: false, retentionDays: 60 },
    }),
    writes: { dataset_governance: 1, audit_event: 1, idempotency_key: 1 },
  },
  {
    mutation: 'modelAliasSet',
    inputType: 'ModelAliasSetInput',
    selection: 'model { id updatedAt } modelVersion { id } previousVersion { id }',
    input: async (org, n) => {
      const { versionId } = await freshVersion(org, n);
      return { versionId, alias: 'staging' };
    },
    other: (input) => ({ ...input, alias: 'canary' }),
    writes: { model_alias: 1, audit_event: 1, idempotency_key: 1 },
  },
  {
    mutation: 'promotionPolicySet',
    inputType: 'PromotionPolicySetInput',
    selection: 'policy { requireApproval requiredChecks updatedAt }',
    role: 'ADMIN',
    ownOrg: true,
    input: async () => ({ requireApproval: true, requiredChecks: ['GDPR'] }),
    other: (input) => ({ ...input, requiredChecks: ['GDPR', 'SECURITY'] }),
    writes: { promotion_policy: 1, audit_event: 1, idempotency_key: 1 },
  },
  {
    mutation: 'modelVersionPromote',
    inputType: 'ModelVersionPromoteInput',
    selection: 'model { id updatedAt } modelVersion { id } previousVersion { id }',
    ownOrg: true,
    input: async (org, n) => {
      await allowPromotion(org);
      const { versionId } = await freshVersion(org, n);
      return { versionId, reason: 'ship it' };
    },
    other: (input) => ({ ...input, reason: 'ship it now' }),
    writes: { model_alias: 1, audit_event: 1, idempotency_key: 1 },
  },
  {
    mutation: 'approvalReview',
    inputType: 'ApprovalReviewInput',
    selection: 'approval { id state reviewedAt }',
    role: 'REVIEWER',
    input: async (org, n) => {
      const { versionId } = await freshVersion(org, n);
      const requested = await gql(
        org.tokens.EDITOR,
        `mutation($input: ApprovalRequestInput!) {
          approvalRequest(input: $input) { ... on ApprovalRequestPayload { approval { id } } }
        }`,
        { input: { versionId, checks: ['SECURITY'] } },
      );
      return {
        approvalId: requested.data?.approvalRequest.approval.id,
        decision: 'APPROVE',
        notes: 'looks good',
      };
    },
    other: (input) => ({ ...input, decision: 'REJECT' }),
    writes: { edge: 1, audit_event: 1, idempotency_key: 1 },
  },
  {
    mutation: 'priceSet',
    inputType: 'PriceSetInput',
    selection: 'price { id provider modelPattern outputPerMillion effectiveFrom }',
    role: 'ADMIN',
    // No effectiveFrom: a retry without the key would add a second price change a moment later.
    input: async (_org, n) => ({
      provider: `provider-${n}`,
      modelPattern: `model-${n}-*`,
      inputPerMillion: 1.5,
      outputPerMillion: 6,
    }),
    other: (input) => ({ ...input, outputPerMillion: 7 }),
    writes: { model_price: 1, audit_event: 1, idempotency_key: 1 },
  },
  {
    mutation: 'autoPromotionRuleSet',
    inputType: 'AutoPromotionRuleSetInput',
    selection: 'rule { objective significanceLevel minSamples enabled updatedAt }',
    input: async (org, n) => {
      const { model } = await freshVersion(org, n);
      return { modelId: globalId('Model', model.id), objective: 'QUALITY_PER_DOLLAR' };
    },
    other: (input) => ({ ...input, significanceLevel: 0.01 }),
    writes: { auto_promotion_rule: 1, audit_event: 1, idempotency_key: 1 },
  },
];

/** Promotion without an approved request: the organization's policy asks for none. */
async function allowPromotion(target: TestOrg) {
  const response = await gql(
    target.tokens.ADMIN,
    `mutation { promotionPolicySet(input: { requireApproval: false, requiredChecks: [] }) {
      __typename
    } }`,
  );
  expect(response.data?.promotionPolicySet.__typename).toBe('PromotionPolicySetPayload');
}

function payloadOf(c: Case) {
  return c.payload ?? `${c.mutation.charAt(0).toUpperCase()}${c.mutation.slice(1)}Payload`;
}

function operation(c: Case) {
  return /* GraphQL */ `
    mutation Idempotent($input: ${c.inputType}!) {
      ${c.mutation}(input: $input) {
        __typename
        ... on ${payloadOf(c)} { ${c.selection} }
        ... on Error { message path }
      }
    }
  `;
}

let org: TestOrg;
beforeAll(async () => {
  org = await createTestOrg('idempotency');
});

let inputSerial = 0;

describe.each(CASES)('$mutation with an idempotency key', (c) => {
  // The organization of the current test (a fresh one for `ownOrg` cases).
  let target: TestOrg;
  beforeEach(async () => {
    target = c.ownOrg ? await createTestOrg(`idempotency-${c.mutation}`) : org;
  });
  const send = (input: Record<string, unknown>) =>
    gql(target.tokens[c.role ?? 'EDITOR'], operation(c), { input }).then((response) => {
      expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
      return response.data?.[c.mutation] as Record<string, unknown>;
    });

  it('replays the first result, with the same ids, and writes nothing the second time', async () => {
    inputSerial += 1;
    const input = { ...(await c.input(target, inputSerial)), idempotencyKey: `key-${inputSerial}` };
    const before = await tableCounts(target.orgId);
    const first = await send(input);
    expect(first.__typename, JSON.stringify(first)).toBe(payloadOf(c));
    const afterFirst = await tableCounts(target.orgId);
    expect(growth(before, afterFirst)).toEqual(c.writes);

    // Same input with its fields in another order: the same request.
    const reordered = Object.fromEntries(Object.entries(input).reverse());
    const replay = await send(reordered);
    expect(replay).toEqual(first);
    expect(await tableCounts(target.orgId)).toEqual(afterFirst);
  });

  it('refuses the same key with a different input as a ConflictError on the key, writing nothing', async () => {
    inputSerial += 1;
    const input = { ...(await c.input(target, inputSerial)), idempotencyKey: `key-${inputSerial}` };
    await send(input);
    const before = await tableCounts(target.orgId);
    const conflict = await send({ ...c.other(input), idempotencyKey: input.idempotencyKey });
    expect(conflict).toMatchObject({
      __typename: 'ConflictError',
      path: ['input', 'idempotencyKey'],
    });
    expect(await tableCounts(target.orgId)).toEqual(before);
  });

  it('writes once when the same request races itself', async () => {
    inputSerial += 1;
    const input = {
      ...(await c.input(target, inputSerial)),
      idempotencyKey: `race-${inputSerial}`,
    };
    const before = await tableCounts(target.orgId);
    const answers = await Promise.all([send(input), send(input), send(input), send(input)]);
    for (const answer of answers) expect(answer).toEqual(answers[0]);
    expect((answers[0] as { __typename: string }).__typename).toMatch(/Payload$/);
    expect(growth(before, await tableCounts(target.orgId))).toEqual(c.writes);
  });

  it('scopes keys per mutation: the key of another mutation is free', async () => {
    inputSerial += 1;
    const shared = `shared-${c.mutation}`;
    // The same key used by a different mutation first.
    await gql(target.tokens.EDITOR, operation(CASES[4] as Case), {
      input: { name: `scope-${c.mutation}`, idempotencyKey: shared },
    });
    const input = { ...(await c.input(target, inputSerial)), idempotencyKey: shared };
    const answer = await send(input);
    if (c.mutation === 'experimentCreate') {
      expect(answer).toMatchObject({ __typename: 'ConflictError' });
    } else {
      expect(answer.__typename).toMatch(/Payload$/);
    }
  });
});

describe('idempotency keys across organizations and inputs', () => {
  const ModelRegister = operation(CASES[0] as Case);

  it('keeps keys per organization: another organization may use the same key', async () => {
    const other = await createTestOrg('idempotency-other');
    const input = { name: 'shared-name', idempotencyKey: 'same-key-everywhere' };
    const mine = await gql(org.tokens.EDITOR, ModelRegister, { input });
    const theirs = await gql(other.tokens.EDITOR, ModelRegister, { input });
    expect(mine.data?.modelRegister.__typename).toBe('ModelRegisterPayload');
    expect(theirs.data?.modelRegister.__typename).toBe('ModelRegisterPayload');
    expect(theirs.data?.modelRegister.model.id).not.toBe(mine.data?.modelRegister.model.id);
    expect((await keyRows(other.orgId)).map((row) => row.key)).toEqual(['same-key-everywhere']);
  });

  it('keeps a key at least 24 hours', async () => {
    const input = { name: 'kept', idempotencyKey: 'kept-24h' };
    await gql(org.tokens.EDITOR, ModelRegister, { input });
    const [row] = (await keyRows(org.orgId)).filter((r) => r.key === 'kept-24h');
    expect(Date.parse(row?.expires_at ?? '') - Date.parse(row?.created_at ?? '')).toBe(
      24 * 60 * 60 * 1000,
    );
  });

  it('does not record a key when the mutation fails: the corrected request may use it', async () => {
    const before = await tableCounts(org.orgId);
    const bad = await gql(org.tokens.EDITOR, ModelRegister, {
      input: { name: '', idempotencyKey: 'fix-and-retry' },
    });
    expect(bad.data?.modelRegister).toMatchObject({
      __typename: 'ValidationError',
      path: ['input', 'name'],
    });
    expect(await tableCounts(org.orgId)).toEqual(before);
    const good = await gql(org.tokens.EDITOR, ModelRegister, {
      input: { name: 'fixed', idempotencyKey: 'fix-and-retry' },
    });
    expect(good.data?.modelRegister.__typename).toBe('ModelRegisterPayload');
  });

  it.each([
    ['empty', ''],
    ['too long', 'k'.repeat(256)],
    ['one character too long', 'k'.repeat(201)],
    ['surrounded by whitespace', ' key '],
    ['a control character', 'a\nb'],
  ])('refuses a key that is %s, on the key’s path', async (_label, key) => {
    const before = await tableCounts(org.orgId);
    const response = await gql(org.tokens.EDITOR, ModelRegister, {
      input: { name: `bad-key-${key.length}`, idempotencyKey: key },
    });
    expect(response.data?.modelRegister).toMatchObject({
      __typename: 'ValidationError',
      path: ['input', 'idempotencyKey'],
    });
    expect(await tableCounts(org.orgId)).toEqual(before);
  });

  it('still runs every call without a key', async () => {
    const input = { name: 'no-key-model' };
    const first = await gql(org.tokens.EDITOR, ModelRegister, { input });
    const second = await gql(org.tokens.EDITOR, ModelRegister, { input });
    expect(first.data?.modelRegister.__typename).toBe('ModelRegisterPayload');
    expect(second.data?.modelRegister).toMatchObject({
      __typename: 'ConflictError',
      path: ['input', 'name'],
    });
  });

  it('refuses a viewer before looking at the key', async () => {
    const response = await gql(org.tokens.VIEWER, ModelRegister, {
      input: { name: 'viewer-model', idempotencyKey: 'viewer-key' },
    });
    expect(response.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await keyRows(org.orgId)).some((row) => row.key === 'viewer-key')).toBe(false);
  });
});

// core-registry: 1,000 models x 5 versions, each version trained on 1-2 datasets (edge properties)
// and a third of the models deployed. Most of the data is bulk-loaded as SQL; 200 models and their
// first versions go through the real `modelRegister` / `modelVersionCreate` mutations, timed.
// Then it measures reads against `wrangler dev`:
//   (a) paging through all models 100 at a time with versions, trainedOn and deployedTo edges;
//   (b) a 3-level traversal, model(name:) -> versions -> trainedOn, 500 times sequentially, warm;
//   (c) `{ viewer { id } }`, the floor every request pays (proxy, Yoga, token lookup).
// Every request's D1 statement count comes from the Worker's `x-d1-statements` header.
import { type Client, decodeGlobalId, encodeGlobalId } from '../lib/graphql.ts';
import type { ColdStart, Scenario, ScenarioContext } from '../lib/scenario.ts';
import { iso, prng, SqlWriter, Uuid7Clock } from '../lib/sql.ts';
import { histogram, ms, type Summary, summarize, table } from '../lib/stats.ts';

const SIZES = {
  full: {
    models: 1000,
    versionsPerModel: 5,
    viaGraphQL: 200,
    datasets: 50,
    pagingPasses: 5,
    traversalWarmup: 50,
    traversals: 500,
    floor: 50,
  },
  quick: {
    models: 100,
    versionsPerModel: 5,
    viaGraphQL: 20,
    datasets: 10,
    pagingPasses: 2,
    traversalWarmup: 10,
    traversals: 50,
    floor: 10,
  },
};
const PAGE_SIZE = 100;
const DEPLOYMENT_SLOTS = 6; // prod-0..5 and canary-0..5

const PROVIDERS = ['openai', 'anthropic', 'meta', 'in-house', 'mistral'];
const FRAMEWORKS = ['pytorch', 'transformers', 'sklearn', 'jax'];
const MODEL_TYPES = ['llm', 'classifier', 'embedding', 'ranker'];

const REGISTER = /* GraphQL */ `
  mutation Register($input: ModelRegisterInput!) {
    modelRegister(input: $input) {
      __typename
      ... on ModelRegisterPayload { model { id name } }
      ... on Error { message }
    }
  }
`;

const CREATE_VERSION = /* GraphQL */ `
  mutation CreateVersion($input: ModelVersionCreateInput!) {
    modelVersionCreate(input: $input) {
      __typename
      ... on ModelVersionCreatePayload { modelVersion { id version } }
      ... on Error { message }
    }
  }
`;

/** (a) The page query of the issue, verbatim apart from the variable. */
const PAGE = /* GraphQL */ `
  query Page($after: String) {
    models(first: 100, after: $after) {
      edges { node { name versions(first: 5) { edges { node { version
        trainedOn { edges { node { name } properties } }
        deployedTo { edges { node { name } } } } } } } }
      pageInfo { endCursor hasNextPage }
    }
  }
`;

/** (b) The 3-level traversal: model -> versions -> trainedOn datasets. */
const TRAVERSE = /* GraphQL */ `
  query Traverse($name: String!) {
    model(name: $name) { versions { edges { node { trainedOn { edges { node { name } } } } } } }
  }
`;

const VIEWER = '{ viewer { id } }';

interface PageData {
  models: {
    edges: {
      node: {
        name: string;
        versions: {
          edges: {
            node: {
              version: string;
              trainedOn: { edges: { node: { name: string }; properties: unknown }[] };
              deployedTo: { edges: { node: { name: string } }[] };
            };
          }[];
        };
      };
    }[];
    pageInfo: { endCursor: string | null; hasNextPage: boolean };
  };
}

interface TraverseData {
  model: { versions: { edges: { node: { trainedOn: { edges: unknown[] } } }[] } } | null;
}

type Mutation<K extends string, P> = Record<
  K,
  { __typename: string; message?: string } & Partial<P>
>;

const pad = (n: number) => String(n).padStart(4, '0');
const modelName = (index: number) => `bench-model-${pad(index)}`;

/** What the loaded graph should contain, to check the API returns all of it. */
interface Expected {
  models: number;
  versions: number;
  trainedOn: number;
  deployedTo: number;
}

/**
 * Builds the graph's shape deterministically: which datasets each version was trained on, which
 * versions are deployed where. Bulk SQL and the GraphQL writes both follow it.
 */
class Shape {
  private readonly random = prng(20261126);
  private readonly datasetIds: readonly string[];

  constructor(datasetIds: readonly string[]) {
    this.datasetIds = datasetIds;
  }

  modelAttributes(index: number) {
    return {
      provider: PROVIDERS[index % PROVIDERS.length] as string,
      framework: FRAMEWORKS[index % FRAMEWORKS.length] as string,
      modelType: MODEL_TYPES[index % MODEL_TYPES.length] as string,
      tags: ['bench', `family-${index % 10}`],
      description: `Benchmark model ${index}`,
    };
  }

  /** 1 or 2 distinct datasets, with edge properties. */
  trainedOn(): { datasetId: string; properties: { split: string; rows: number } }[] {
    const count = this.random() < 0.5 ? 1 : 2;
    const first = Math.floor(this.random() * this.datasetIds.length);
    const picks = [
      first,
      (first + 1 + Math.floor(this.random() * (this.datasetIds.length - 1))) %
        this.datasetIds.length,
    ];
    return picks.slice(0, count).map((pick, i) => ({
      datasetId: this.datasetIds[pick] as string,
      properties: {
        split: i === 0 ? 'train' : 'train-extra',
        rows: 1000 * (1 + Math.floor(this.random() * 500)),
      },
    }));
  }

  /** Every third model's latest version serves in production; every sixth's previous one in canary. */
  deployments(index: number, version: number, versions: number): { slot: string; share: number }[] {
    const out: { slot: string; share: number }[] = [];
    if (index % 3 === 0 && version === versions - 1) {
      out.push({ slot: `prod-${index % DEPLOYMENT_SLOTS}`, share: 1 });
    }
    if (index % 6 === 0 && version === versions - 2) {
      out.push({ slot: `canary-${index % DEPLOYMENT_SLOTS}`, share: 0.1 });
    }
    return out;
  }
}

interface Loader {
  sql: SqlWriter;
  clock: Uuid7Clock;
  orgId: string;
  userId: string;
  shape: Shape;
  deploymentIds: Map<string, string>;
  expected: Expected;
}

function audit(
  load: Loader,
  atMs: number,
  action: string,
  subjectId: string,
  subjectKind: string,
  after: unknown,
) {
  load.sql.insert('audit_event', {
    id: load.clock.next(atMs).id,
    org_id: load.orgId,
    actor_id: load.userId,
    action,
    subject_id: subjectId,
    subject_kind: subjectKind,
    before: null,
    after: JSON.stringify(after),
    reason: null,
    created_at: iso(atMs),
  });
}

/** Versions `fromVersion..versionsPerModel-1` of one model, with their edges and alias, as rows. */
function addVersions(
  load: Loader,
  model: { index: number; id: string },
  fromVersion: number,
  versionsPerModel: number,
  startMs?: number,
): number {
  let lastMs = 0;
  for (let v = fromVersion; v < versionsPerModel; v++) {
    const version = load.clock.next(startMs === undefined ? undefined : startMs + v * 1000);
    lastMs = version.ms;
    load.sql.insert('model_version', {
      id: version.id,
      org_id: load.orgId,
      model_id: model.id,
      version: `1.${v}.0`,
      description: null,
      metadata: JSON.stringify({ learning_rate: 0.0001 * (v + 1), epochs: 3 + v }),
      created_at: iso(version.ms),
      created_by: load.userId,
    });
    load.expected.versions += 1;
    const trainedOn = load.shape.trainedOn();
    for (const link of trainedOn) {
      load.sql.insert(
        'edge',
        edgeRow(load, version, 'TRAINED_ON', 'Dataset', link.datasetId, link.properties),
      );
      load.expected.trainedOn += 1;
    }
    audit(load, version.ms, 'modelVersion.create', version.id, 'ModelVersion', {
      modelId: model.id,
      version: `1.${v}.0`,
      derivedFrom: [],
      trainedOn: trainedOn.map((link) => link.datasetId),
      evaluatedOn: [],
    });
    for (const { slot, share } of load.shape.deployments(model.index, v, versionsPerModel)) {
      const deploymentId = load.deploymentIds.get(slot) as string;
      load.sql.insert(
        'edge',
        edgeRow(load, version, 'DEPLOYED_TO', 'Deployment', deploymentId, { trafficShare: share }),
      );
      load.expected.deployedTo += 1;
      if (slot.startsWith('prod-')) {
        load.sql.insert('model_alias', {
          model_id: model.id,
          name: 'production',
          version_id: version.id,
          org_id: load.orgId,
          updated_at: iso(version.ms),
          updated_by: load.userId,
        });
      }
    }
  }
  return lastMs;
}

function edgeRow(
  load: Loader,
  from: { id: string; ms: number },
  type: string,
  dstKind: string,
  dstId: string,
  properties: unknown,
) {
  return {
    id: load.clock.next(from.ms).id,
    org_id: load.orgId,
    type,
    src_id: from.id,
    src_kind: 'ModelVersion',
    dst_id: dstId,
    dst_kind: dstKind,
    properties: JSON.stringify(properties),
    created_at: iso(from.ms),
    created_by: load.userId,
    removed_at: null,
    removed_by: null,
  };
}

interface Timing {
  ms: number[];
  statements: number[];
}

const newTiming = (): Timing => ({ ms: [], statements: [] });
const record = (timing: Timing, result: { ms: number; statements: number }) => {
  timing.ms.push(result.ms);
  timing.statements.push(result.statements);
};
const describe = (timing: Timing) => ({
  latencyMs: summarize(timing.ms),
  statementsPerRequest: histogram(timing.statements),
});

function statementsText(values: readonly number[]): string {
  return Object.entries(histogram(values))
    .map(([count, n]) => (Object.keys(histogram(values)).length === 1 ? count : `${count} (x${n})`))
    .join(', ');
}

function row(label: string, timing: Timing): string[] {
  const s = summarize(timing.ms);
  return [
    label,
    String(s.n),
    ms(s.p50),
    ms(s.p90),
    ms(s.p99),
    ms(s.max),
    statementsText(timing.statements),
  ];
}

async function pagingPass(client: Client, timing: Timing, maxPages: number) {
  let after: string | null = null;
  const counts = { models: 0, versions: 0, trainedOn: 0, deployedTo: 0, pages: 0 };
  const versionsPerModel = new Set<number>();
  for (let page = 0; page < maxPages; page++) {
    const result: { data: PageData; ms: number; statements: number } =
      await client.request<PageData>(PAGE, { after });
    record(timing, result);
    counts.pages += 1;
    for (const { node } of result.data.models.edges) {
      counts.models += 1;
      versionsPerModel.add(node.versions.edges.length);
      for (const { node: version } of node.versions.edges) {
        counts.versions += 1;
        counts.trainedOn += version.trainedOn.edges.length;
        counts.deployedTo += version.deployedTo.edges.length;
      }
    }
    if (!result.data.models.pageInfo.hasNextPage) break;
    after = result.data.models.pageInfo.endCursor;
  }
  return { counts, versionsPerModel: [...versionsPerModel] };
}

export const scenario: Scenario = {
  name: 'core-registry',
  description:
    '1,000 models x 5 versions with trainedOn/deployedTo edges; GraphQL writes, paged reads, 3-level traversal',
  async run(context: ScenarioContext) {
    const size = context.quick ? SIZES.quick : SIZES.full;
    const { orgId, userId, createdAtMs } = context.seed;
    const bulkModels = size.models - size.viaGraphQL;

    // ---- Bulk load 1: datasets, deployments and the first models with all their versions.
    const clock = new Uuid7Clock();
    let t = createdAtMs + 24 * 3600_000;
    const sql1 = new SqlWriter();
    const datasetIds: string[] = [];
    for (let d = 0; d < size.datasets; d++) {
      t += 1000;
      const { id, ms: at } = clock.next(t);
      datasetIds.push(id);
      sql1.insert('dataset', {
        id,
        org_id: orgId,
        name: `bench-dataset-${pad(d)}`,
        description: `Benchmark dataset ${d}`,
        uri: `r2://bench/datasets/${d}.parquet`,
        format: 'parquet',
        metadata: JSON.stringify({ rows: 100_000 + d }),
        created_at: iso(at),
        created_by: userId,
      });
    }
    const deploymentIds = new Map<string, string>();
    for (const environment of ['production', 'canary']) {
      for (let s = 0; s < DEPLOYMENT_SLOTS; s++) {
        const slot = `${environment === 'production' ? 'prod' : 'canary'}-${s}`;
        t += 1000;
        const { id, ms: at } = clock.next(t);
        deploymentIds.set(slot, id);
        sql1.insert('deployment', {
          id,
          org_id: orgId,
          name: `bench-${slot}`,
          environment,
          description: null,
          endpoint_url: `https://${slot}.bench.example/v1`,
          region: s % 2 === 0 ? 'weur' : 'enam',
          metadata: null,
          created_at: iso(at),
          created_by: userId,
        });
      }
    }
    const expected: Expected = { models: 0, versions: 0, trainedOn: 0, deployedTo: 0 };
    const shape = new Shape(datasetIds);
    const load1: Loader = { sql: sql1, clock, orgId, userId, shape, deploymentIds, expected };
    for (let index = 0; index < bulkModels; index++) {
      t += 60_000;
      const at = t;
      const { id } = clock.next(at);
      const attrs = shape.modelAttributes(index);
      const lastMs = at + size.versionsPerModel * 1000;
      sql1.insert('model', {
        id,
        org_id: orgId,
        name: modelName(index),
        description: attrs.description,
        tags: JSON.stringify(attrs.tags),
        metadata: JSON.stringify({
          framework: attrs.framework,
          provider: attrs.provider,
          model_type: attrs.modelType,
          tags: attrs.tags,
        }),
        provider: attrs.provider,
        framework: attrs.framework,
        model_type: attrs.modelType,
        status: 'ACTIVE',
        created_at: iso(at),
        created_by: userId,
        updated_at: iso(lastMs),
      });
      expected.models += 1;
      audit(load1, at, 'model.register', id, 'Model', {
        name: modelName(index),
        provider: attrs.provider,
        framework: attrs.framework,
        modelType: attrs.modelType,
        tags: attrs.tags,
      });
      addVersions(load1, { index, id }, 0, size.versionsPerModel, at);
    }
    context.log(
      `Bulk load 1: ${Object.entries(sql1.rowCounts())
        .map(([table, n]) => `${n} ${table}`)
        .join(', ')}`,
    );
    const bulk1 = await context.execSql('bulk-1', sql1.toSql());
    context.log(
      `Bulk load 1 executed (${ms(bulk1.ms)}, ${(bulk1.bytes / 1e6).toFixed(1)} MB of SQL)`,
    );

    // ---- GraphQL writes against the loaded database.
    const coldStarts: ColdStart[] = [];
    let started = await context.startServer('after bulk load 1');
    coldStarts.push(started.coldStart);
    let client = started.client;
    let requestsSent = 0;
    const register = newTiming();
    const createVersion = newTiming();
    const registered: { index: number; id: string; globalId: string }[] = [];
    for (let index = bulkModels; index < size.models; index++) {
      const attrs = shape.modelAttributes(index);
      const result = await client.request<
        Mutation<'modelRegister', { model: { id: string; name: string } }>
      >(REGISTER, {
        input: {
          name: modelName(index),
          description: attrs.description,
          tags: attrs.tags,
          metadata: {
            framework: attrs.framework,
            provider: attrs.provider,
            model_type: attrs.modelType,
          },
        },
      });
      const payload = result.data.modelRegister;
      if (!payload.model) {
        throw new Error(
          `modelRegister ${modelName(index)}: ${payload.__typename}: ${payload.message}`,
        );
      }
      record(register, result);
      registered.push({
        index,
        id: decodeGlobalId(payload.model.id).id,
        globalId: payload.model.id,
      });
      expected.models += 1;
    }
    context.log(`modelRegister x${register.ms.length}: p50 ${ms(summarize(register.ms).p50)}`);
    for (const model of registered) {
      const trainedOn = shape.trainedOn();
      const result = await client.request<
        Mutation<'modelVersionCreate', { modelVersion: { id: string; version: string } }>
      >(CREATE_VERSION, {
        input: {
          modelId: model.globalId,
          version: '1.0.0',
          metadata: { learning_rate: 0.0001, epochs: 3 },
          trainedOn: trainedOn.map((link) => ({
            datasetId: encodeGlobalId('Dataset', link.datasetId),
            properties: link.properties,
          })),
        },
      });
      const payload = result.data.modelVersionCreate;
      if (!payload.modelVersion) {
        throw new Error(
          `modelVersionCreate ${modelName(model.index)}: ${payload.__typename}: ${payload.message}`,
        );
      }
      record(createVersion, result);
      expected.versions += 1;
      expected.trainedOn += trainedOn.length;
    }
    context.log(
      `modelVersionCreate x${createVersion.ms.length}: p50 ${ms(summarize(createVersion.ms).p50)}`,
    );
    requestsSent += client.sent;
    await context.stopServer();

    // ---- Bulk load 2: the other versions of the models registered through GraphQL, dated now
    // (after their first version), and the deployments of those models.
    const sql2 = new SqlWriter();
    const load2: Loader = { ...load1, sql: sql2 };
    for (const model of registered) addVersions(load2, model, 1, size.versionsPerModel);
    const touched = new Date().toISOString();
    const bulk2 = await context.execSql(
      'bulk-2',
      `${sql2.toSql()}\nUPDATE model SET updated_at = '${touched}' WHERE id IN (SELECT value FROM json_each('${JSON.stringify(registered.map((m) => m.id))}'));\n`,
    );
    context.log(
      `Bulk load 2: ${Object.entries(sql2.rowCounts())
        .map(([table, n]) => `${n} ${table}`)
        .join(', ')} (${ms(bulk2.ms)})`,
    );

    // ---- Reads, on a freshly started server.
    started = await context.startServer('for reads');
    coldStarts.push(started.coldStart);
    client = started.client;

    // (a) Paging. The first pass after the restart is reported apart; then measured passes.
    const maxPages = Math.ceil(size.models / PAGE_SIZE) + 2;
    const firstPass = newTiming();
    const check = await pagingPass(client, firstPass, maxPages);
    const got = check.counts;
    const complete =
      got.models === expected.models &&
      got.versions === expected.versions &&
      got.trainedOn === expected.trainedOn &&
      got.deployedTo === expected.deployedTo;
    context.log(
      `Paging pass 1: ${got.pages} pages, ${got.models} models, ${got.versions} versions, ` +
        `${got.trainedOn} trainedOn and ${got.deployedTo} deployedTo edges ` +
        `(${complete ? 'matches what was loaded' : `EXPECTED ${JSON.stringify(expected)}`})`,
    );
    const paging = newTiming();
    for (let pass = 0; pass < size.pagingPasses; pass++) await pagingPass(client, paging, maxPages);
    context.log(`Paging: ${paging.ms.length} page requests, p50 ${ms(summarize(paging.ms).p50)}`);

    // (b) Traversal: random models (fixed seed), sequential, after a warm-up.
    const pick = prng(7);
    const traverse = async (timing: Timing | null) => {
      const name = modelName(Math.floor(pick() * size.models));
      const result = await client.request<TraverseData>(TRAVERSE, { name });
      if (result.data.model?.versions.edges.length !== size.versionsPerModel) {
        throw new Error(
          `Traversal of ${name} returned ${JSON.stringify(result.data).slice(0, 300)}`,
        );
      }
      if (timing) record(timing, result);
    };
    for (let i = 0; i < size.traversalWarmup; i++) await traverse(null);
    const traversal = newTiming();
    for (let i = 0; i < size.traversals; i++) await traverse(traversal);
    context.log(`Traversal x${traversal.ms.length}: p50 ${ms(summarize(traversal.ms).p50)}`);

    // (c) The floor: the cheapest authenticated request.
    const floor = newTiming();
    for (let i = 0; i < size.floor; i++) record(floor, await client.request(VIEWER));
    // Below the floor: the Worker's own 404 (no Yoga, no D1) and a request without a token
    // (Yoga, no D1), to show what the HTTP path through wrangler dev costs by itself.
    const rawTiming = async (timing: Timing, url: string, init: RequestInit) => {
      const t0 = performance.now();
      const response = await fetch(url, { ...init, signal: AbortSignal.timeout(30_000) });
      await response.text();
      record(timing, {
        ms: performance.now() - t0,
        statements: Number(response.headers.get('x-d1-statements') ?? 0),
      });
    };
    const notFound = newTiming();
    const unauthenticated = newTiming();
    const graphqlUrl = started.server.url;
    for (let i = 0; i < size.floor; i++) {
      await rawTiming(notFound, graphqlUrl.replace(/\/graphql$/, '/not-here'), {});
      await rawTiming(unauthenticated, graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: VIEWER }),
      });
    }
    requestsSent += client.sent;
    await context.stopServer();

    // ---- Report.
    const lines: string[] = [];
    lines.push(
      `Data: ${expected.models} models, ${expected.versions} versions, ${expected.trainedOn} trainedOn edges, ` +
        `${expected.deployedTo} deployedTo edges, ${size.datasets} datasets, ${deploymentIds.size} deployments` +
        ` (${complete ? 'all returned by paging' : 'PAGING DID NOT RETURN ALL OF IT'}).`,
    );
    lines.push(
      `Bulk SQL through wrangler d1 execute: ${ms(bulk1.ms)} (${(bulk1.bytes / 1e6).toFixed(1)} MB), ${ms(bulk2.ms)}.`,
    );
    lines.push('');
    lines.push('Requests against wrangler dev (client-side time: request sent to body read)');
    lines.push(
      table(
        ['request', 'n', 'p50', 'p90', 'p99', 'max', 'D1 statements/request'],
        [
          row('modelRegister', register),
          row('modelVersionCreate (1-2 trainedOn)', createVersion),
          row(`models page of ${PAGE_SIZE}, first pass after restart`, firstPass),
          row(`models page of ${PAGE_SIZE}, warm (${size.pagingPasses} passes)`, paging),
          row('model -> versions -> trainedOn (warm)', traversal),
          row('{ viewer { id } } (floor)', floor),
          row('GET /not-here: Worker 404, no Yoga, no D1', notFound),
          row('POST without token: Yoga 401, no D1', unauthenticated),
        ],
      ),
    );
    lines.push('');
    lines.push('wrangler dev starts');
    lines.push(
      table(
        ['start', 'spawn -> "Ready on"', 'spawn -> first answer', 'first request', 'next 20 p50'],
        coldStarts.map((c) => [
          c.label,
          ms(c.spawnToReadyLineMs),
          ms(c.spawnToFirstResponseMs),
          ms(c.firstRequestMs),
          ms(c.followingRequests.p50),
        ]),
      ),
    );

    const startup = context.startup;
    const activeValues = (startup?.checkStartup ?? [])
      .filter((check) => check.ok && check.activeMs !== undefined)
      .map((check) => check.activeMs as number);
    const active: Summary | null = activeValues.length ? summarize(activeValues) : null;
    const moduleEval = startup?.moduleEvaluation.ok
      ? startup.moduleEvaluation.moduleEvaluation
      : null;
    const trav = summarize(traversal.ms);
    const fl = summarize(floor.ms);
    const verdict = (value: number | null | undefined, limit: number) =>
      value === null || value === undefined || Number.isNaN(value)
        ? 'n/a'
        : value < limit
          ? 'yes'
          : 'no';
    lines.push('');
    lines.push('Against the original promises');
    lines.push(
      table(
        ['promise', 'measured here', 'met?'],
        [
          [
            'warm request < 10 ms',
            `traversal p50 ${ms(trav.p50)} / p99 ${ms(trav.p99)}; floor p50 ${ms(fl.p50)} / p99 ${ms(fl.p99)}`,
            `p50 ${verdict(trav.p50, 10)}, p99 ${verdict(trav.p99, 10)}`,
          ],
          [
            'cold start < 100 ms',
            `module evaluation ${ms(moduleEval?.p50)} (unprofiled); check startup active CPU ${ms(active?.p50)}`,
            `${verdict(moduleEval?.p50, 100)} / ${verdict(active?.p50, 100)}`,
          ],
          [
            '3-level traversal < 100 ms',
            `p50 ${ms(trav.p50)}, p99 ${ms(trav.p99)}, max ${ms(trav.max)}`,
            `p99 ${verdict(trav.p99, 100)}`,
          ],
        ],
      ),
    );

    return {
      report: lines.join('\n'),
      results: {
        sizes: size,
        loaded: expected,
        pagingCheck: { ...check, complete },
        bulkLoad: {
          first: { ...bulk1, rows: sql1.rowCounts() },
          second: { ...bulk2, rows: sql2.rowCounts() },
        },
        coldStarts,
        writes: { modelRegister: describe(register), modelVersionCreate: describe(createVersion) },
        reads: {
          pageFirstPass: describe(firstPass),
          pageWarm: describe(paging),
          traversal: describe(traversal),
          floor: describe(floor),
          notFound: describe(notFound),
          unauthenticated: describe(unauthenticated),
        },
        queries: { page: PAGE, traversal: TRAVERSE },
        requestsSent,
      },
    };
  },
};

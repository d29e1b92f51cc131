// similarity: the local default's exact vector search and the artifact routes' streaming.
//
// (a) Exact local search. Organizations of growing size (full: 1,000, 10,000 and 50,000 versions;
//     each version one 768-dimension vector) are written straight into the local D1 file with
//     node:sqlite while no server runs: models, versions, their model-card embeddings (computed
//     here with the Worker's own local embedder and card builder, so the Worker finds them current
//     and re-embeds nothing) and the embedding bookkeeping. Then, against `wrangler dev`, it times
//     modelsSearch(text, topK: 10) and ModelVersion.similar(topK: 10), warm, per organization size.
// (b) Streaming. A single-request PUT of 95 MB and a multipart upload (full: 1 GiB in 64 MiB
//     parts), generated on the fly by the client, while sampling the memory of the wrangler/workerd
//     process tree: if the Worker buffered a body, the peak would grow by the body's size. (The
//     single-request route alone, at 16 to 500 MB against idle RSS: scenario `artifacts`.)
import { createHash } from 'node:crypto';
import { DatabaseSync } from 'node:sqlite';
import { embedText } from '../../src/ports/local-embedder.ts';
import { modelCardText } from '../../src/registry/search/search.ts';
import { createClient, encodeGlobalId } from '../lib/graphql.ts';
import { processTree, watchMemory } from '../lib/procmem.ts';
import type { Scenario, ScenarioContext } from '../lib/scenario.ts';
import { iso, newApiToken, prng, Uuid7Clock } from '../lib/sql.ts';
import { findD1File } from '../lib/sqlite-raw.ts';
import { ms, summarize, table } from '../lib/stats.ts';

const SIZES = {
  full: { orgVersions: [1000, 10_000, 50_000], runs: 15, multipartBytes: 1024 * 1024 * 1024 },
  quick: { orgVersions: [500, 2000], runs: 5, multipartBytes: 200 * 1024 * 1024 },
};
const VERSIONS_PER_MODEL = 5;
const EMBEDDER_ID = 'local-hashing-v1/768';
const SINGLE_PUT_BYTES = 95_000_000;
const PART_SIZE = 64 * 1024 * 1024;

const TASKS = [
  'sentiment classifier',
  'named entity recognizer',
  'image segmentation',
  'object detector',
  'speech recognizer',
  'text summarizer',
  'code generator',
  'fraud detector',
  'churn predictor',
  'recommendation ranker',
  'translation model',
  'question answering',
  'embedding model',
  'anomaly detector',
  'time series forecaster',
];
const DOMAINS = [
  'customer reviews',
  'support tickets',
  'medical records',
  'satellite imagery',
  'street scenes',
  'call center audio',
  'legal contracts',
  'financial transactions',
  'retail sales',
  'news articles',
  'source code',
  'social media posts',
  'sensor telemetry',
  'product catalog',
  'scientific papers',
];
const QUALIFIERS = [
  'multilingual',
  'distilled',
  'low latency',
  'large',
  'fine-tuned',
  'quantized',
  'on-device',
  'high accuracy',
  'streaming',
  'few-shot',
];
const TAGS = [
  'nlp',
  'vision',
  'audio',
  'tabular',
  'llm',
  'classification',
  'generation',
  'ranking',
  'forecasting',
  'safety',
];
const QUERIES = [
  'classify the sentiment of customer reviews',
  'segment satellite images',
  'detect fraud in card payments',
  'summarize legal contracts',
  'transcribe call center audio',
];

const SEARCH = /* GraphQL */ `
  query Search($text: String!) { modelsSearch(text: $text, topK: 10) { score modelVersion { id } } }
`;
const SIMILAR = /* GraphQL */ `
  query Similar($id: ID!) { node(id: $id) { ... on ModelVersion { similar(topK: 10) { score modelVersion { id } } } } }
`;
const CREATE_UPLOAD = /* GraphQL */ `
  mutation Create($input: ArtifactUploadCreateInput!) {
    artifactUploadCreate(input: $input) {
      __typename
      ... on ArtifactUploadCreatePayload { artifact { id upload { url partCount } } }
      ... on Error { message }
    }
  }
`;
const COMPLETE_UPLOAD = /* GraphQL */ `
  mutation Complete($input: ArtifactUploadCompleteInput!) {
    artifactUploadComplete(input: $input) { __typename ... on Error { message } }
  }
`;

interface SeededOrg {
  versions: number;
  token: string;
  sampleVersionIds: string[];
}

/** Writes one organization with `versionCount` embedded versions into the D1 file. */
function seedOrg(
  db: DatabaseSync,
  clock: Uuid7Clock,
  label: string,
  versionCount: number,
  seed: number,
): SeededOrg {
  const random = prng(seed);
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)] as T;
  const baseMs = Date.now() - 30 * 24 * 3600_000;
  const org = clock.next(baseMs);
  const user = clock.next(baseMs);
  const tokenRow = clock.next(baseMs);
  const { token, prefix, hash } = newApiToken();
  db.prepare('INSERT INTO organization (id, name, created_at) VALUES (?, ?, ?)').run(
    org.id,
    `bench-similarity-${label}`,
    iso(org.ms),
  );
  db.prepare(
    "INSERT INTO user (id, org_id, name, email, role, created_at) VALUES (?, ?, 'Bench', NULL, 'ADMIN', ?)",
  ).run(user.id, org.id, iso(user.ms));
  db.prepare(
    'INSERT INTO api_token (id, org_id, user_id, name, token_hash, prefix, created_at, created_by, last_used_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  ).run(
    tokenRow.id,
    org.id,
    user.id,
    'bench',
    hash,
    prefix,
    iso(tokenRow.ms),
    user.id,
    new Date().toISOString(),
  );
  const insertModel = db.prepare(
    "INSERT INTO model (id, org_id, name, description, tags, metadata, provider, framework, model_type, status, created_at, created_by, updated_at) VALUES (?, ?, ?, ?, ?, NULL, ?, ?, ?, 'ACTIVE', ?, ?, ?)",
  );
  const insertVersion = db.prepare(
    'INSERT INTO model_version (id, org_id, model_id, version, description, metadata, created_at, created_by, updated_at) VALUES (?, ?, ?, ?, NULL, NULL, ?, ?, ?)',
  );
  const markEmbedded = db.prepare(
    'UPDATE model_version_embedding SET embedded_generation = card_generation, card_hash = ?, embedder = ?, embedded_at = ? WHERE version_id = ?',
  );
  const insertVector = db.prepare(
    'INSERT INTO vector_entry (org_id, id, model_id, dimensions, vector, updated_at) VALUES (?, ?, ?, 768, ?, ?)',
  );
  const sampleVersionIds: string[] = [];
  const now = new Date().toISOString();
  for (let m = 0; m < versionCount / VERSIONS_PER_MODEL; m++) {
    const model = clock.next(baseMs + m);
    const name = `${label}-model-${m}`;
    const description = `${pick(QUALIFIERS)} ${pick(TASKS)} for ${pick(DOMAINS)}, ${pick(QUALIFIERS)} ${pick(TASKS)}`;
    const tags = [...new Set([pick(TAGS), pick(TAGS)])];
    const [provider, framework, modelType] = ['in-house', 'pytorch', 'classifier'];
    insertModel.run(
      model.id,
      org.id,
      name,
      description,
      JSON.stringify(tags),
      provider,
      framework,
      modelType,
      iso(model.ms),
      user.id,
      iso(model.ms),
    );
    // Every version of a model shares its card (nothing version-specific here), as in real data.
    const card = modelCardText({
      model_name: name,
      model_description: description,
      version_description: null,
      tags: JSON.stringify(tags),
      model_metadata: null,
      version_metadata: null,
      provider,
      framework,
      model_type: modelType,
      datasets: '[]',
    });
    const cardHash = createHash('sha256').update(card).digest('hex');
    const vector = Buffer.from(embedText(card).buffer).toString('base64');
    for (let v = 0; v < VERSIONS_PER_MODEL; v++) {
      const version = clock.next(baseMs + m);
      const created = iso(version.ms);
      insertVersion.run(version.id, org.id, model.id, `1.${v}.0`, created, user.id, created);
      markEmbedded.run(cardHash, EMBEDDER_ID, now, version.id);
      insertVector.run(org.id, version.id, model.id, vector, now);
      if (sampleVersionIds.length < 10 && v === 0 && m % 7 === 0) sampleVersionIds.push(version.id);
    }
  }
  return { versions: versionCount, token, sampleVersionIds };
}

/** A deterministic body of `size` bytes, produced 1 MiB at a time, never held whole. */
export function generatedBody(size: number, offset = 0): ReadableStream<Uint8Array> {
  const chunk = 1024 * 1024;
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent >= size) {
        controller.close();
        return;
      }
      const length = Math.min(chunk, size - sent);
      const bytes = new Uint8Array(length);
      const start = offset + sent;
      for (let i = 0; i < length; i++) bytes[i] = ((start + i) * 2654435761) >>> 24;
      sent += length;
      controller.enqueue(bytes);
    },
  });
}

export async function hashGenerated(size: number): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of generatedBody(size)) hash.update(chunk);
  return hash.digest('hex');
}

export const scenario: Scenario = {
  name: 'similarity',
  description: 'exact local vector search by organization size; artifact upload streaming memory',
  skipStartup: true,
  async run(context: ScenarioContext) {
    const sizes = context.quick ? SIZES.quick : SIZES.full;
    const clock = new Uuid7Clock();
    const file = findD1File(context.persistTo);
    const seedStarted = performance.now();
    const db = new DatabaseSync(file);
    const orgs: SeededOrg[] = [];
    db.exec('BEGIN');
    try {
      sizes.orgVersions.forEach((count, index) => {
        orgs.push(seedOrg(db, clock, `o${count}`, count, 1000 + index));
      });
      db.exec('COMMIT');
    } catch (error) {
      db.exec('ROLLBACK');
      throw error;
    } finally {
      db.close();
    }
    const seedMs = performance.now() - seedStarted;
    context.log(
      `Seeded ${sizes.orgVersions.join(' + ')} embedded versions into ${file} (${ms(seedMs)})`,
    );

    const { server } = await context.startServer('similarity');
    const searchRows: string[][] = [];
    const searchResults: Record<string, unknown>[] = [];
    for (const org of orgs) {
      const client = createClient({
        url: server.url,
        token: org.token,
        signal: context.signal,
        maxRequests: 400,
        requestTimeoutMs: 60_000,
      });
      for (let i = 0; i < 2; i++) await client.request(SEARCH, { text: QUERIES[i] });
      const search: number[] = [];
      let searchStatements = 0;
      for (let i = 0; i < sizes.runs; i++) {
        const timed = await client.request<{ modelsSearch: unknown[] }>(SEARCH, {
          text: QUERIES[i % QUERIES.length],
        });
        if (timed.data.modelsSearch.length !== 10)
          throw new Error('modelsSearch did not return 10 matches');
        search.push(timed.ms);
        searchStatements = timed.statements;
      }
      const similar: number[] = [];
      let similarStatements = 0;
      for (let i = 0; i < sizes.runs; i++) {
        const id = encodeGlobalId(
          'ModelVersion',
          org.sampleVersionIds[i % org.sampleVersionIds.length] as string,
        );
        const timed = await client.request<{ node: { similar: unknown[] } }>(SIMILAR, { id });
        if (timed.data.node.similar.length !== 10)
          throw new Error('similar did not return 10 matches');
        similar.push(timed.ms);
        similarStatements = timed.statements;
      }
      const s = summarize(search);
      const t = summarize(similar);
      searchResults.push({
        versions: org.versions,
        modelsSearch: s,
        similar: t,
        searchStatements,
        similarStatements,
        msPer1000Vectors: s.p50 / (org.versions / 1000),
      });
      searchRows.push([
        org.versions.toLocaleString('en-US'),
        `${ms(s.p50)} / ${ms(s.p90)} / ${ms(s.max)}`,
        `${ms(t.p50)} / ${ms(t.p90)} / ${ms(t.max)}`,
        String(searchStatements),
        ms(s.p50 / (org.versions / 1000)),
      ]);
      context.log(
        `${org.versions} vectors: modelsSearch p50 ${ms(s.p50)}, similar p50 ${ms(t.p50)}`,
      );
    }

    // Streaming uploads, with the memory of the whole wrangler/workerd tree watched.
    const uploader = orgs[0] as SeededOrg;
    const client = createClient({
      url: server.url,
      token: uploader.token,
      signal: context.signal,
      maxRequests: 200,
      requestTimeoutMs: 300_000,
    });
    const versionId = encodeGlobalId('ModelVersion', uploader.sampleVersionIds[0] as string);
    const origin = new URL(server.url).origin;
    const pids = server.pid ? processTree(server.pid) : [];
    const put = async (path: string, body: ReadableStream<Uint8Array>, length: number) => {
      const response = await fetch(`${origin}${path}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${uploader.token}`, 'content-length': String(length) },
        body,
        duplex: 'half',
        signal: AbortSignal.any([context.signal, AbortSignal.timeout(300_000)]),
      } as RequestInit);
      const text = await response.text();
      if (!response.ok) throw new Error(`PUT ${path}: HTTP ${response.status} ${text}`);
    };
    const memoryRows: string[][] = [];
    const memoryResults: Record<string, unknown>[] = [];

    const singleSha = await hashGenerated(SINGLE_PUT_BYTES);
    const single = await client.request<{
      artifactUploadCreate: { artifact: { id: string; upload: { url: string } } };
    }>(CREATE_UPLOAD, {
      input: {
        versionId,
        name: 'single.bin',
        kind: 'WEIGHTS',
        sizeBytes: SINGLE_PUT_BYTES,
        sha256: singleSha,
      },
    });
    const singleUpload = await watchMemory(pids, async () => {
      const started = performance.now();
      await put(
        single.data.artifactUploadCreate.artifact.upload.url,
        generatedBody(SINGLE_PUT_BYTES),
        SINGLE_PUT_BYTES,
      );
      return performance.now() - started;
    });
    memoryResults.push({
      upload: 'single PUT',
      bytes: SINGLE_PUT_BYTES,
      ms: singleUpload.result,
      memory: singleUpload.memory,
    });

    const multipartBytes = sizes.multipartBytes;
    const multipartSha = await hashGenerated(multipartBytes);
    // The composite checksum completion verifies: SHA-256 of the parts' SHA-256 digests, in order.
    const partDigests: Buffer[] = [];
    for (let offset = 0; offset < multipartBytes; offset += PART_SIZE) {
      const hash = createHash('sha256');
      for await (const chunk of generatedBody(
        Math.min(PART_SIZE, multipartBytes - offset),
        offset,
      )) {
        hash.update(chunk);
      }
      partDigests.push(hash.digest());
    }
    const multipartComposite = createHash('sha256')
      .update(Buffer.concat(partDigests))
      .digest('hex');
    const created = await client.request<{
      artifactUploadCreate: {
        artifact: { id: string; upload: { url: string; partCount: number } };
      };
    }>(CREATE_UPLOAD, {
      input: {
        versionId,
        name: 'multipart.bin',
        kind: 'CHECKPOINT',
        sizeBytes: multipartBytes,
        sha256: multipartSha,
        multipart: true,
        partSize: PART_SIZE,
        compositeSha256: multipartComposite,
      },
    });
    const artifact = created.data.artifactUploadCreate.artifact;
    const multipart = await watchMemory(pids, async () => {
      const started = performance.now();
      for (let n = 1; n <= artifact.upload.partCount; n++) {
        const offset = (n - 1) * PART_SIZE;
        const length = Math.min(PART_SIZE, multipartBytes - offset);
        await put(`${artifact.upload.url}/parts/${n}`, generatedBody(length, offset), length);
      }
      const partsMs = performance.now() - started;
      const completed = await client.request<{
        artifactUploadComplete: { __typename: string; message?: string };
      }>(COMPLETE_UPLOAD, { input: { artifactId: artifact.id } });
      if (completed.data.artifactUploadComplete.__typename !== 'ArtifactUploadCompletePayload') {
        throw new Error(`complete: ${JSON.stringify(completed.data)}`);
      }
      return { partsMs, completeMs: completed.ms };
    });
    memoryResults.push({
      upload: 'multipart',
      bytes: multipartBytes,
      partSize: PART_SIZE,
      ...multipart.result,
      memory: multipart.memory,
    });

    const MiB = (kib: number) => `${(kib / 1024).toFixed(0)} MiB`;
    for (const [label, bytes, watched, timing] of [
      ['single PUT', SINGLE_PUT_BYTES, singleUpload.memory, ms(singleUpload.result)],
      [
        `multipart (${artifact.upload.partCount} x 64 MiB) + complete`,
        multipartBytes,
        multipart.memory,
        `${ms(multipart.result.partsMs)} + ${ms(multipart.result.completeMs)}`,
      ],
    ] as const) {
      memoryRows.push([
        label,
        `${(bytes / 1024 / 1024).toFixed(0)} MiB`,
        timing,
        MiB(watched.totalRssBeforeKiB),
        MiB(watched.totalSampledMaxKiB),
        MiB(Math.max(...watched.processes.map((p) => p.peakKiB - p.rssBeforeKiB))),
      ]);
    }

    const report = [
      'Exact local search (modelsSearch and similar, topK 10, warm; ms p50 / p90 / max)',
      table(
        [
          'versions (768-d vectors)',
          'modelsSearch',
          'similar',
          'D1 statements',
          'modelsSearch p50 per 1,000 vectors',
        ],
        searchRows,
      ),
      '',
      'Artifact uploads streamed through the Worker (memory of the wrangler + workerd process tree)',
      table(
        [
          'upload',
          'body',
          'time',
          'RSS before',
          'highest sampled RSS (sum)',
          'largest per-process peak growth',
        ],
        memoryRows,
      ),
    ].join('\n');
    return { report, results: { seedMs, search: searchResults, uploads: memoryResults } };
  },
};

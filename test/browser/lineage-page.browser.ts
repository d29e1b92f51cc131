// Browser test of the lineage page: `npm run test:browser`.
//
// Creates a throw-away D1 database under the OS temp directory (migrations, one organization with
// an admin token), starts `wrangler dev --local` on the loopback interface, seeds a small graph
// through the GraphQL API, and drives Debian's headless Chromium (playwright-core, no downloaded
// browser) through /lineage/<id>: the token prompt, the drawn node count, re-centring on click,
// Back, the direction and depth controls, and an unknown ID. Screenshots go to
// test-results/browser/, the counts to test-results/browser.json (read by scripts/test-summary.mjs).
// It prints "N passed, N failed", exits non-zero on any failure, and always stops the server and
// the browser and removes the temp directory.
//
// CHROMIUM_PATH overrides /usr/bin/chromium; --keep keeps the temp directory (logs, database).
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { createClient, encodeGlobalId } from '../../bench/lib/graphql.ts';
import { iso, newApiToken, SqlWriter, Uuid7Clock } from '../../bench/lib/sql.ts';
import { type DevServer, mustRunWrangler, REPO_ROOT, startDev } from '../../bench/lib/wrangler.ts';

/** What the page exposes for tests (public/lineage/src/main.ts). */
declare global {
  interface Window {
    __lineage: {
      status: string;
      message: string;
      rootId: string | null;
      rootLabel: string | null;
      nodeCount: number;
      edgeCount: number;
      loads: number;
      cy: import('cytoscape').Core | null;
    };
  }
}

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const OVERALL_LIMIT_MS = 6 * 60_000;
const WAIT_MS = 20_000;
const RESULTS_DIR = join(REPO_ROOT, 'test-results', 'browser');
const SUMMARY_FILE = join(REPO_ROOT, 'test-results', 'browser.json');
const keep = process.argv.includes('--keep');

const started = performance.now();
const log = (message: string) =>
  console.log(`[${((performance.now() - started) / 1000).toFixed(1).padStart(5)}s] ${message}`);

// ---------------------------------------------------------------------------------------------
// Setup and teardown

const deadline = new AbortController();
const deadlineTimer = setTimeout(
  () => deadline.abort(new Error(`Overall time limit of ${OVERALL_LIMIT_MS / 60_000} min reached`)),
  OVERALL_LIMIT_MS,
);
deadlineTimer.unref();

const workDir = mkdtempSync(join(tmpdir(), 'model-registry-browser-'));
const persistTo = join(workDir, 'state');
let server: DevServer | null = null;
let browser: BrowserContext | null = null;
let cleanedUp = false;

async function cleanup(): Promise<void> {
  if (cleanedUp) return;
  cleanedUp = true;
  if (browser) {
    const context = browser;
    browser = null;
    await Promise.race([context.close(), new Promise((resolve) => setTimeout(resolve, 10_000))]);
  }
  if (server) {
    const running = server;
    server = null;
    await running.stop();
  }
  if (keep) log(`Kept ${workDir}`);
  else rmSync(workDir, { recursive: true, force: true });
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping`);
    deadline.abort(new Error(signal));
    void cleanup().finally(() => process.exit(130));
  });
}

function seedSql() {
  const clock = new Uuid7Clock();
  const now = Date.now();
  const org = clock.next(now);
  const user = clock.next(now);
  const tokenRow = clock.next(now);
  const { token, prefix, hash } = newApiToken();
  const sql = new SqlWriter();
  sql.insert('organization', { id: org.id, name: 'browser-test', created_at: iso(org.ms) });
  sql.insert('user', {
    id: user.id,
    org_id: org.id,
    name: 'Browser Admin',
    email: 'browser-admin@example.com',
    role: 'ADMIN',
    created_at: iso(user.ms),
    created_by: null,
  });
  sql.insert('api_token', {
    id: tokenRow.id,
    org_id: org.id,
    user_id: user.id,
    name: 'browser test',
    token_hash: hash,
    prefix,
    created_at: iso(tokenRow.ms),
    created_by: user.id,
    expires_at: null,
    revoked_at: null,
    last_used_at: null,
  });
  return { sql: sql.toSql(), token };
}

async function startServer(token: string): Promise<DevServer> {
  const dev = await startDev({ persistTo, logFile: join(workDir, 'wrangler-dev.log') });
  server = dev;
  const until = performance.now() + 120_000;
  for (;;) {
    if (deadline.signal.aborted) throw deadline.signal.reason;
    if (dev.exited()) throw new Error(`wrangler dev exited:\n${dev.log().slice(-3000)}`);
    if (performance.now() > until) {
      throw new Error(`wrangler dev did not answer within 120 s:\n${dev.log().slice(-3000)}`);
    }
    if (dev.readyLineAt() !== null) {
      try {
        const response = await fetch(dev.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ query: '{ viewer { id } }' }),
          signal: AbortSignal.timeout(30_000),
        });
        const body = (await response.json().catch(() => null)) as { data?: unknown } | null;
        if (response.ok && body?.data) return dev;
      } catch {
        // not answering yet
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// ---------------------------------------------------------------------------------------------
// The graph the page is tested on
//
//   reviews-raw <-DERIVED_FROM- reviews-train <-TRAINED_ON- sentiment@1.0.0 -EVALUATED_ON-> reviews-eval
//                                     ^                        ^
//                                TRAINED_ON              DERIVED_FROM
//                                     |                        |
//                              sentiment@1.1.0 ----------------+  (also EVALUATED_ON reviews-eval)
//                               ^            |
//                      DERIVED_FROM       DEPLOYED_TO
//                              |             v
//                 sentiment-small@0.1.0    sentiment-prod

interface Seeded {
  rawId: string;
  trainId: string;
  evalId: string;
  v100Id: string;
  v110Id: string;
  smallId: string;
  deploymentId: string;
}

type Client = ReturnType<typeof createClient>;

async function mutate<T>(
  client: Client,
  field: string,
  payloadType: string,
  select: string,
  input: Record<string, unknown>,
): Promise<T> {
  const { data } = await client.request<Record<string, Record<string, unknown>>>(
    `mutation Seed($input: ${field[0]?.toUpperCase()}${field.slice(1)}Input!) {
      result: ${field}(input: $input) {
        __typename
        ... on ${payloadType} { ${select} }
        ... on Error { message path }
      }
    }`,
    { input },
  );
  const result = data.result as Record<string, unknown>;
  if (result.__typename !== payloadType) {
    throw new Error(`${field} answered ${JSON.stringify(result)}`);
  }
  return result as T;
}

async function seedGraph(client: Client): Promise<Seeded> {
  const dataset = async (name: string) =>
    (
      await mutate<{ dataset: { id: string } }>(
        client,
        'datasetRegister',
        'DatasetRegisterPayload',
        'dataset { id }',
        { name, format: 'parquet' },
      )
    ).dataset.id;
  const rawId = await dataset('reviews-raw');
  const trainId = await dataset('reviews-train');
  const evalId = await dataset('reviews-eval');
  await mutate(client, 'lineageEdgeAdd', 'LineageEdgePayload', 'edge { id }', {
    fromId: trainId,
    toId: rawId,
    type: 'DERIVED_FROM',
  });
  const model = async (name: string) =>
    (
      await mutate<{ model: { id: string } }>(
        client,
        'modelRegister',
        'ModelRegisterPayload',
        'model { id }',
        { name, framework: 'pytorch' },
      )
    ).model.id;
  const version = async (input: Record<string, unknown>) =>
    (
      await mutate<{ modelVersion: { id: string } }>(
        client,
        'modelVersionCreate',
        'ModelVersionCreatePayload',
        'modelVersion { id }',
        input,
      )
    ).modelVersion.id;
  const sentiment = await model('sentiment');
  const v100Id = await version({
    modelId: sentiment,
    version: '1.0.0',
    trainedOn: [{ datasetId: trainId, properties: { split: 'train' } }],
    evaluatedOn: [{ datasetId: evalId }],
  });
  const v110Id = await version({
    modelId: sentiment,
    version: '1.1.0',
    derivedFrom: [v100Id],
    trainedOn: [{ datasetId: trainId }],
    evaluatedOn: [{ datasetId: evalId }],
  });
  const small = await model('sentiment-small');
  const smallId = await version({ modelId: small, version: '0.1.0', derivedFrom: [v110Id] });
  const deploymentId = (
    await mutate<{ deployment: { id: string } }>(
      client,
      'deploymentCreate',
      'DeploymentCreatePayload',
      'deployment { id }',
      { name: 'sentiment-prod', environment: 'production', modelVersions: [{ versionId: v110Id }] },
    )
  ).deployment.id;
  return { rawId, trainId, evalId, v100Id, v110Id, smallId, deploymentId };
}

/** What the API itself says the page should draw (all nodes fit on one page here). */
async function apiNodeCount(
  client: Client,
  id: string,
  direction: string,
  maxDepth: number | null,
): Promise<number> {
  const { data } = await client.request<{ node: { lineage: { totalNodes: number } } }>(
    `query Count($id: ID!, $direction: LineageDirection!, $maxDepth: Int) {
      node(id: $id) { ... on LineageNode { lineage(direction: $direction, maxDepth: $maxDepth) { totalNodes } } }
    }`,
    { id, direction, maxDepth },
  );
  return data.node.lineage.totalNodes;
}

// ---------------------------------------------------------------------------------------------
// Page helpers

interface PageView {
  status: string;
  message: string;
  rootId: string | null;
  rootLabel: string | null;
  nodeCount: number;
  edgeCount: number;
  loads: number;
}

function view(page: Page): Promise<PageView> {
  return page.evaluate(() => {
    const { status, message, rootId, rootLabel, nodeCount, edgeCount, loads } = window.__lineage;
    return { status, message, rootId, rootLabel, nodeCount, edgeCount, loads };
  });
}

/** Waits until the page has finished a load after `afterLoads` and is no longer loading. */
async function settled(page: Page, afterLoads: number): Promise<PageView> {
  await page.waitForFunction(
    (after) =>
      window.__lineage !== undefined &&
      window.__lineage.loads > after &&
      window.__lineage.status !== 'loading',
    afterLoads,
    { timeout: WAIT_MS },
  );
  return view(page);
}

async function loads(page: Page): Promise<number> {
  return page.evaluate(() => window.__lineage?.loads ?? 0);
}

/** Clicks a drawn node where it is on screen, as a person would. */
async function clickNode(page: Page, label: string): Promise<void> {
  const point = await page.evaluate((wanted) => {
    const cy = window.__lineage.cy;
    const node = cy?.nodes().filter((n) => n.data('label') === wanted)[0];
    if (!cy || !node) return null;
    const rect = cy.container()?.getBoundingClientRect();
    const at = node.renderedPosition();
    return rect ? { x: rect.left + at.x, y: rect.top + at.y } : null;
  }, label);
  if (!point) throw new Error(`No drawn node labelled ${label}`);
  await page.mouse.click(point.x, point.y);
}

function expectEqual<T>(actual: T, expected: T, what: string): void {
  if (actual !== expected) {
    throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
}

// ---------------------------------------------------------------------------------------------
// The checks

const results: { name: string; ok: boolean; error?: string; ms: number }[] = [];

async function check(name: string, body: () => Promise<void>): Promise<void> {
  const checkStarted = performance.now();
  try {
    if (deadline.signal.aborted) throw deadline.signal.reason;
    await body();
    results.push({ name, ok: true, ms: performance.now() - checkStarted });
    console.log(`  ✓ ${name}`);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    results.push({ name, ok: false, error: message, ms: performance.now() - checkStarted });
    console.log(`  ✗ ${name}\n      ${message.split('\n').join('\n      ')}`);
  }
}

async function main(): Promise<void> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `No Chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`,
    );
  }
  mkdirSync(RESULTS_DIR, { recursive: true });

  await mustRunWrangler(['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', persistTo], {
    timeoutMs: 120_000,
  });
  const seed = seedSql();
  const seedFile = join(workDir, 'seed.sql');
  writeFileSync(seedFile, seed.sql);
  await mustRunWrangler(
    ['d1', 'execute', 'DB', '--local', '--persist-to', persistTo, '--file', seedFile, '--yes'],
    { timeoutMs: 120_000 },
  );
  log('Migrations applied; organization and admin token seeded');

  const dev = await startServer(seed.token);
  const base = `http://127.0.0.1:${dev.port}`;
  log(`wrangler dev answers at ${base}`);
  const client = createClient({
    url: dev.url,
    token: seed.token,
    signal: deadline.signal,
    maxRequests: 100,
  });
  const graph = await seedGraph(client);
  log('Seeded 3 datasets, 2 models, 3 versions and a deployment');

  browser = await chromium.launchPersistentContext(join(workDir, 'chromium-profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1360, height: 820 },
    timeout: 60_000,
  });
  const page = browser.pages()[0] ?? (await browser.newPage());
  page.setDefaultTimeout(WAIT_MS);
  const pageErrors: string[] = [];
  const offLoopback: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    // A refused token is an expected 401, which Chromium also logs as a failed resource.
    if (message.type() === 'error' && !message.text().includes('401')) {
      pageErrors.push(message.text());
    }
  });
  page.on('request', (request) => {
    const url = request.url();
    if (!url.startsWith(`${base}/`) && !url.startsWith('data:')) offLoopback.push(url);
  });
  log(`Chromium ${browser.browser()?.version() ?? ''} started`);

  const versionUrl = `${base}/lineage/${encodeURIComponent(graph.v110Id)}?depth=all`;

  await check('asks for a token, then draws the lineage of a version', async () => {
    // No token stored in this tab (and no usable embedded one: the database is new).
    await page.goto(versionUrl);
    let seen = await settled(page, 0);
    expectEqual(seen.status, 'needs-token', 'status without a token');
    await page.locator('#token-form').waitFor({ state: 'visible' });
    await page.screenshot({ path: join(RESULTS_DIR, 'lineage-token.png') });

    const before = await loads(page);
    await page.fill('#token-input', seed.token);
    await page.click('#token-form button[type=submit]');
    seen = await settled(page, before);
    expectEqual(seen.status, 'ready', `status after entering the token (${seen.message})`);
    expectEqual(seen.rootLabel, 'sentiment@1.1.0', 'root label');
    expectEqual(seen.rootId, graph.v110Id, 'root id');
    // sentiment@1.1.0 itself; upstream 1.0.0, reviews-train, reviews-eval, reviews-raw;
    // downstream sentiment-small@0.1.0 and sentiment-prod.
    expectEqual(seen.nodeCount, 7, 'drawn nodes');
    expectEqual(seen.nodeCount, await apiNodeCount(client, graph.v110Id, 'BOTH', null), 'API');
    expectEqual(seen.edgeCount, 8, 'drawn edges');
    const legend = await page.locator('#legend-kinds li').count();
    expectEqual(legend, 6, 'legend entries');
    const listed = await page.locator('#node-list li').count();
    expectEqual(listed, 7, 'nodes listed beside the graph');
    await page.screenshot({ path: join(RESULTS_DIR, 'lineage-version.png') });
  });

  await check('the token stays for the tab: a reload draws at once', async () => {
    await page.reload();
    const seen = await settled(page, 0);
    expectEqual(seen.status, 'ready', 'status after reload');
    expectEqual(seen.nodeCount, 7, 'drawn nodes');
  });

  await check('clicking a node re-centres the page on it', async () => {
    const before = await loads(page);
    await clickNode(page, 'reviews-train');
    const seen = await settled(page, before);
    expectEqual(seen.status, 'ready', `status (${seen.message})`);
    expectEqual(seen.rootLabel, 'reviews-train', 'root label');
    expectEqual(seen.rootId, graph.trainId, 'root id');
    expectEqual(
      new URL(page.url()).pathname,
      `/lineage/${encodeURIComponent(graph.trainId)}`,
      'address',
    );
    // reviews-train; upstream reviews-raw; downstream 1.0.0, 1.1.0, then 0.1.0 and sentiment-prod.
    expectEqual(seen.nodeCount, 6, 'drawn nodes');
    expectEqual(seen.nodeCount, await apiNodeCount(client, graph.trainId, 'BOTH', null), 'API');
    await page.screenshot({ path: join(RESULTS_DIR, 'lineage-dataset.png') });
  });

  await check('Back returns to the previous node', async () => {
    const before = await loads(page);
    await page.goBack();
    const seen = await settled(page, before);
    expectEqual(seen.rootLabel, 'sentiment@1.1.0', 'root label');
    expectEqual(seen.nodeCount, 7, 'drawn nodes');
  });

  await check('the direction and depth controls redraw with the API’s counts', async () => {
    let before = await loads(page);
    await page.selectOption('#direction', 'UPSTREAM');
    let seen = await settled(page, before);
    expectEqual(new URL(page.url()).searchParams.get('direction'), 'UPSTREAM', 'address');
    expectEqual(seen.nodeCount, 5, 'upstream nodes');
    expectEqual(seen.nodeCount, await apiNodeCount(client, graph.v110Id, 'UPSTREAM', null), 'API');

    before = await loads(page);
    await page.selectOption('#direction', 'DOWNSTREAM');
    seen = await settled(page, before);
    expectEqual(seen.nodeCount, 3, 'downstream nodes');

    before = await loads(page);
    await page.selectOption('#direction', 'BOTH');
    await settled(page, before);
    before = await loads(page);
    await page.selectOption('#depth', '1');
    seen = await settled(page, before);
    expectEqual(new URL(page.url()).searchParams.get('depth'), '1', 'address');
    expectEqual(seen.nodeCount, 6, 'nodes within one hop');
    expectEqual(seen.nodeCount, await apiNodeCount(client, graph.v110Id, 'BOTH', 1), 'API');
  });

  await check('an unknown ID says so and draws nothing', async () => {
    const unknown = encodeGlobalId('ModelVersion', '01900000-0000-7000-8000-000000000000');
    await page.goto(`${base}/lineage/${encodeURIComponent(unknown)}`);
    const seen = await settled(page, 0);
    expectEqual(seen.status, 'error', 'status');
    expectEqual(seen.nodeCount, 0, 'drawn nodes');
    if (!/no node has this id/i.test(seen.message)) throw new Error(`message: ${seen.message}`);
  });

  await check('the ID field opens another node', async () => {
    await page.goto(`${base}/lineage`);
    let seen = await settled(page, 0);
    expectEqual(seen.status, 'empty', 'status with no ID');
    const before = await loads(page);
    await page.fill('#node-id', graph.deploymentId);
    await page.press('#node-id', 'Enter');
    seen = await settled(page, before);
    expectEqual(seen.rootLabel, 'sentiment-prod', 'root label');
    // sentiment-prod; upstream 1.1.0; 1.0.0, reviews-train, reviews-eval; reviews-raw (depth 3).
    expectEqual(seen.nodeCount, 6, 'drawn nodes within the default depth of 3');
    expectEqual(seen.nodeCount, await apiNodeCount(client, graph.deploymentId, 'BOTH', 3), 'API');
  });

  await check('the page’s files are static assets; its sources are not served', async () => {
    const get = async (path: string) => {
      const response = await fetch(`${base}${path}`, { signal: AbortSignal.timeout(WAIT_MS) });
      await response.arrayBuffer();
      return `${response.status} ${response.headers.get('content-type')?.split(';')[0]}`;
    };
    expectEqual(await get('/lineage/lineage.js'), '200 text/javascript', 'lineage.js');
    expectEqual(await get('/lineage/lineage.css'), '200 text/css', 'lineage.css');
    // Not in the asset upload (public/.assetsignore): the route answers, with its page.
    expectEqual(await get('/lineage/src/main.ts'), '200 text/html', 'src/main.ts');
    expectEqual(await get('/lineage/tsconfig.json'), '200 text/html', 'tsconfig.json');
  });

  await check('no script errors, and no request left the Worker', async () => {
    if (pageErrors.length) throw new Error(`script errors:\n${pageErrors.join('\n')}`);
    if (offLoopback.length) throw new Error(`requests elsewhere:\n${offLoopback.join('\n')}`);
  });
}

let fatal: string | null = null;
rmSync(SUMMARY_FILE, { force: true });
try {
  await main();
} catch (error) {
  fatal = error instanceof Error ? (error.stack ?? error.message) : String(error);
  console.error(`\nBrowser test could not run: ${fatal}`);
  const running = server as DevServer | null;
  if (running) console.error(`\nwrangler dev log (tail):\n${running.log().slice(-3000)}`);
} finally {
  await cleanup();
  clearTimeout(deadlineTimer);
}

const passed = results.filter((result) => result.ok).length;
// A run that could not start (no Chromium, wrangler failed) counts as one failure.
const failed = results.length - passed + (fatal ? 1 : 0);
mkdirSync(join(REPO_ROOT, 'test-results'), { recursive: true });
writeFileSync(SUMMARY_FILE, `${JSON.stringify({ passed, failed, fatal, results }, null, 2)}\n`);
if (existsSync(RESULTS_DIR)) log(`Screenshots in ${RESULTS_DIR}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);

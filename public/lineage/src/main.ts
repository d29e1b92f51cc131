// The lineage page: reads its state from the address (/lineage/<id>?direction=&depth=&limit=),
// fetches the node's lineage from /graphql with the API token, and draws it with Cytoscape.
// Clicking a node re-centres the page on it (a new history entry, so Back returns).
import cytoscape from 'cytoscape';
import {
  buildDrawing,
  DEFAULT_STATE,
  DEPTH_CHOICES,
  type Direction,
  EDGE_COLORS,
  edgeLabel,
  KIND_STYLES,
  LIMIT_CHOICES,
  type LineageAnswer,
  locationOfState,
  type NodeKind,
  type PageState,
  stateFromLocation,
} from './graph.ts';

interface PageConfig {
  /** Where the API is. */
  graphqlUrl: string;
  /** Local development only: the seeded admin token, so the page works at once. */
  token: string | null;
}

type Status = 'loading' | 'ready' | 'error' | 'needs-token' | 'empty';

/** What the page shows, readable by people debugging it and by the browser test. */
interface LineageDebug {
  status: Status;
  message: string;
  rootId: string | null;
  rootLabel: string | null;
  rootKind: NodeKind | null;
  nodeCount: number;
  edgeCount: number;
  totalNodes: number;
  isTruncated: boolean;
  /** Bumped after every finished load, so a test can wait for the next one. */
  loads: number;
  cy: cytoscape.Core | null;
}

declare global {
  interface Window {
    __lineage: LineageDebug;
  }
}

const TOKEN_KEY = 'model-registry:api-token';

const LINEAGE_QUERY = /* GraphQL */ `
  query LineagePage($id: ID!, $direction: LineageDirection!, $maxDepth: Int, $first: Int) {
    node(id: $id) {
      __typename
      id
      ... on LineageNode {
        lineage(direction: $direction, maxDepth: $maxDepth, first: $first) {
          root { id }
          depthReached
          isTruncated
          totalNodes
          totalEdges
          nodeInfo { kind label depth reachedBy node { id } }
          edges { id type depth from { id } to { id } }
        }
      }
    }
  }
`;

class TokenError extends Error {}

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`The page has no #${id}`);
  return found as T;
}

const config: PageConfig = JSON.parse(element('lineage-config').textContent || '{}');
const graphEl = element<HTMLDivElement>('graph');
const messageEl = element<HTMLDivElement>('message');
const summaryEl = element<HTMLDivElement>('summary');
const legendEl = element<HTMLUListElement>('legend-kinds');
const edgeLegendEl = element<HTMLUListElement>('legend-edges');
const detailsEl = element<HTMLDivElement>('details');
const nodeListEl = element<HTMLOListElement>('node-list');
const controls = element<HTMLFormElement>('controls');
const idInput = element<HTMLInputElement>('node-id');
const directionSelect = element<HTMLSelectElement>('direction');
const depthSelect = element<HTMLSelectElement>('depth');
const limitSelect = element<HTMLSelectElement>('limit');
const tokenForm = element<HTMLFormElement>('token-form');
const tokenInput = element<HTMLInputElement>('token-input');
const tokenError = element<HTMLParagraphElement>('token-error');
const tokenButton = element<HTMLButtonElement>('token-button');
const tokenForget = element<HTMLButtonElement>('token-forget');
const tokenCancel = element<HTMLButtonElement>('token-cancel');

const debug: LineageDebug = {
  status: 'loading',
  message: '',
  rootId: null,
  rootLabel: null,
  rootKind: null,
  nodeCount: 0,
  edgeCount: 0,
  totalNodes: 0,
  isTruncated: false,
  loads: 0,
  cy: null,
};
window.__lineage = debug;

let state: PageState = stateFromLocation(location.pathname, location.search);
let loadSeq = 0;

function storedToken(): string | null {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

/** A token the reader typed (kept for this tab) wins over the one local development embeds. */
function currentToken(): string | null {
  return storedToken() || config.token || null;
}

function setStatus(status: Status, message = '') {
  debug.status = status;
  debug.message = message;
  document.body.dataset.status = status;
  messageEl.textContent = message;
  // The token form says why it is asking; the banner would repeat it.
  messageEl.hidden = message === '' || status === 'needs-token';
  messageEl.className = status === 'error' ? 'message error' : 'message';
}

function option(value: string, text: string): HTMLOptionElement {
  const el = document.createElement('option');
  el.value = value;
  el.textContent = text;
  return el;
}

function fillControls() {
  if (depthSelect.options.length === 0) {
    for (const depth of DEPTH_CHOICES) {
      depthSelect.append(option(String(depth), `${depth} hop${depth === 1 ? '' : 's'}`));
    }
    depthSelect.append(option('all', 'No limit'));
  }
  if (limitSelect.options.length === 0) {
    for (const limit of LIMIT_CHOICES) limitSelect.append(option(String(limit), `${limit} nodes`));
  }
  // A depth or limit typed into the address that is not a choice still shows as selected.
  const depthValue = state.depth === null ? 'all' : String(state.depth);
  if (![...depthSelect.options].some((o) => o.value === depthValue)) {
    depthSelect.append(option(depthValue, `${depthValue} hops`));
  }
  if (![...limitSelect.options].some((o) => o.value === String(state.limit))) {
    limitSelect.append(option(String(state.limit), `${state.limit} nodes`));
  }
  idInput.value = state.id;
  directionSelect.value = state.direction;
  depthSelect.value = depthValue;
  limitSelect.value = String(state.limit);
}

function fillLegend() {
  legendEl.replaceChildren(
    ...Object.values(KIND_STYLES).map((style) => {
      const item = document.createElement('li');
      const swatch = document.createElement('span');
      swatch.className = `swatch shape-${style.shape}`;
      swatch.style.backgroundColor = style.color;
      item.append(swatch, document.createTextNode(style.name));
      return item;
    }),
  );
  edgeLegendEl.replaceChildren(
    ...Object.entries(EDGE_COLORS).map(([type, color]) => {
      const item = document.createElement('li');
      const line = document.createElement('span');
      line.className = 'edge-swatch';
      line.style.backgroundColor = color;
      item.append(line, document.createTextNode(edgeLabel(type)));
      return item;
    }),
  );
}

async function graphql<T>(query: string, variables: Record<string, unknown>): Promise<T> {
  const token = currentToken();
  if (!token) throw new TokenError('Enter an API token to read the registry.');
  const response = await fetch(config.graphqlUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
      authorization: `Bearer ${token}`,
    },
    body: JSON.stringify({ query, variables }),
  });
  let body: { data?: T | null; errors?: { message: string; extensions?: { code?: string } }[] };
  try {
    body = await response.json();
  } catch {
    throw new Error(`The API answered HTTP ${response.status} without JSON.`);
  }
  const unauthenticated = body.errors?.find((e) => e.extensions?.code === 'UNAUTHENTICATED');
  if (response.status === 401 || unauthenticated) {
    throw new TokenError(unauthenticated?.message ?? 'The API token was refused.');
  }
  if (body.errors?.length) throw new Error(body.errors.map((e) => e.message).join('\n'));
  if (!body.data) throw new Error(`The API answered HTTP ${response.status} without data.`);
  return body.data;
}

function showTokenForm(message: string) {
  tokenError.textContent = message;
  tokenForm.hidden = false;
  tokenInput.value = '';
  tokenInput.focus();
}

const cy = cytoscape({
  container: graphEl,
  minZoom: 0.15,
  maxZoom: 2.5,
  boxSelectionEnabled: false,
  style: [
    {
      selector: 'node',
      style: {
        'background-color': 'data(color)',
        shape: 'data(shape)' as cytoscape.Css.NodeShape,
        label: 'data(label)',
        width: 34,
        height: 34,
        'border-width': 2,
        'border-color': '#ffffff',
        color: '#1d2733',
        'font-size': 12,
        'font-family': 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
        'text-valign': 'bottom',
        'text-margin-y': 6,
        'text-wrap': 'wrap',
        'text-max-width': '190px',
        'text-background-color': '#ffffff',
        'text-background-opacity': 0.85,
        'text-background-padding': '2px',
        'text-background-shape': 'roundrectangle',
      },
    },
    {
      selector: 'node.root',
      style: {
        width: 50,
        height: 50,
        'border-width': 4,
        'border-color': '#1d2733',
        'font-size': 14,
        'font-weight': 'bold',
      },
    },
    {
      selector: 'node.hovered',
      style: { 'underlay-color': '#1d2733', 'underlay-opacity': 0.15, 'underlay-padding': 8 },
    },
    {
      selector: 'edge',
      style: {
        width: 2,
        'curve-style': 'bezier',
        'line-color': 'data(color)',
        'target-arrow-color': 'data(color)',
        'target-arrow-shape': 'triangle',
        'arrow-scale': 1.1,
        label: 'data(label)',
        'font-size': 11,
        color: '#44505c',
        'text-rotation': 'autorotate',
        'text-background-color': '#f7f8fa',
        'text-background-opacity': 0.9,
        'text-background-padding': '1px',
      },
    },
  ],
});
debug.cy = cy;

cy.on('tap', 'node', (event) => {
  const id = event.target.id() as string;
  if (id !== state.id) void navigate({ ...state, id });
});
cy.on('mouseover', 'node', (event) => {
  event.target.addClass('hovered');
  graphEl.style.cursor = event.target.hasClass('root') ? 'default' : 'pointer';
  showDetails(event.target.id());
});
cy.on('mouseout', 'node', (event) => {
  event.target.removeClass('hovered');
  graphEl.style.cursor = '';
});

function showDetails(id: string) {
  const node = cy.getElementById(id);
  if (node.empty()) return;
  const kind = node.data('kind') as NodeKind;
  const rows: [string, string][] = [
    ['Kind', KIND_STYLES[kind]?.name ?? kind],
    ['Depth', String(node.data('depth'))],
    ['Reached', String(node.data('reachedBy')).toLowerCase()],
    ['ID', id],
  ];
  const title = document.createElement('strong');
  title.textContent = node.data('label');
  const list = document.createElement('dl');
  for (const [term, value] of rows) {
    const dt = document.createElement('dt');
    dt.textContent = term;
    const dd = document.createElement('dd');
    dd.textContent = value;
    list.append(dt, dd);
  }
  const hint = document.createElement('p');
  hint.className = 'hint';
  hint.textContent = node.hasClass('root') ? 'The page is centred here.' : 'Click to centre on it.';
  detailsEl.replaceChildren(title, list, hint);
}

function clearGraph() {
  cy.elements().remove();
  nodeListEl.replaceChildren();
  detailsEl.replaceChildren();
  debug.nodeCount = 0;
  debug.edgeCount = 0;
  document.body.dataset.nodeCount = '0';
}

function draw(answer: LineageAnswer) {
  const drawing = buildDrawing(answer);
  cy.batch(() => {
    cy.elements().remove();
    cy.add([
      ...drawing.nodes.map((node) => ({
        group: 'nodes' as const,
        data: {
          id: node.id,
          label: node.label,
          kind: node.kind,
          depth: node.depth,
          reachedBy: node.reachedBy,
          color: node.color,
          shape: node.shape,
        },
        position: { x: node.x, y: node.y },
        classes: node.isRoot ? 'root' : '',
      })),
      ...drawing.edges.map((edge) => ({
        group: 'edges' as const,
        data: { ...edge },
      })),
    ]);
    // A bow is per edge: set on the element, over the stylesheet.
    for (const edge of drawing.edges) {
      if (!edge.bend) continue;
      cy.getElementById(edge.id).style({
        'curve-style': 'unbundled-bezier',
        'control-point-distances': [edge.bend],
        'control-point-weights': [0.5],
      });
    }
  });
  cy.fit(undefined, 60);
  if (cy.zoom() > 1.4) {
    cy.zoom(1.4);
    cy.center();
  }
  // The same nodes as links: reachable without a pointer, and readable by screen readers.
  nodeListEl.replaceChildren(
    ...[...drawing.nodes]
      .sort((a, b) => a.column - b.column || a.y - b.y)
      .map((node) => {
        const item = document.createElement('li');
        const swatch = document.createElement('span');
        swatch.className = `swatch shape-${node.shape}`;
        swatch.style.backgroundColor = node.color;
        const link = document.createElement('a');
        link.href = locationOfState({ ...state, id: node.id });
        link.textContent = node.label;
        if (node.isRoot) link.setAttribute('aria-current', 'page');
        link.addEventListener('click', (event) => {
          if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
          event.preventDefault();
          if (node.id !== state.id) void navigate({ ...state, id: node.id });
        });
        link.addEventListener('mouseenter', () => showDetails(node.id));
        item.append(swatch, link);
        return item;
      }),
  );
  const root = drawing.nodes.find((node) => node.isRoot);
  debug.rootId = root?.id ?? answer.root.id;
  debug.rootLabel = root?.label ?? null;
  debug.rootKind = root?.kind ?? null;
  debug.nodeCount = cy.nodes().length;
  debug.edgeCount = cy.edges().length;
  debug.totalNodes = answer.totalNodes;
  debug.isTruncated = answer.isTruncated;
  document.body.dataset.nodeCount = String(debug.nodeCount);
  document.body.dataset.rootLabel = debug.rootLabel ?? '';
  if (root) showDetails(root.id);

  const kindName = root ? (KIND_STYLES[root.kind]?.name ?? root.kind) : '';
  summaryEl.replaceChildren();
  const rootTitle = document.createElement('h2');
  rootTitle.textContent = root?.label ?? '';
  const badge = document.createElement('span');
  badge.className = 'badge';
  badge.textContent = kindName;
  if (root) badge.style.backgroundColor = root.color;
  const counts = document.createElement('span');
  counts.className = 'counts';
  const shown =
    answer.totalNodes > drawing.nodes.length
      ? `${drawing.nodes.length} of ${answer.totalNodes} nodes`
      : `${drawing.nodes.length} node${drawing.nodes.length === 1 ? '' : 's'}`;
  counts.textContent = `${shown}, ${drawing.edges.length} edge${drawing.edges.length === 1 ? '' : 's'}, depth ${answer.depthReached}${answer.isTruncated ? ' (more beyond: raise the depth or node limit)' : ''}`;
  summaryEl.append(badge, rootTitle, counts);
  document.title = `${root?.label ?? 'Lineage'} · Lineage · Model Registry`;
}

async function load() {
  const seq = ++loadSeq;
  fillControls();
  tokenForm.hidden = true;
  if (!state.id) {
    clearGraph();
    summaryEl.replaceChildren();
    setStatus(
      'empty',
      'Enter the ID of a dataset, model, model version, experiment or deployment above.',
    );
    debug.loads += 1;
    return;
  }
  setStatus('loading', 'Loading lineage…');
  try {
    const data = await graphql<{
      node: { __typename: string; id: string; lineage?: LineageAnswer } | null;
    }>(LINEAGE_QUERY, {
      id: state.id,
      direction: state.direction,
      maxDepth: state.depth,
      first: state.limit,
    });
    if (seq !== loadSeq) return;
    if (!data.node) {
      clearGraph();
      summaryEl.replaceChildren();
      setStatus('error', 'No node has this ID, or your token cannot see it.');
    } else if (!data.node.lineage) {
      clearGraph();
      summaryEl.replaceChildren();
      setStatus('error', `A ${data.node.__typename} has no lineage to draw.`);
    } else {
      draw(data.node.lineage);
      setStatus('ready');
    }
  } catch (error) {
    if (seq !== loadSeq) return;
    clearGraph();
    summaryEl.replaceChildren();
    if (error instanceof TokenError) {
      setStatus('needs-token', error.message);
      showTokenForm(error.message);
    } else {
      setStatus('error', error instanceof Error ? error.message : String(error));
    }
  }
  debug.loads += 1;
}

async function navigate(next: PageState, replace = false) {
  state = next;
  const url = locationOfState(state);
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  await load();
}

controls.addEventListener('submit', (event) => {
  event.preventDefault();
  const depth = depthSelect.value;
  void navigate({
    id: idInput.value.trim(),
    direction: directionSelect.value as Direction,
    depth: depth === 'all' ? null : Number(depth),
    limit: Number(limitSelect.value) || DEFAULT_STATE.limit,
  });
});
// Changing a select applies at once; the ID field waits for Enter or the button.
for (const select of [directionSelect, depthSelect, limitSelect]) {
  select.addEventListener('change', () => controls.requestSubmit());
}

tokenForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const token = tokenInput.value.trim();
  if (!token) {
    tokenError.textContent = 'The token is empty.';
    return;
  }
  try {
    sessionStorage.setItem(TOKEN_KEY, token);
  } catch {
    tokenError.textContent = 'This browser does not allow storing the token (sessionStorage).';
    return;
  }
  void load();
});
tokenButton.addEventListener('click', () => {
  showTokenForm(
    storedToken()
      ? 'A token is stored for this tab. Enter another to replace it.'
      : 'Enter an API token (kept for this tab only).',
  );
});
tokenForget.addEventListener('click', () => {
  try {
    sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    // nothing stored
  }
  void load();
});
tokenCancel.addEventListener('click', () => {
  tokenForm.hidden = true;
});

window.addEventListener('popstate', () => {
  state = stateFromLocation(location.pathname, location.search);
  void load();
});

fillLegend();
void load();

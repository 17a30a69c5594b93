/**
 * The explorer page: draws a stored graph or a pasted body with sigma.js, asks narsolve for a route
 * or a max flow, and draws the answer. Every number shown is the API's own; the page computes
 * nothing it then presents as an answer.
 */
import Sigma from 'sigma';
import { EdgeArrowProgram, EdgeLineProgram } from 'sigma/rendering';
import forceAtlas2 from 'graphology-layout-forceatlas2';
import FA2Layout from 'graphology-layout-forceatlas2/worker';
import type Graph from 'graphology';
import { call, graphPath, Problem, setApiKey } from './api';
import type { components } from './openapi';
import { drawingOfBody, edgeKey, evidenceColours, nodeKey, routeDifference, toGraphology, type Drawing, type NodeId } from './model';
import { renderModelCard, type ModelCard } from './chart';

const COLOURS = { route: '#e8590c', classical: '#1c7ed6', both: '#862e9c', cut: '#e03131', side: '#2f9e44', node: '#495057', edge: '#ced4da', source: '#e8590c', target: '#1c7ed6' };
/** Above this many nodes the layout runs in a worker, so the tab never freezes on it. */
const SYNC_LAYOUT_NODES = 2000;
/**
 * Above this many, no force layout: the worker's positions come back every iteration and each
 * redraws the whole graph, which at 100k nodes holds the tab for seconds at a time.
 */
const MAX_LAYOUT_NODES = 20_000;
/** Above this many edges, no arrowheads and no depth sorting: each costs a pass over every edge per refresh. */
const LARGE_EDGES = 50_000;

// The answers as the API documents them: types generated from /openapi.json (npm run api-types).
type Schemas = components['schemas'];
type StoredEdges = Schemas['GraphEdges'];
type RouteAnswer = Schemas['RouteResponse'];
type MaxflowAnswer = Schemas['MaxflowResponse'];

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = (text: string) => {
  $('status').textContent = text;
};

/** Everything the drawing depends on; the reducers read it, so a change is one refresh. */
const view = {
  drawing: undefined as Drawing | undefined,
  graph: undefined as Graph | undefined,
  renderer: undefined as Sigma | undefined,
  layout: undefined as FA2Layout | undefined,
  /** Where the drawn graph came from: a stored graph's id, or the body it was read from. */
  stored: undefined as StoredEdges | undefined,
  body: undefined as Record<string, unknown> | undefined,
  nodes: new Map<string, NodeId>(),
  served: new Set<string>(),
  classical: new Set<string>(),
  cut: new Set<string>(),
  side: new Set<string>(),
  ends: { source: undefined as string | undefined, target: undefined as string | undefined },
  evidence: undefined as (string | null)[] | undefined,
  picking: 'source' as 'source' | 'target',
  /** What changed since the last redraw: only these are re-read by sigma (a route on 400k edges touches a few hundred). */
  dirty: { nodes: new Set<string>(), edges: new Set<string>() },
};

/** Redraws what changed: the dirty nodes and edges only, or everything when most of the graph changed. */
function redraw(): void {
  const { nodes, edges } = view.dirty;
  if (view.graph && nodes.size + edges.size < 0.2 * (view.graph.order + view.graph.size)) {
    view.renderer?.refresh({ partialGraph: { nodes: [...nodes], edges: [...edges] }, skipIndexation: true });
  } else view.renderer?.refresh();
  nodes.clear();
  edges.clear();
}

/** Marks a highlight set's members dirty, then empties it. */
function clearSet(set: Set<string>, kind: 'nodes' | 'edges'): void {
  for (const key of set) view.dirty[kind].add(key);
  set.clear();
}

function highlight(set: Set<string>, kind: 'nodes' | 'edges', keys: Iterable<string>): void {
  for (const key of keys) {
    set.add(key);
    view.dirty[kind].add(key);
  }
}

function setEnds(ends: { source: string | undefined; target: string | undefined }): void {
  for (const key of [view.ends.source, view.ends.target, ends.source, ends.target]) if (key !== undefined) view.dirty.nodes.add(key);
  view.ends = ends;
}

function mode(): 'route' | 'maxflow' {
  return (document.querySelector('input[name=mode]:checked') as HTMLInputElement).value as 'route' | 'maxflow';
}

function nodeReducer(node: string, data: Record<string, unknown>): Record<string, unknown> {
  if (node === view.ends.source || node === view.ends.target) return { ...data, color: node === view.ends.source ? COLOURS.source : COLOURS.target, size: 7, forceLabel: true, zIndex: 2 };
  if (view.side.has(node)) return { ...data, color: COLOURS.side };
  // Most nodes are drawn as they are: no copy per node per refresh.
  return data;
}

function edgeReducer(edge: string, data: Record<string, unknown>): Record<string, unknown> {
  const served = view.served.has(edge);
  const classical = view.classical.has(edge);
  const index = Number(edge.slice(1));
  if (served || classical) return { ...data, color: served && classical ? COLOURS.both : served ? COLOURS.route : COLOURS.classical, size: 4, zIndex: 2 };
  if (view.cut.has(edge)) return { ...data, color: COLOURS.cut, size: 4, zIndex: 2 };
  const evidence = view.evidence?.[index];
  return evidence ? { ...data, color: evidence, size: 2 } : data;
}

/** Draws a new graph, replacing the old one; resolves once the first frame is on screen. */
async function draw(drawing: Drawing): Promise<void> {
  view.layout?.kill();
  view.renderer?.kill();
  // A new graph starts clean: no answer of the old one shown, nothing of it left to redraw.
  clearAnswer();
  view.dirty.nodes.clear();
  view.dirty.edges.clear();
  view.ends = { source: undefined, target: undefined };
  $('answer').innerHTML = '<p>No question asked yet.</p>';
  performance.mark('explorer:read');
  const { graph, placed } = await toGraphology(drawing, { node: COLOURS.node, edge: COLOURS.edge }, () => new Promise((resolve) => setTimeout(resolve, 0)));
  performance.mark('explorer:graph');
  view.drawing = drawing;
  view.graph = graph;
  view.nodes = new Map(drawing.nodes.map((id) => [nodeKey(id), id]));
  let placement = placed ? `${placed} placed by their coordinates` : 'placed by a layout';
  if (placed === 0 && drawing.nodes.length > MAX_LAYOUT_NODES) placement = `placed at random: no coordinates, and too many nodes for a layout here (over ${MAX_LAYOUT_NODES})`;
  else if (placed === 0 && drawing.nodes.length > 1) {
    if (drawing.nodes.length <= SYNC_LAYOUT_NODES) {
      forceAtlas2.assign(graph, { iterations: Math.max(30, Math.min(200, Math.round(60_000 / drawing.nodes.length))), settings: { ...forceAtlas2.inferSettings(graph), barnesHutOptimize: drawing.nodes.length > 500 } });
    } else {
      // A big graph without coordinates settles in a worker for a few seconds while the page stays usable.
      view.layout = new FA2Layout(graph, { settings: { ...forceAtlas2.inferSettings(graph), barnesHutOptimize: true } });
      view.layout.start();
      const layout = view.layout;
      setTimeout(() => layout.kill(), 5000);
    }
  }
  performance.mark('explorer:layout');
  const list = $('node-list');
  list.replaceChildren(...drawing.nodes.slice(0, 5000).map((id) => Object.assign(document.createElement('option'), { value: String(id) })));
  view.renderer = new Sigma(graph, $('canvas'), {
    // Past LARGE_EDGES, one-pixel GL lines: a quarter of a quad's vertex data, uploaded on every render.
    defaultEdgeType: drawing.from.length > LARGE_EDGES ? 'thin' : drawing.directed ? 'arrow' : 'line',
    edgeProgramClasses: { arrow: EdgeArrowProgram, thin: EdgeLineProgram },
    nodeReducer,
    edgeReducer,
    zIndex: drawing.from.length <= LARGE_EDGES,
    renderLabels: drawing.nodes.length <= 5000,
    labelRenderedSizeThreshold: 6,
    hideEdgesOnMove: drawing.from.length > 50_000,
    allowInvalidContainer: true,
  });
  performance.mark('explorer:sigma');
  view.renderer.on('clickNode', ({ node }) => pick(node));
  $('graph-summary').textContent = `${drawing.nodes.length} nodes, ${drawing.from.length} edges${drawing.directed ? ' (directed)' : ''}; ${placement}`;
  await frame();
  performance.mark('explorer:drawn');
}

/** Two animation frames: sigma renders on the next one. */
const frame = () => new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve())));

function pick(node: string): void {
  const id = view.nodes.get(node);
  if (id === undefined) return;
  if (view.picking === 'source') {
    ($('source') as HTMLInputElement).value = String(id);
    setEnds({ source: node, target: undefined });
    view.picking = 'target';
    redraw();
  } else {
    ($('target') as HTMLInputElement).value = String(id);
    view.picking = 'source';
    void solve();
  }
}

/** The node a text field names: an exact id, trying the number where the graph has one. */
function nodeNamed(text: string): NodeId | undefined {
  if (view.nodes.has(nodeKey(text))) return text;
  const number = Number(text);
  if (text.trim() !== '' && Number.isSafeInteger(number) && view.nodes.has(nodeKey(number))) return number;
  return undefined;
}

function clearAnswer(): void {
  for (const set of [view.served, view.classical, view.cut]) clearSet(set, 'edges');
  clearSet(view.side, 'nodes');
  $('highlighted').textContent = '';
}

async function solve(): Promise<void> {
  if (!view.drawing) return;
  const source = nodeNamed(($('source') as HTMLInputElement).value);
  const target = nodeNamed(($('target') as HTMLInputElement).value);
  const sink = mode() === 'maxflow';
  if (source === undefined || target === undefined) {
    showError(new Error(`name a ${source === undefined ? 'source' : sink ? 'sink' : 'target'} node of the graph (or click one)`));
    return;
  }
  clearAnswer();
  setEnds({ source: nodeKey(source), target: nodeKey(target) });
  status('solving');
  try {
    const question = sink ? { source, sink: target } : { source, target };
    let answer: RouteAnswer | MaxflowAnswer;
    if (view.stored) answer = await call('POST', graphPath(view.stored.graphId, sink ? '/maxflow' : '/route'), question);
    else {
      const { target: _t, sink: _s, source: _so, ...rest } = view.body ?? {};
      answer = await call('POST', sink ? '/maxflow' : '/route', { ...rest, ...question });
    }
    if (sink) showMaxflow(answer as MaxflowAnswer);
    else showRoute(answer as RouteAnswer);
    performance.mark('explorer:answer');
    redraw();
    await frame();
    performance.mark('explorer:answer-drawn');
    status('ready');
  } catch (error) {
    showError(error);
  }
}

/** A secondary figure, readable (the exact value is in its tooltip and in the API's answer). */
const figure = (value: number) => `<span title="${value}">${Number(value.toPrecision(6))}</span>`;
const swatch = (colour: string) => `<span class="swatch" style="background:${colour}"></span>`;
const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function timings(timingsMs: Record<string, number>): string {
  return Object.entries(timingsMs).map(([stage, ms]) => `${escape(stage)} ${ms.toFixed(2)} ms`).join(', ');
}

function showRoute(answer: RouteAnswer): void {
  const served = answer.pathEdges ?? [];
  highlight(view.served, 'edges', served.map(edgeKey));
  const noisy = answer.solver.noisy;
  const rows: [string, string][] = [];
  rows.push(['Distance', `<span data-testid="distance">${answer.distance === null || answer.distance === undefined ? 'no route' : String(answer.distance)}</span>`]);
  rows.push(['Route', `${swatch(COLOURS.route)}${served.length} edges, ${escape((answer.path ?? []).map(String).join(' → ') || 'none')}`]);
  rows.push(['Certificate', `<span data-testid="verdict">${answer.certificate.verified ? 'verified' : 'not verified'}</span>${answer.certificate.costs ? ` (on the ${escape(answer.certificate.costs)} costs)` : ''}`]);
  rows.push(['Solver', `${escape(answer.solver.used)} (${escape(answer.solver.algorithm)})${answer.solver.fallbackReason ? `: ${escape(answer.solver.fallbackReason)}` : ''}`]);
  if (noisy?.classicalRoute) {
    highlight(view.classical, 'edges', noisy.classicalRoute.pathEdges.map(edgeKey));
    const learned = noisy.learnedRoute;
    rows.push([`Classical (${escape(noisy.estimate)})`, `${swatch(COLOURS.classical)}cost ${figure(noisy.classicalRoute.estimateCost)} under the ${escape(noisy.estimate)}`]);
    if (learned) {
      rows.push(['Learned', `${swatch(COLOURS.route)}cost ${figure(learned.estimateCost)} under the ${escape(noisy.estimate)}${learned.decodedCost !== undefined ? `, ${figure(learned.decodedCost)} decoded` : ''}`]);
      const { onlyLearned, onlyClassical } = routeDifference(learned.pathEdges, noisy.classicalRoute.pathEdges);
      rows.push(['Where they differ', onlyLearned.length + onlyClassical.length === 0 ? 'nowhere: the same edges' : `${onlyLearned.length} edges only on the learned route, ${onlyClassical.length} only on the classical one (${swatch(COLOURS.both)}shared)`]);
    }
  }
  rows.push(['Timings', timings(answer.timingsMs)]);
  $('answer').innerHTML = `<dl>${rows.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join('')}</dl>`;
  $('highlighted').textContent = JSON.stringify(served);
}

function showMaxflow(answer: MaxflowAnswer): void {
  highlight(view.cut, 'edges', answer.minCut.edges.map(edgeKey));
  highlight(view.side, 'nodes', answer.minCut.sourceSide.map(nodeKey));
  const rows: [string, string][] = [
    ['Flow value', `<span data-testid="flow-value">${String(answer.value)}</span>`],
    ['Cut capacity', `${swatch(COLOURS.cut)}<span data-testid="cut-capacity">${String(answer.minCut.capacity)}</span> over ${answer.minCut.edges.length} edges`],
    ['Source side', `${swatch(COLOURS.side)}${answer.minCut.sourceSide.length} nodes`],
    ['Certificate', `<span data-testid="verdict">${answer.certificate.verified ? 'verified' : 'not verified'}</span>`],
    ['Solver', `${escape(answer.solver.used)} (${escape(answer.solver.algorithm)})${answer.solver.fallbackReason ? `: ${escape(answer.solver.fallbackReason)}` : ''}`],
    ['Timings', timings(answer.timingsMs)],
  ];
  $('answer').innerHTML = `<dl>${rows.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join('')}</dl>`;
  $('highlighted').textContent = JSON.stringify(answer.minCut.edges);
}

function showError(error: unknown): void {
  const problem = error instanceof Problem ? error : undefined;
  const detail = problem?.body.errors?.length ? `<ul>${problem.body.errors.map((e) => `<li><code>${escape(e.pointer)}</code> ${escape(e.message)}</li>`).join('')}</ul>` : '';
  const code = problem?.body.code ? ` <code>${escape(problem.body.code)}</code>` : '';
  $('answer').innerHTML = `<p class="error" role="alert">${escape(error instanceof Error ? error.message : String(error))}${code}</p>${detail}`;
  status('error');
}

/** Opens a stored graph: its edges, evidence and model card. */
async function openStored(id: string): Promise<void> {
  status('loading');
  performance.mark('explorer:fetch');
  const stored = await call<StoredEdges>('GET', graphPath(id, '/edges'));
  view.stored = stored;
  view.body = undefined;
  ($('graph-id') as HTMLInputElement).value = id;
  await draw({ directed: stored.directed, nodes: stored.nodes, from: stored.edges.from, to: stored.edges.to, positions: stored.positions, noisy: true });
  $('evidence-section').hidden = false;
  $('model-section').hidden = false;
  applyEvidence();
  await showModel();
}

function applyEvidence(): void {
  const by = ($('colour-by') as HTMLSelectElement).value;
  if (!view.stored || by === 'none') {
    view.evidence = undefined;
    $('legend').textContent = '';
  } else {
    const kind = mode() === 'maxflow' ? 'capacity' : 'cost';
    const { colours, legend } = evidenceColours(view.stored.freshness[kind], by as 'age' | 'count');
    view.evidence = colours;
    $('legend').textContent = `${kind} observations. ${legend}`;
  }
  view.renderer?.refresh();
}

async function showModel(): Promise<void> {
  if (!view.stored) return;
  const kind = mode() === 'maxflow' ? 'capacity' : 'cost';
  if (!view.stored.fitted[kind]) {
    $('model').innerHTML = `<p>No ${kind} model fitted yet: a fit compares estimators on this graph's own held-out days (it needs 14 days of history).</p>`;
    return;
  }
  const card = await call<ModelCard>('GET', graphPath(view.stored.graphId, `/model${kind === 'capacity' ? '?kind=capacity' : ''}`));
  $('model').replaceChildren(renderModelCard(card));
}

async function fitStored(): Promise<void> {
  if (!view.stored) return;
  const id = view.stored.graphId;
  const kind = mode() === 'maxflow' ? 'capacity' : 'cost';
  status('fitting');
  try {
    let { job } = await call<{ job: { id: string; state: string; progress?: number; error?: string } }>('POST', graphPath(id, '/fit'), { kind });
    while (job.state === 'queued' || job.state === 'running') {
      $('model').textContent = `Fitting: ${Math.round((job.progress ?? 0) * 100)}%`;
      await new Promise((resolve) => setTimeout(resolve, 500));
      ({ job } = await call<{ job: typeof job }>('GET', graphPath(id, `/fit/${job.id}`)));
    }
    if (job.state !== 'done') throw new Error(`the fit ${job.state}${job.error ? `: ${job.error}` : ''}`);
    // The card exists now; the edges themselves did not change (and may be megabytes to fetch again).
    if (view.stored?.graphId === id) view.stored.fitted[kind] = true;
    await showModel();
    status('ready');
  } catch (error) {
    showError(error);
  }
}

async function openBody(text: string): Promise<void> {
  status('loading');
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new Error(`the body is not JSON: ${(error as Error).message}`);
  }
  const drawing = drawingOfBody(body);
  view.stored = undefined;
  view.body = body;
  $('evidence-section').hidden = true;
  $('model-section').hidden = true;
  await draw(drawing);
  const sink = body.sink !== undefined;
  if (sink) (document.querySelector('input[value=maxflow]') as HTMLInputElement).checked = true;
  modeChanged();
  if (body.source !== undefined) ($('source') as HTMLInputElement).value = String(body.source);
  const end = sink ? body.sink : body.target;
  if (end !== undefined) ($('target') as HTMLInputElement).value = String(end);
  if (body.source !== undefined && end !== undefined) await solve();
  else status('ready');
}

interface Demo {
  credit: string;
  graphId: string;
  timeZone: string;
  start: string;
  hourMs: number;
  positions: Drawing['positions'];
  links: { from: string; to: string; hourly: (number | null)[] }[];
  route: { source: string; target: string };
}

/** Registers the Aarhus demo as a stored graph (once per server) and opens it with its route. */
async function openDemo(): Promise<void> {
  status('loading');
  const demo = await call<Demo>('GET', '/explorer/aarhus-demo.json');
  const { graphs } = await call<{ graphs: { graphId: string; observations: { count: number } }[] }>('GET', '/graphs');
  if (!graphs.some((g) => g.graphId === demo.graphId && g.observations.count > 0)) {
    await call('PUT', graphPath(demo.graphId), { graph: { directed: true, positions: demo.positions, edges: demo.links.map(({ from, to }) => ({ from, to })) }, timeZone: demo.timeZone });
    const edge: number[] = [];
    const value: number[] = [];
    const time: number[] = [];
    // Shifted by whole weeks to end within the past week: weekdays stay weekdays, and the graph's retention keeps them.
    const WEEK = 7 * 24 * demo.hourMs;
    const end = Date.parse(demo.start) + (demo.links[0].hourly.length - 1) * demo.hourMs;
    const start = Date.parse(demo.start) + Math.floor((Date.now() - end) / WEEK) * WEEK;
    demo.links.forEach((link, i) => link.hourly.forEach((v, h) => {
      if (v === null) return;
      edge.push(i);
      value.push(v);
      time.push(start + h * demo.hourMs);
    }));
    await call('POST', graphPath(demo.graphId, '/observations'), { observations: { edge, value, time } });
  }
  $('credit').textContent = `Demo data: ${demo.credit}.`;
  ($('source') as HTMLInputElement).value = demo.route.source;
  ($('target') as HTMLInputElement).value = demo.route.target;
  (document.querySelector('input[value=route]') as HTMLInputElement).checked = true;
  modeChanged();
  await openStored(demo.graphId);
  ($('colour-by') as HTMLSelectElement).value = 'count';
  applyEvidence();
  await solve();
}

function modeChanged(): void {
  $('target-label').textContent = mode() === 'maxflow' ? 'Sink node' : 'Target node';
  if (view.stored) {
    applyEvidence();
    void showModel().catch(showError);
  }
}

function zoom(how: 'in' | 'out' | 'reset'): void {
  const camera = view.renderer?.getCamera();
  if (!camera) return;
  if (how === 'reset') void camera.animatedReset();
  else void (how === 'in' ? camera.animatedZoom(1.5) : camera.animatedUnzoom(1.5));
}

function wire(): void {
  const guard = (work: () => Promise<void>) => () => void work().catch(showError);
  $('demo').addEventListener('click', guard(openDemo));
  $('stored-form').addEventListener('submit', (event) => {
    event.preventDefault();
    guard(() => openStored(($('graph-id') as HTMLInputElement).value.trim()))();
  });
  $('api-key').addEventListener('change', () => {
    setApiKey(($('api-key') as HTMLInputElement).value);
    sessionStorage.setItem('narsolve-api-key', ($('api-key') as HTMLInputElement).value);
  });
  $('body-form').addEventListener('submit', (event) => {
    event.preventDefault();
    guard(() => openBody(($('body-input') as HTMLTextAreaElement).value))();
  });
  $('body-file').addEventListener('change', guard(async () => {
    const file = ($('body-file') as HTMLInputElement).files?.[0];
    if (!file) return;
    const text = await file.text();
    ($('body-input') as HTMLTextAreaElement).value = text.length <= 200_000 ? text : '';
    await openBody(text);
  }));
  $('question-form').addEventListener('submit', (event) => {
    event.preventDefault();
    void solve();
  });
  for (const radio of document.querySelectorAll('input[name=mode]')) radio.addEventListener('change', modeChanged);
  $('colour-by').addEventListener('change', applyEvidence);
  $('fit').addEventListener('click', () => void fitStored());
  $('zoom-in').addEventListener('click', () => zoom('in'));
  $('zoom-out').addEventListener('click', () => zoom('out'));
  $('zoom-reset').addEventListener('click', () => zoom('reset'));
}

/** ?graph=<id>&source=<node>&target=<node> (or &sink=<node>) opens that stored graph and answers. */
async function start(): Promise<void> {
  wire();
  const key = sessionStorage.getItem('narsolve-api-key') ?? '';
  ($('api-key') as HTMLInputElement).value = key;
  setApiKey(key);
  const params = new URLSearchParams(location.search);
  const graph = params.get('graph');
  const source = params.get('source');
  const end = params.get('sink') ?? params.get('target');
  if (params.has('sink')) (document.querySelector('input[value=maxflow]') as HTMLInputElement).checked = true;
  modeChanged();
  if (params.get('demo') === 'aarhus') return openDemo();
  if (!graph) {
    status('ready');
    return;
  }
  if (source !== null) ($('source') as HTMLInputElement).value = source;
  if (end !== null) ($('target') as HTMLInputElement).value = end;
  await openStored(graph);
  if (source !== null && end !== null) await solve();
  else status('ready');
}

start().catch(showError);

/** A stored graph's model card drawn small: each candidate's held-out regret as a bar, the chosen one marked. */

export interface ModelCard {
  graphId: string;
  kind: string;
  stale: boolean;
  refit: string;
  report: {
    fittedAt: string;
    validation: { from: string; to: string; metric: string; scored: number };
    candidates: { name: string; description: string; meanRegret: number; p95Regret: number }[];
    chosen: string;
    reason: string;
  };
}

const SVG = 'http://www.w3.org/2000/svg';

function element<K extends keyof SVGElementTagNameMap>(name: K, attributes: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

export function renderModelCard(card: ModelCard): HTMLElement {
  const box = document.createElement('figure');
  box.dataset.testid = 'model-card';
  const { candidates, chosen, validation } = card.report;
  const rowHeight = 18;
  const labelWidth = 150;
  const width = 310;
  const most = Math.max(...candidates.map((c) => c.meanRegret), 1e-12);
  const svg = element('svg', { width, height: rowHeight * candidates.length + 4, role: 'img', 'aria-label': `Mean ${validation.metric} of each candidate on the held-out days` });
  candidates.forEach((candidate, i) => {
    const y = i * rowHeight + 2;
    const bar = ((width - labelWidth - 60) * candidate.meanRegret) / most;
    const row = element('g', {});
    row.append(element('title', {}, `${candidate.name}: ${candidate.description}; mean ${(candidate.meanRegret * 100).toFixed(2)}%, p95 ${(candidate.p95Regret * 100).toFixed(2)}%`));
    row.append(element('text', { x: 0, y: y + 12 }, `${candidate.name === chosen ? '▸ ' : ''}${candidate.name}`));
    row.append(element('rect', { x: labelWidth, y: y + 2, width: Math.max(1, bar), height: rowHeight - 6, fill: candidate.name === chosen ? '#e8590c' : '#adb5bd' }));
    row.append(element('text', { x: labelWidth + bar + 4, y: y + 12 }, `${(candidate.meanRegret * 100).toFixed(2)}%`));
    svg.append(row);
  });
  const caption = document.createElement('figcaption');
  caption.textContent = `Mean ${validation.metric} on ${validation.scored} held-out cases (${validation.from.slice(0, 10)} to ${validation.to.slice(0, 10)}); serving ${chosen}: ${card.report.reason}${card.stale ? ' (stale: refit due)' : ''}`;
  box.append(svg, caption);
  return box;
}

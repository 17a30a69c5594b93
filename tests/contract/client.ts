/**
 * A small client typed by the types openapi-typescript generates from /openapi.json
 * (scripts/contract-check.sh). It compiles only if the document types every field a client uses:
 * column entries (not unknown[]), defaults left optional, the problems each operation answers.
 */
import type { components, paths } from './api';

type Schemas = components['schemas'];
type Json<T> = T extends { content: { 'application/json': infer B } } ? B : never;
type ProblemJson<T> = T extends { content: { 'application/problem+json': infer B } } ? B : never;

// A columnar route body: entries are node ids and numbers, and `directed` (which has a default) may be left out.
const columns: Schemas['WeightedEdgeColumns'] = { from: ['depot', 1], to: ['a', 2], weight: [4, null], observations: [null, [1.2, null]] };
const route: Json<paths['/route']['post']['requestBody']> = { graph: { edges: columns }, source: 'depot', target: 'a', solver: 'classical' };
const ids: Schemas['NodeId'][] = columns.from;

// A stored graph, its observations and a query by id.
const put: Json<paths['/graphs/{graphId}']['put']['requestBody']> = { graph: { edges: [{ from: 'a', to: 'b' }] }, retentionDays: 30 };
const batch: Json<paths['/graphs/{graphId}/observations']['post']['requestBody']> = { observations: { edge: [0], value: [2.5], time: ['2026-12-01T08:00:00Z'] }, kind: 'cost' };
const edges: number[] = batch.observations.edge;

// The answers and the problems a client must handle.
type RouteAnswer = Json<paths['/route']['post']['responses']['200']>;
type Problem = ProblemJson<paths['/graphs/{graphId}']['get']['responses']['404']>;
type Slow = paths['/route']['post']['responses']['408'];
type Precondition = paths['/graphs/{graphId}']['put']['responses']['412'];

export async function shortest(base: string): Promise<number | null | undefined> {
  const res = await fetch(`${base}/route`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(route) });
  if (!res.ok) {
    const problem = (await res.json()) as Problem;
    throw new Error(`${problem.code}: ${problem.detail}`);
  }
  const answer = (await res.json()) as RouteAnswer;
  const certified: boolean = answer.certificate.verified;
  return certified ? answer.distance : undefined;
}

export const used = { ids, put, edges, slow: undefined as Slow | undefined, precondition: undefined as Precondition | undefined };

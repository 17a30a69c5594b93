import { solveMaxflow } from '../src/services/maxflow';
import { CLRS_FLOW_NETWORK, pyramidNetwork } from '../generators/graphs';
import { expectMatchesSchema, refusal, testContext } from './helpers';

const ctx = testContext();
const maxflow = (body: unknown) => solveMaxflow(body, ctx);

describe('POST /maxflow semantics (library level)', () => {
  test('the CLRS textbook network has maximum flow 23, proven by a cut of capacity 23', async () => {
    const answer = await maxflow({ graph: { edges: CLRS_FLOW_NETWORK }, source: 's', sink: 't' });
    expect(answer.value).toBe(23);
    expect(answer.minCut.capacity).toBe(23);
    expect(answer.certificate).toEqual({ kind: 'maxflow-mincut', verified: true, capacityMaxViolation: 0, conservationMaxError: 0, value: 23, cutCapacity: 23, tolerance: 0 });
    expect(answer.flows).toHaveLength(CLRS_FLOW_NETWORK.length);
    const cutCapacity = answer.minCut.edges.reduce((sum, i) => sum + CLRS_FLOW_NETWORK[i].capacity, 0);
    expect(cutCapacity).toBe(23);
    expect(answer.minCut.sourceSide).toContain('s');
    expect(answer.minCut.sourceSide).not.toContain('t');
    expectMatchesSchema('maxflow-response.json', answer);
  });

  test('fractional capacities: the pyramid network carries exactly 1 within the documented tolerance', async () => {
    const { edges, expected } = pyramidNetwork(40);
    const answer = await maxflow({ graph: { edges }, source: 's', sink: 't' });
    expect(Math.abs(answer.value - expected)).toBeLessThan(1e-12);
    expect(answer.certificate.verified).toBe(true);
    expect(answer.certificate.tolerance).toBeCloseTo(1e-9, 15);
    expect(Math.abs(answer.minCut.capacity - answer.value)).toBeLessThan(1e-12);
  });

  test('when the sink is unreachable, the flow is 0 and the cut is the reachable set', async () => {
    const answer = await maxflow({ graph: { nodes: ['s', 'a', 't'], edges: [{ from: 's', to: 'a', capacity: 5 }] }, source: 's', sink: 't' });
    expect(answer.value).toBe(0);
    expect(answer.minCut).toEqual({ sourceSide: ['s', 'a'], edges: [], capacity: 0 });
  });

  test('undirected edges carry signed flow in their from→to direction', async () => {
    const answer = await maxflow({
      graph: { directed: false, edges: [{ from: 'a', to: 's', capacity: 4 }, { from: 'a', to: 't', capacity: 3 }, { from: 't', to: 's', capacity: 2 }] },
      source: 's',
      sink: 't',
    });
    expect(answer.value).toBe(5);
    expect(answer.flows).toEqual([-3, 3, -2]);
  });

  test('parallel edges add up, self-loops and zero capacities carry nothing', async () => {
    const answer = await maxflow({
      graph: { edges: [{ from: 's', to: 't', capacity: 2 }, { from: 's', to: 't', capacity: 3 }, { from: 's', to: 's', capacity: 9 }, { from: 's', to: 't', capacity: 0 }] },
      source: 's',
      sink: 't',
    });
    expect(answer.value).toBe(5);
    expect(answer.flows).toEqual([2, 3, 0, 0]);
  });

  test('integer ids come back as integers', async () => {
    const answer = await maxflow({ graph: { edges: [{ from: 1, to: 2, capacity: 1 }] }, source: 1, sink: 2 });
    expect(answer).toMatchObject({ source: 1, sink: 2, minCut: { sourceSide: [1] } });
  });

  test('source equal to sink is refused at /sink', async () => {
    const error = await refusal(() => maxflow({ graph: { edges: [{ from: 1, to: 2, capacity: 1 }] }, source: 1, sink: 1 }));
    expect(error.code).toBe('InvalidInput');
    expect(error.errors).toEqual([{ pointer: '/sink', message: 'must differ from /source' }]);
  });

  test('a negative capacity is refused by the schema at its pointer', async () => {
    const error = await refusal(() => maxflow({ graph: { edges: [{ from: 1, to: 2, capacity: -1 }] }, source: 1, sink: 2 }));
    expect(error.errors?.[0]).toEqual({ pointer: '/graph/edges/0/capacity', message: 'must be >= 0' });
  });

  test('an unknown sink is refused at /sink', async () => {
    const error = await refusal(() => maxflow({ graph: { edges: [{ from: 1, to: 2, capacity: 1 }] }, source: 1, sink: 3 }));
    expect(error.errors?.[0].pointer).toBe('/sink');
  });

  test('solver "learned" answers ModelUnavailable', async () => {
    const error = await refusal(() => maxflow({ graph: { edges: [{ from: 1, to: 2, capacity: 1 }] }, source: 1, sink: 2, solver: 'learned' }));
    expect(error.code).toBe('ModelUnavailable');
  });
});

import { solveRoute } from '../src/services/route';
import { expectMatchesSchema, refusal, testContext } from './helpers';

const ctx = testContext();
const route = (body: unknown) => solveRoute(body, ctx);

describe('POST /route semantics (library level)', () => {
  test('when a shorter path exists through more edges, answers it with the path edges', async () => {
    const answer = await route({
      graph: { edges: [{ from: 'a', to: 'b', weight: 1 }, { from: 'b', to: 'c', weight: 2 }, { from: 'a', to: 'c', weight: 5 }] },
      source: 'a',
      target: 'c',
    });
    expect(answer).toMatchObject({ code: 'Ok', distance: 3, path: ['a', 'b', 'c'], pathEdges: [0, 1] });
    expect(answer.certificate).toEqual({ kind: 'shortest-path-potentials', verified: true, checkedEdges: 3, maxViolation: 0, tolerance: 'exact' });
    expect(answer.solver).toMatchObject({ used: 'classical', algorithm: 'dijkstra' });
    expectMatchesSchema('route-response.json', answer);
  });

  test('when the target is unreachable, answers NoRoute with null distance and path', async () => {
    const answer = await route({ graph: { nodes: ['a', 'b', 'z'], edges: [{ from: 'a', to: 'b', weight: 1 }] }, source: 'a', target: 'z' });
    expect(answer).toMatchObject({ code: 'NoRoute', distance: null, path: null, pathEdges: null });
    expect(answer.certificate.verified).toBe(true);
    expectMatchesSchema('route-response.json', answer);
  });

  test('when the target is reachable only against edge direction, answers NoRoute; undirected answers Ok', async () => {
    const edges = [{ from: 'b', to: 'a', weight: 4 }];
    expect((await route({ graph: { edges }, source: 'a', target: 'b' })).code).toBe('NoRoute');
    expect(await route({ graph: { directed: false, edges }, source: 'a', target: 'b' })).toMatchObject({ code: 'Ok', distance: 4, path: ['a', 'b'], pathEdges: [0] });
  });

  test('when source equals target, answers distance 0 and a one-node path', async () => {
    const answer = await route({ graph: { edges: [{ from: 1, to: 2, weight: 3 }] }, source: 1, target: 1 });
    expect(answer).toMatchObject({ code: 'Ok', distance: 0, path: [1], pathEdges: [] });
  });

  test('self-loops and parallel edges: picks the cheapest parallel edge and ignores loops', async () => {
    const answer = await route({
      graph: { edges: [{ from: 'a', to: 'a', weight: 0 }, { from: 'a', to: 'b', weight: 7 }, { from: 'a', to: 'b', weight: 2 }, { from: 'a', to: 'b', weight: 5 }] },
      source: 'a',
      target: 'b',
    });
    expect(answer).toMatchObject({ distance: 2, pathEdges: [2] });
  });

  test('zero weights are fine and give zero-length paths', async () => {
    const answer = await route({ graph: { edges: [{ from: 'a', to: 'b', weight: 0 }, { from: 'b', to: 'c', weight: 0 }] }, source: 'a', target: 'c' });
    expect(answer).toMatchObject({ distance: 0, path: ['a', 'b', 'c'] });
  });

  test('integer and string ids are different nodes and come back exactly as given', async () => {
    const answer = await route({
      graph: { edges: [{ from: 1, to: '1', weight: 1 }, { from: '1', to: 2, weight: 1 }, { from: 1, to: 2, weight: 5 }] },
      source: 1,
      target: 2,
    });
    expect(answer.path).toEqual([1, '1', 2]);
    expect(answer.source).toBe(1);
    expect(answer.target).toBe(2);
  });

  test('negative edges without a negative cycle use Bellman-Ford and are exact', async () => {
    const answer = await route({
      graph: { edges: [{ from: 's', to: 'a', weight: 4 }, { from: 's', to: 'b', weight: 2 }, { from: 'a', to: 'b', weight: -3 }, { from: 'b', to: 't', weight: 1 }] },
      source: 's',
      target: 't',
    });
    expect(answer).toMatchObject({ distance: 2, path: ['s', 'a', 'b', 't'], solver: { algorithm: 'bellman-ford' } });
  });

  test('when a negative cycle is reachable, refuses with NegativeCycle and the cycle as proof', async () => {
    const error = await refusal(() =>
      route({
        graph: { edges: [{ from: 's', to: 'a', weight: 1 }, { from: 'a', to: 'b', weight: 1 }, { from: 'b', to: 'c', weight: -5 }, { from: 'c', to: 'a', weight: 2 }, { from: 'c', to: 't', weight: 1 }] },
        source: 's',
        target: 't',
      }),
    );
    expect(error.code).toBe('NegativeCycle');
    expect(error.status).toBe(422);
    const { cycle, cycleEdges, cycleWeight } = error.extensions as { cycle: string[]; cycleEdges: number[]; cycleWeight: number };
    expect(cycleWeight).toBe(-2);
    expect(cycle[0]).toBe(cycle[cycle.length - 1]);
    expect(new Set(cycle)).toEqual(new Set(['a', 'b', 'c']));
    expect(cycleEdges.sort()).toEqual([1, 2, 3]);
    expectMatchesSchema('problem.json', error.toProblem());
  });

  test('a negative cycle the source cannot reach does not matter', async () => {
    const answer = await route({
      graph: { edges: [{ from: 's', to: 't', weight: 3 }, { from: 'x', to: 'y', weight: -1 }, { from: 'y', to: 'x', weight: -1 }] },
      source: 's',
      target: 't',
    });
    expect(answer).toMatchObject({ code: 'Ok', distance: 3 });
  });

  test('an undirected edge with negative weight is a negative cycle walked both ways', async () => {
    const error = await refusal(() => route({ graph: { directed: false, edges: [{ from: 's', to: 'a', weight: 1 }, { from: 'a', to: 'b', weight: -1 }] }, source: 's', target: 'b' }));
    expect(error.code).toBe('NegativeCycle');
    expect(error.extensions).toMatchObject({ cycleWeight: -2, cycleEdges: [1, 1] });
  });

  test('a negative self-loop is a negative cycle', async () => {
    const error = await refusal(() => route({ graph: { edges: [{ from: 's', to: 's', weight: -1 }] }, source: 's' }));
    expect(error.extensions).toMatchObject({ cycle: ['s', 's'], cycleWeight: -1 });
  });

  test('without a target, answers the whole tree with null for unreachable nodes', async () => {
    const answer = await route({
      graph: { nodes: ['s', 'a', 'b', 'lonely'], edges: [{ from: 's', to: 'a', weight: 2 }, { from: 'a', to: 'b', weight: 2 }, { from: 's', to: 'b', weight: 5 }] },
      source: 's',
    });
    expect(answer.tree).toEqual({
      distance: { s: 0, a: 2, b: 4, lonely: null },
      predecessor: { s: null, a: 's', b: 'a', lonely: null },
      predecessorEdge: { s: null, a: 0, b: 1, lonely: null },
    });
    expectMatchesSchema('route-response.json', answer);
  });

  test('a node named "__proto__" is an ordinary node in a whole-tree answer', async () => {
    const answer = await route({ graph: { edges: [{ from: 'a', to: '__proto__', weight: 2 }] }, source: 'a' });
    // Compared as JSON text: an object literal with a __proto__ key would set the prototype instead.
    expect(JSON.stringify(answer.tree)).toBe('{"distance":{"a":0,"__proto__":2},"predecessor":{"a":null,"__proto__":"a"},"predecessorEdge":{"a":null,"__proto__":0}}');
  });

  test('weights near 1e15 keep integer sums exact until they pass 2^53, then switch to a relative tolerance', async () => {
    const small = await route({ graph: { edges: [{ from: 'a', to: 'b', weight: 1e15 }, { from: 'b', to: 'c', weight: 1e15 + 1 }] }, source: 'a', target: 'c' });
    expect(small).toMatchObject({ distance: 2e15 + 1, certificate: { tolerance: 'exact', verified: true } });
    const big = await route({
      graph: { edges: Array.from({ length: 12 }, (_, i) => ({ from: i, to: i + 1, weight: 999_999_999_999_999 })) },
      source: 0,
      target: 12,
    });
    expect(big.certificate).toMatchObject({ verified: true, tolerance: 'relative 1e-9' });
    expect(big.distance).toBeCloseTo(12 * 999_999_999_999_999, -3);
  });

  test('fractional weights are verified within the documented relative tolerance', async () => {
    const answer = await route({ graph: { edges: [{ from: 'a', to: 'b', weight: 0.1 }, { from: 'b', to: 'c', weight: 0.2 }, { from: 'a', to: 'c', weight: 0.30000000000000004 }] }, source: 'a', target: 'c' });
    expect(answer.certificate).toMatchObject({ verified: true, tolerance: 'relative 1e-9' });
    expect(answer.distance).toBeCloseTo(0.3, 12);
  });
});

describe('route input errors', () => {
  test('an edge naming a node missing from an explicit node list is refused at its pointer', async () => {
    const error = await refusal(() => route({ graph: { nodes: ['a'], edges: [{ from: 'a', to: 'b', weight: 1 }] }, source: 'a' }));
    expect(error.code).toBe('InvalidInput');
    expect(error.errors).toEqual([{ pointer: '/graph/edges/0/to', message: 'node "b" is not in /graph/nodes' }]);
  });

  test('an unknown source or target is refused at /source or /target', async () => {
    const g = { edges: [{ from: 'a', to: 'b', weight: 1 }] };
    expect((await refusal(() => route({ graph: g, source: 'x' }))).errors?.[0].pointer).toBe('/source');
    expect((await refusal(() => route({ graph: g, source: 'a', target: 2 }))).errors?.[0].pointer).toBe('/target');
  });

  test('duplicate node ids are refused at the duplicate', async () => {
    const error = await refusal(() => route({ graph: { nodes: ['a', 'b', 'a'], edges: [] }, source: 'a' }));
    expect(error.errors?.[0]).toEqual({ pointer: '/graph/nodes/2', message: 'duplicate node id "a"' });
  });

  test('non-finite weights from library callers are refused at their pointer', async () => {
    for (const weight of [NaN, Infinity, -Infinity]) {
      const error = await refusal(() => route({ graph: { edges: [{ from: 'a', to: 'b', weight }] }, source: 'a' }));
      expect(error.code).toBe('InvalidInput');
      expect(error.errors?.[0].pointer).toBe('/graph/edges/0/weight');
    }
  });

  test('schema violations come back together, each with a JSON pointer', async () => {
    const error = await refusal(() => route({ graph: { edges: [{ from: 'a', to: 1.5, weight: '3' }, { to: 'b', weight: 1 }] }, source: 'a', solver: 'fast', extra: true }));
    expect(error.errors).toEqual(
      expect.arrayContaining([
        { pointer: '/graph/edges/0/to', message: expect.stringContaining('node id') },
        { pointer: '/graph/edges/0/weight', message: 'must be number' },
        { pointer: '/graph/edges/1/from', message: 'is required' },
        { pointer: '/solver', message: 'must be one of "auto", "classical", "learned"' },
        { pointer: '/extra', message: 'is not a known property' },
      ]),
    );
  });

  test('a huge request in which every edge is bad is refused quickly with the first 20 located errors', async () => {
    // Collecting every error of 300k bad edges took minutes before validation was bounded; the jest timeout guards it.
    const edges = Array.from({ length: 300_000 }, (_, i) => ({ from: i, to: i + 1 }));
    const error = await refusal(() => route({ graph: { edges }, source: 0 }));
    expect(error.errors).toHaveLength(20);
    expect(error.errors?.[19]).toEqual({ pointer: '/graph/edges/19/weight', message: 'is required' });
  });

  test('bad node list entries are located in /graph/nodes', async () => {
    const error = await refusal(() => route({ graph: { nodes: ['a', 2.5, ''], edges: [] }, source: 'a' }));
    expect(error.errors?.map((e) => e.pointer)).toEqual(['/graph/nodes/1', '/graph/nodes/2']);
  });

  test('solver "learned" answers ModelUnavailable until a model is served', async () => {
    const error = await refusal(() => route({ graph: { edges: [{ from: 'a', to: 'b', weight: 1 }] }, source: 'a', solver: 'learned' }));
    expect(error.code).toBe('ModelUnavailable');
    expect(error.status).toBe(503);
  });

  test('a graph past the edge limit is refused as TooBig before it is read', async () => {
    const small = testContext({ maxEdges: 2 });
    const error = await refusal(() => solveRoute({ graph: { edges: [1, 2, 3] }, source: 'a' }, small));
    expect(error.code).toBe('TooBig');
    expect(error.errors?.[0].pointer).toBe('/graph/edges');
  });

  test('a graph whose edges imply more nodes than the limit is refused as TooBig', async () => {
    const small = testContext({ maxNodes: 2 });
    const error = await refusal(() => solveRoute({ graph: { edges: [{ from: 1, to: 2, weight: 1 }, { from: 2, to: 3, weight: 1 }] }, source: 1 }, small));
    expect(error.code).toBe('TooBig');
  });

  test('a search that would pass the work limit stops with WorkLimitExceeded', async () => {
    const tight = testContext({ maxWork: 50 });
    const edges = Array.from({ length: 200 }, (_, i) => ({ from: i, to: i + 1, weight: -1 }));
    const error = await refusal(() => solveRoute({ graph: { edges }, source: 0 }, tight));
    expect(error.code).toBe('WorkLimitExceeded');
    expect(error.message).toContain('NARSOLVE_MAX_WORK');
  });

  test('a whole-tree answer refuses ids that collide as object keys', async () => {
    const error = await refusal(() => route({ graph: { edges: [{ from: 1, to: '1', weight: 1 }] }, source: 1 }));
    expect(error.code).toBe('InvalidInput');
  });
});

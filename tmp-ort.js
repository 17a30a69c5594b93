const ort = require('onnxruntime-node');
const { compactGraph } = require('./dist/src/graph/compact.js');
const { encodeBellmanFord } = require('./dist/src/solvers/learned/encode.js');
const { DEFAULT_LIMITS } = require('./dist/src/config.js');
const { randomWeightedGraph } = require('./dist/tests/generators/graphs.js');
(async () => {
  for (const threads of [1, 2]) {
  const s = await ort.InferenceSession.create('/tmp/m2/bellman_ford.onnx', { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
  for (const [n, m] of [[1000, 5000]]) {
    const g = compactGraph({ edges: randomWeightedGraph(n, m, 3) }, 'weight', DEFAULT_LIMITS);
    const x = encodeBellmanFord(g, 0);
    console.log('K', x.k);
    const feeds = { h: new ort.Tensor('float32', new Float32Array(n * 64), [n, 64]), source: new ort.Tensor('float32', x.source, [n]),
      nbr_index: new ort.Tensor('int64', x.nbrIndex, [n, x.k]), nbr_weight: new ort.Tensor('float32', x.nbrWeight, [n, x.k]), nbr_mask: new ort.Tensor('float32', x.nbrMask, [n, x.k]) };
    for (let r = 0; r < 3; r++) { const t = performance.now(); for (let i = 0; i < 20; i++) { const o = await s.run(feeds); feeds.h = o.h_next; } console.log(threads, 'per step ms', (performance.now() - t) / 20); }
  }
  }
})();

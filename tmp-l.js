const { loadLearnedSolvers } = require('./dist/src/solvers/learned/index.js');
const { solveRoute } = require('./dist/src/index.js');
const { randomWeightedGraph, withPotential } = require('./dist/tests/generators/graphs.js');
(async () => {
  const learned = await loadLearnedSolvers({ modelsDir: '/tmp/m2' });
  console.log(learned.route);
  for (const [n, m] of [[16, 40], [64, 200], [1000, 5000]]) {
    const edges = randomWeightedGraph(n, m, 3);
    const a = await solveRoute({ graph: { edges }, source: 0 }, { learned });
    console.log(n, a.solver, a.certificate.verified, a.timingsMs);
  }
  await learned.close();
})();

// Boost Graph Library baselines for npm run bench (built by bench/native.ts, never by install or tests).
//
//   boost_baselines maxflow <file>   push-relabel maximum flow
//   boost_baselines route <file>     Dijkstra from s to t
//
// <file>: a first line "n m s t", then m lines "u v value" (nodes 0..n-1, directed). Prints one JSON
// line: the answer and the milliseconds to build the graph and to solve, timed here so that process
// start-up and file reading are not counted (narsolve's parse is not counted either).
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/compressed_sparse_row_graph.hpp>
#include <boost/graph/dijkstra_shortest_paths.hpp>
#include <boost/graph/push_relabel_max_flow.hpp>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <vector>

using Clock = std::chrono::steady_clock;
static double ms(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double, std::milli>(b - a).count(); }

struct Input { long n, m, s, t; std::vector<long> u, v; std::vector<double> w; };

static bool read(const char *path, Input &in) {
  std::ifstream f(path);
  if (!(f >> in.n >> in.m >> in.s >> in.t)) return false;
  in.u.resize(in.m); in.v.resize(in.m); in.w.resize(in.m);
  for (long i = 0; i < in.m; i++) if (!(f >> in.u[i] >> in.v[i] >> in.w[i])) return false;
  return true;
}

static int maxflow(const Input &in) {
  using Traits = boost::adjacency_list_traits<boost::vecS, boost::vecS, boost::directedS>;
  using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS, boost::no_property,
      boost::property<boost::edge_capacity_t, double,
      boost::property<boost::edge_residual_capacity_t, double,
      boost::property<boost::edge_reverse_t, Traits::edge_descriptor>>>>;
  auto t0 = Clock::now();
  Graph g(in.n);
  auto cap = boost::get(boost::edge_capacity, g);
  auto rev = boost::get(boost::edge_reverse, g);
  for (long i = 0; i < in.m; i++) {
    if (in.u[i] == in.v[i]) continue;
    auto e = boost::add_edge(in.u[i], in.v[i], g).first;
    auto r = boost::add_edge(in.v[i], in.u[i], g).first;
    cap[e] = in.w[i]; cap[r] = 0; rev[e] = r; rev[r] = e;
  }
  auto t1 = Clock::now();
  double value = boost::push_relabel_max_flow(g, in.s, in.t);
  auto t2 = Clock::now();
  std::printf("{\"value\":%.17g,\"buildMs\":%.3f,\"solveMs\":%.3f}\n", value, ms(t0, t1), ms(t1, t2));
  return 0;
}

static int route(const Input &in) {
  using Graph = boost::compressed_sparse_row_graph<boost::directedS, boost::no_property, boost::property<boost::edge_weight_t, double>>;
  auto t0 = Clock::now();
  std::vector<std::pair<long, long>> ends(in.m);
  for (long i = 0; i < in.m; i++) ends[i] = {in.u[i], in.v[i]};
  Graph g(boost::edges_are_unsorted_multi_pass, ends.begin(), ends.end(), in.w.begin(), in.n);
  auto t1 = Clock::now();
  std::vector<double> d(in.n);
  boost::dijkstra_shortest_paths(g, in.s, boost::distance_map(boost::make_iterator_property_map(d.begin(), boost::get(boost::vertex_index, g))));
  auto t2 = Clock::now();
  std::printf("{\"value\":%.17g,\"buildMs\":%.3f,\"solveMs\":%.3f}\n", d[in.t], ms(t0, t1), ms(t1, t2));
  return 0;
}

int main(int argc, char **argv) {
  Input in;
  if (argc != 3 || !read(argv[2], in)) { std::fprintf(stderr, "usage: boost_baselines maxflow|route <file>\n"); return 2; }
  return std::strcmp(argv[1], "maxflow") == 0 ? maxflow(in) : route(in);
}

"""Training, export and evaluation of narsolve's learned solvers."""

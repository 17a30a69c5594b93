"""Experiments and ablations the model card reports; they import narsolve_train, never the other way round."""

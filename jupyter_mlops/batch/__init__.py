"""Batches: a notebook run over a grid of parameter sets, each set an ordinary run."""

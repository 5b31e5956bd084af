"""Causal graphs: the :class:`CausalGraph` type, conversions, d-separation and comparison metrics."""

from causalkit.graphs._graph import CausalGraph, Edge, Mark, parse_edge

__all__ = ["CausalGraph", "Edge", "Mark", "parse_edge"]

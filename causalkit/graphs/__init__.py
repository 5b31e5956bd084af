"""Causal graphs: the :class:`CausalGraph` type, conversions, d-separation and comparison metrics."""

from causalkit.graphs._graph import CausalGraph, Edge, Mark, parse_edge
from causalkit.graphs.equivalence import (
    dag_to_cpdag,
    dag_to_pag,
    enumerate_dags,
    is_markov_equivalent,
    meek_closure,
    v_structures,
)
from causalkit.graphs.io import (
    from_adjacency,
    from_causallearn,
    from_dot,
    from_edge_list,
    from_gml,
    from_networkx,
    from_pgmpy,
    parse_graph,
    to_adjacency,
    to_dot,
    to_gml,
)
from causalkit.graphs.metrics import arrowhead_metrics, compare_graphs, shd, skeleton_metrics
from causalkit.graphs.plotting import graph_layout, plot_graph
from causalkit.graphs.separation import Independence, d_separated, independencies

__all__ = [
    "CausalGraph",
    "Edge",
    "Mark",
    "parse_edge",
    # io
    "parse_graph",
    "from_networkx",
    "from_dot",
    "to_dot",
    "from_gml",
    "to_gml",
    "from_pgmpy",
    "from_causallearn",
    "from_adjacency",
    "to_adjacency",
    "from_edge_list",
    # separation
    "d_separated",
    "independencies",
    "Independence",
    # equivalence
    "dag_to_cpdag",
    "dag_to_pag",
    "is_markov_equivalent",
    "enumerate_dags",
    "v_structures",
    "meek_closure",
    # metrics
    "shd",
    "skeleton_metrics",
    "arrowhead_metrics",
    "compare_graphs",
    # plotting
    "plot_graph",
    "graph_layout",
]

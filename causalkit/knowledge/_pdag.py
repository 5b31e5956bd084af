"""Small PDAG helpers: consistent DAG extensions (Dor & Tarsi 1992) and safe orientation of CPDAG edges."""

from __future__ import annotations

from causalkit.graphs import CausalGraph, meek_closure, v_structures

__all__ = ["dag_extension", "orient_in_class"]


def dag_extension(graph: CausalGraph) -> CausalGraph | None:
    """A DAG with the skeleton, directed edges and v-structures of the PDAG ``graph``, or None.

    Dor & Tarsi's algorithm: repeatedly remove a node that has no outgoing directed edge and whose
    undirected neighbours are adjacent to all of its other adjacent nodes, orienting its undirected
    edges into it. It fails (None) exactly when no consistent extension exists.
    """
    adj = {n: set(graph.adjacent(n)) for n in graph.nodes}
    children = {n: set(graph.children(n)) for n in graph.nodes}
    undirected = {n: set(graph.neighbors(n)) for n in graph.nodes}
    if any(graph.edge_kind(e.u, e.v) not in ("-->", "---") for e in graph.edges()):
        return None
    dag = CausalGraph(nodes=graph.nodes, edges=[(e.u, e.v) for e in graph.edges("-->")])
    alive = set(graph.nodes)
    while alive:
        for x in graph.nodes:
            if x not in alive or children[x] & alive:
                continue
            nbrs = undirected[x] & alive
            others = adj[x] & alive
            if all((others - {y}) <= adj[y] for y in nbrs):
                for y in nbrs:
                    dag.add_edge(y, x, "-->")
                alive.discard(x)
                break
        else:
            return None
    return dag


def orient_in_class(cpdag: CausalGraph, u: str, v: str) -> CausalGraph | None:
    """Orient the undirected edge ``u --- v`` of ``cpdag`` as ``u --> v`` and close under Meek's rules.

    Returns the new PDAG, or None when the orientation would leave the Markov equivalence class of
    ``cpdag``: it creates a v-structure the CPDAG does not have, or no DAG extends it.
    """
    g = cpdag.copy()
    g.orient(u, v)
    if v_structures(g) != v_structures(cpdag):
        return None
    closed = meek_closure(g)
    if dag_extension(closed) is None:
        return None
    return closed

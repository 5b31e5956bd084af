"""Causal discovery from stated independences: PC and FCI with an independence oracle.

:func:`oracle_pc` and :func:`oracle_fci` run causalkit's :func:`~causalkit.discovery.pc` and
:func:`~causalkit.discovery.fci` with the oracle CI test of :mod:`causalkit.reasoning.facts`
(p = 1 for a stated independence, 0 otherwise) on a placeholder data table, so they return the
Markov equivalence class (CPDAG / PAG) exactly as the algorithms define it. Both then check that
the facts are *faithful* to some DAG: one member of the returned class must imply exactly the stated
independences (with the closure) - otherwise no DAG explains the facts and the answer would be
meaningless. ``on_unfaithful="raise"`` (default) raises a clear error, ``"warn"`` returns the result
with ``extra["faithful"] = False`` and the reason in ``warnings``.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from causalkit._validation import check_choice
from causalkit.exceptions import InvalidInputError
from causalkit.graphs import CausalGraph
from causalkit.reasoning._bits import bitdag_from_graph, bits, extend_pdag
from causalkit.reasoning.facts import FactSet, IndependenceFact, make_oracle_test
from causalkit.results import DiscoveryResult, provenance

__all__ = ["oracle_pc", "oracle_fci", "check_faithful", "independence_facts_of", "FULL_CHECK_MAX_VARIABLES"]

#: Up to this many variables the faithfulness check compares every (pair, conditioning set).
FULL_CHECK_MAX_VARIABLES = 12


def _as_factset(variables: Sequence[str] | FactSet, facts: Iterable[Any] | None, closure: bool) -> FactSet:
    if isinstance(variables, FactSet):
        if facts:
            raise InvalidInputError("Pass either a FactSet or (variables, facts), not both.")
        return variables
    facts = list(facts or ())
    if not isinstance(variables, str) and all(isinstance(f, str) for f in facts):
        try:
            return _factset_from_strings(tuple(variables), tuple(facts), bool(closure))
        except TypeError:  # unhashable variable names: build it uncached
            pass
    return FactSet(variables, facts, closure=closure)


@lru_cache(maxsize=4096)
def _factset_from_strings(variables: tuple, facts: tuple, closure: bool) -> FactSet:
    return FactSet(list(variables), facts, closure=closure)


def _placeholder(n_vars: int, rows: int = 12) -> np.ndarray:
    """A fixed, non-constant numeric table: the algorithms validate data the oracle never reads."""
    return np.random.default_rng(0).normal(size=(rows, n_vars))


def check_faithful(facts: FactSet, graph: CausalGraph) -> tuple[bool, str]:
    """Whether a DAG in the class of ``graph`` implies exactly the stated facts.

    Parameters
    ----------
    facts : FactSet
    graph : CausalGraph
        A CPDAG (or DAG) over ``facts.variables``.

    Returns
    -------
    ok : bool
    reason : str
        Empty when ``ok``; otherwise the first mismatch, in words.

    Notes
    -----
    With ``facts.closure`` and at most :data:`FULL_CHECK_MAX_VARIABLES` variables every pair and
    conditioning set is compared (the independence model must match exactly). Otherwise only the
    stated facts are checked against d-separation.
    """
    if graph.kind not in ("dag", "cpdag"):
        return False, (
            f"the algorithm's output is a {graph.kind.upper()} (edges {', '.join(map(str, graph.edges()[:4]))}), "
            "not a CPDAG: the facts conflict (e.g. two colliders that orient one edge both ways)"
        )
    dag = extend_pdag(graph)
    if dag is None:
        return False, "the output has no consistent DAG extension (orienting it forces a cycle or a new collider)"
    names = facts.variables
    bd = bitdag_from_graph(dag, names)
    index = {v: i for i, v in enumerate(names)}

    def describe(x: str, y: str, given: Iterable[str], stated: bool) -> str:
        cond = f" given {', '.join(sorted(given))}" if given else ""
        said = "independent" if stated else "dependent"
        return (f"the facts say {x} and {y} are {said}{cond}, but no DAG with the implied structure "
                f"({', '.join(dag.to_edge_list()) or 'no edges'}) has that")

    if facts.closure and len(names) <= FULL_CHECK_MAX_VARIABLES:
        for x, y in itertools.combinations(names, 2):
            others = [v for v in names if v not in (x, y)]
            for k in range(len(others) + 1):
                for combo in itertools.combinations(others, k):
                    stated = facts.independent(x, y, combo)
                    if bd.d_separated(index[x], index[y], sum(1 << index[c] for c in combo)) != stated:
                        return False, describe(x, y, combo, stated)
        return True, ""
    for f in facts.facts:
        sep = bd.d_separated(index[f.x], index[f.y], sum(1 << index[c] for c in f.given))
        if sep != f.independent:
            return False, describe(f.x, f.y, f.given, f.independent)
    return True, ""


@lru_cache(maxsize=4096)
def _pc_cached(key: tuple, stable: bool) -> tuple[CausalGraph, dict, int, bool, str]:
    from causalkit.discovery import pc

    variables, closure, items = key
    facts = FactSet(list(variables), [IndependenceFact(x, y, g, ind) for (x, y, g), ind in items], closure=closure)
    res = pc(_placeholder(len(variables)), columns=list(variables), ci_test=make_oracle_test(facts),
             alpha=0.5, stable=stable)
    ok, reason = check_faithful(facts, res.graph)
    return res.graph, dict(res.sepsets), res.n_ci_tests, ok, reason


def oracle_pc(
    variables: Sequence[str] | FactSet,
    facts: Iterable[IndependenceFact | str] | None = None,
    *,
    closure: bool = True,
    stable: bool = True,
    on_unfaithful: str = "raise",
) -> DiscoveryResult:
    """The Markov equivalence class (CPDAG) implied by stated independences, via PC.

    Parameters
    ----------
    variables : sequence of str or FactSet
        The variables of the closed system (or a ready :class:`FactSet`, then ``facts`` is omitted).
    facts : iterable of str or IndependenceFact
        Statements such as ``"A _||_ C | B"`` or ``"A correlates with B"`` (see
        :func:`~causalkit.reasoning.parse_fact`).
    closure : bool
        Treat every unstated (pair, conditioning set) as dependent (the usual reading of "these are
        all the independences"). With False, PC stops with an error at the first query the facts do
        not answer.
    stable : bool
        PC-stable (the default of :func:`~causalkit.discovery.pc`).
    on_unfaithful : {"raise", "warn"}
        What to do when no DAG implies exactly these facts.

    Returns
    -------
    DiscoveryResult
        ``graph`` is the CPDAG; ``method="oracle_pc"``; ``extra["faithful"]`` and
        ``extra["facts"]`` (the statements used); ``sepsets`` as PC found them.

    Raises
    ------
    InvalidInputError
        Unfaithful facts (with ``on_unfaithful="raise"``), contradictory or incomplete facts
        (``closure=False``), unknown variables.

    Examples
    --------
    >>> res = oracle_pc(["A", "B", "C"], ["A _||_ C"])
    >>> res.graph.to_edge_list()
    ['A --> B', 'C --> B']
    >>> oracle_pc(["A", "B", "C"], ["A _||_ C | B"]).graph.to_edge_list()
    ['A --- B', 'B --- C']
    """
    start = time.perf_counter()
    check_choice(on_unfaithful, ["raise", "warn"], "on_unfaithful")
    fs = _as_factset(variables, facts, closure)
    graph, sepsets, n_tests, ok, reason = _pc_cached(fs.key(), bool(stable))
    graph = graph.copy()
    warnings: tuple[str, ...] = ()
    if not ok:
        msg = f"The stated facts are not faithful to any DAG: {reason}."
        if on_unfaithful == "raise":
            raise InvalidInputError(msg + " Check the statements (or pass on_unfaithful='warn').")
        warnings = (msg,)
    return DiscoveryResult(
        graph=graph,
        method="oracle_pc",
        params={"closure": fs.closure, "stable": bool(stable), "n_facts": len(fs)},
        sepsets=sepsets,
        n_ci_tests=n_tests,
        elapsed=time.perf_counter() - start,
        warnings=warnings,
        extra={"faithful": ok, "facts": [str(f) for f in fs.facts]},
        versions=provenance(),
    )


def oracle_fci(
    variables: Sequence[str] | FactSet,
    facts: Iterable[IndependenceFact | str] | None = None,
    *,
    closure: bool = True,
) -> DiscoveryResult:
    """The PAG implied by stated independences among observed variables (latent confounders allowed).

    Runs :func:`~causalkit.discovery.fci` with the oracle test. Unlike :func:`oracle_pc` no DAG over
    the observed variables need explain the facts (hidden variables may), so there is no
    faithfulness check here.

    Parameters
    ----------
    variables : sequence of str or FactSet
    facts : iterable of str or IndependenceFact
    closure : bool
        As in :func:`oracle_pc`.

    Returns
    -------
    DiscoveryResult
        ``graph`` is the PAG (``-->``, ``<->``, ``o->``, ``o-o``); ``method="oracle_fci"``.

    Examples
    --------
    >>> oracle_fci(["A", "B", "C"], ["A _||_ C"]).graph.to_edge_list()
    ['A o-> B', 'C o-> B']
    """
    from causalkit.discovery import fci

    start = time.perf_counter()
    fs = _as_factset(variables, facts, closure)
    res = fci(_frame(fs.variables), ci_test=make_oracle_test(fs), alpha=0.5)
    return DiscoveryResult(
        graph=res.graph,
        method="oracle_fci",
        params={"closure": fs.closure, "n_facts": len(fs)},
        n_ci_tests=res.n_ci_tests,
        elapsed=time.perf_counter() - start,
        warnings=res.warnings,
        extra={"facts": [str(f) for f in fs.facts], "edges": res.extra.get("edges", [])},
        versions=res.versions,
    )


def _frame(names: Sequence[str]) -> Any:
    import pandas as pd

    return pd.DataFrame(_placeholder(len(names)), columns=list(names))


def independence_facts_of(graph: CausalGraph, variables: Sequence[str] | None = None) -> list[IndependenceFact]:
    """Every d-separation ``x _||_ y | S`` of a DAG (all pairs, all conditioning sets), as facts."""
    names = list(variables) if variables is not None else graph.nodes
    bd = bitdag_from_graph(graph, names)
    return [IndependenceFact(names[x], names[y], [names[i] for i in bits(s)])
            for x, y, s in sorted(bd.independence_model())]

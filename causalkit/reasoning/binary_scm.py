"""Exact rung-1/2/3 quantities of small structural causal models over binary variables.

A :class:`BinarySCM` is given by a DAG (some nodes may be latent) and, for each node, the table
``P(V = 1 | parents)``. It is read as an SCM with independent noise ``U_V ~ Uniform(0, 1)`` and
``V = 1[U_V < P(V = 1 | parents)]`` - the usual canonical coupling. Each node then has a finite set
of *response functions* (one per interval between the sorted table entries), and every
observational, interventional and counterfactual quantity is an exact finite sum over the joint
response types, computed here with numpy over all combinations at once. Deterministic mechanisms
are tables of 0s and 1s.

This is the ground truth of the CLadder-style generator (:mod:`causalkit.bench`): it never uses
the identification formulas the solver uses.

Examples
--------
>>> scm = BinarySCM({"X": (), "Y": ("X",)}, {"X": [0.5], "Y": [0.2, 0.7]})
>>> round(scm.prob({"Y": 1}, do={"X": 1}), 3)
0.7
>>> round(scm.ett("X", "Y"), 3)   # E[Y_1 - Y_0 | X = 1]
0.5
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from causalkit.exceptions import GraphError, InvalidInputError, UnknownNodeError

__all__ = ["BinarySCM"]

Values = Mapping[str, Any]


class BinarySCM:
    """A binary SCM with canonical threshold noise (see the module docstring).

    Parameters
    ----------
    parents : mapping of str to sequence of str
        Each node's parents, in the order that indexes its table.
    cpts : mapping of str to sequence of float
        ``cpts[v][k] = P(v = 1 | parents = config k)`` where config ``k`` has bit ``j`` equal to the
        value of the ``j``-th parent (so ``[P(v|pa=0), P(v|pa=1)]`` for one parent).
    latent : iterable of str
        Unobserved nodes (still part of the model; left out of :meth:`observed`).

    Raises
    ------
    InvalidInputError, UnknownNodeError, GraphError
        Tables of the wrong length or outside [0, 1], unknown parents, cycles.
    """

    def __init__(self, parents: Mapping[str, Sequence[str]], cpts: Mapping[str, Sequence[float] | np.ndarray],
                 latent: Iterable[str] = ()):
        self.parents = {str(v): tuple(map(str, ps)) for v, ps in parents.items()}
        nodes = list(self.parents)
        for v, ps in self.parents.items():
            for p in ps:
                if p not in self.parents:
                    raise UnknownNodeError(f"{v!r} has parent {p!r}, which is not a node of the model.")
        self.cpts: dict[str, np.ndarray] = {}
        for v in nodes:
            if v not in cpts:
                raise InvalidInputError(f"No probability table for {v!r}.")
            t = np.asarray(cpts[v], dtype=float).ravel()
            if t.size != 2 ** len(self.parents[v]):
                raise InvalidInputError(
                    f"The table of {v!r} needs {2 ** len(self.parents[v])} entries (one per parent configuration); got {t.size}."
                )
            if np.any(t < 0) or np.any(t > 1):
                raise InvalidInputError(f"The table of {v!r} has entries outside [0, 1].")
            self.cpts[v] = t
        self.latent = frozenset(map(str, latent))
        for v in self.latent:
            if v not in self.parents:
                raise UnknownNodeError(f"Latent node {v!r} is not a node of the model.")
        self.order = self._toposort(nodes)
        self._build_types()

    # ------------------------------------------------------------------ structure
    def _toposort(self, nodes: list[str]) -> list[str]:
        done: list[str] = []
        remaining = list(nodes)
        while remaining:
            ready = [v for v in remaining if all(p in done for p in self.parents[v])]
            if not ready:
                raise GraphError(f"The model has a directed cycle among {remaining}.")
            done.extend(ready)
            remaining = [v for v in remaining if v not in ready]
        return done

    @property
    def observed(self) -> list[str]:
        """Observed nodes in topological order."""
        return [v for v in self.order if v not in self.latent]

    def edges(self) -> list[str]:
        """Edges as ``"u --> v"`` strings (latent nodes included)."""
        return [f"{p} --> {v}" for v in self.order for p in self.parents[v]]

    def _build_types(self) -> None:
        tables, weights = [], []
        for v in self.order:
            p = self.cpts[v]
            cuts = np.unique(np.concatenate([[0.0, 1.0], p]))
            lo, hi = cuts[:-1], cuts[1:]
            keep = hi > lo
            lo, w = lo[keep], (hi - lo)[keep]
            tables.append((p[None, :] > lo[:, None]).astype(np.int8))  # type x config
            weights.append(w)
        grids = np.meshgrid(*[np.arange(len(w)) for w in weights], indexing="ij")
        self._type_index = {v: g.ravel() for v, g in zip(self.order, grids, strict=True)}
        self._tables = dict(zip(self.order, tables, strict=True))
        prob = np.ones(1)
        for w in weights:
            prob = np.multiply.outer(prob, w)
        self._weight = prob.ravel()

    # ------------------------------------------------------------------ evaluation
    def _check(self, values: Values | None, what: str) -> dict[str, Any]:
        values = dict(values or {})
        for v, x in values.items():
            if v not in self.parents:
                raise UnknownNodeError(f"{what} names {v!r}, which is not a node of the model.")
            if not (np.ndim(x) or x in (0, 1)):
                raise InvalidInputError(f"{what}: the value of {v!r} must be 0 or 1; got {x!r}.")
        return values

    def world(self, do: Values | None = None) -> dict[str, np.ndarray]:
        """Every node's value in each joint response type under the intervention ``do``.

        ``do`` values may be 0/1 or arrays over the response types (for nested counterfactuals).
        """
        do = self._check(do, "The intervention")
        n = self._weight.size
        vals: dict[str, np.ndarray] = {}
        for v in self.order:
            if v in do:
                vals[v] = np.broadcast_to(np.asarray(do[v], dtype=np.int8), (n,))
                continue
            config = np.zeros(n, dtype=np.int64)
            for j, p in enumerate(self.parents[v]):
                config |= vals[p].astype(np.int64) << j
            vals[v] = self._tables[v][self._type_index[v], config]
        return vals

    def _mask(self, vals: Mapping[str, np.ndarray], event: Values) -> np.ndarray:
        m = np.ones(self._weight.size, dtype=bool)
        for v, x in event.items():
            m &= vals[v] == int(x)
        return m

    def prob(self, event: Values, given: Values | None = None, *, do: Values | None = None) -> float:
        """``P(event | given)`` in the world ``do`` (observational when ``do`` is empty).

        Raises
        ------
        InvalidInputError
            When ``given`` has probability zero.
        """
        event, given = self._check(event, "The event"), self._check(given, "The condition")
        vals = self.world(do)
        den_mask = self._mask(vals, given)
        den = float(self._weight[den_mask].sum())
        if den <= 0:
            raise InvalidInputError(f"The condition {given} has probability zero.")
        return float(self._weight[den_mask & self._mask(vals, event)].sum()) / den

    def counterfactual(self, outcome: Values, do: Values, evidence: Values) -> float:
        """``P(outcome_{do} | evidence)``: the outcome in the world ``do`` among units with ``evidence``.

        ``evidence`` is observed in the factual world (abduction over the response types).
        """
        outcome, evidence = self._check(outcome, "The outcome"), self._check(evidence, "The evidence")
        fact = self.world()
        cf = self.world(do)
        den_mask = self._mask(fact, evidence)
        den = float(self._weight[den_mask].sum())
        if den <= 0:
            raise InvalidInputError(f"The evidence {evidence} has probability zero.")
        return float(self._weight[den_mask & self._mask(cf, outcome)].sum()) / den

    # ------------------------------------------------------------------ named effects
    def ate(self, treatment: str, outcome: str) -> float:
        """``E[Y | do(X=1)] - E[Y | do(X=0)]``."""
        return self.prob({outcome: 1}, do={treatment: 1}) - self.prob({outcome: 1}, do={treatment: 0})

    def ett(self, treatment: str, outcome: str, treated: int = 1) -> float:
        """``E[Y_{X=1} - Y_{X=0} | X = treated]``."""
        ev = {treatment: treated}
        return (self.counterfactual({outcome: 1}, {treatment: 1}, ev)
                - self.counterfactual({outcome: 1}, {treatment: 0}, ev))

    def _nested(self, treatment: str, outcome: str, mediators: Sequence[str], x: int, x_med: int) -> float:
        med_world = self.world({treatment: x_med})
        do = {treatment: x, **{m: med_world[m] for m in mediators}}
        vals = self.world(do)
        return float(self._weight[vals[outcome] == 1].sum())

    def nde(self, treatment: str, outcome: str, mediators: Sequence[str]) -> float:
        """Natural direct effect ``E[Y_{1, M_0} - Y_{0, M_0}]``."""
        return (self._nested(treatment, outcome, mediators, 1, 0)
                - self._nested(treatment, outcome, mediators, 0, 0))

    def nie(self, treatment: str, outcome: str, mediators: Sequence[str]) -> float:
        """Natural indirect effect ``E[Y_{0, M_1} - Y_{0, M_0}]``."""
        return (self._nested(treatment, outcome, mediators, 0, 1)
                - self._nested(treatment, outcome, mediators, 0, 0))

    def joint(self) -> dict[tuple[int, ...], float]:
        """The observational joint distribution over :attr:`observed` (tuples of values -> prob)."""
        vals = self.world()
        obs = self.observed
        out: dict[tuple[int, ...], float] = {}
        for combo in itertools.product((0, 1), repeat=len(obs)):
            p = float(self._weight[self._mask(vals, dict(zip(obs, combo, strict=True)))].sum())
            out[combo] = p
        return out

    def __repr__(self) -> str:
        return f"BinarySCM({', '.join(self.edges()) or 'no edges'}; latent={sorted(self.latent)})"

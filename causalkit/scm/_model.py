"""The :class:`StructuralCausalModel`: fit mechanisms on a DAG, then sample, intervene and reason
counterfactually.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, is_classifier, is_regressor

from causalkit._validation import (
    check_alpha,
    check_choice,
    check_data,
    check_positive_int,
    check_random_state,
)
from causalkit.exceptions import (
    EstimationError,
    InvalidInputError,
    NotFittedError,
    UnknownNodeError,
)
from causalkit.graphs import CausalGraph
from causalkit.results import EffectEstimate
from causalkit.scm._effects import scm_effect
from causalkit.scm._interventions import (
    apply_policy,
    check_interventions,
    check_node,
)
from causalkit.scm._mechanisms import (
    AdditiveNoiseMechanism,
    ClassifierMechanism,
    DiscreteMechanism,
    LinearMechanism,
    Mechanism,
    linearity_pvalue,
)

__all__ = ["StructuralCausalModel"]

_KINDS = ("auto", "linear", "additive", "discrete", "classifier")


def _as_graph(graph: Any) -> CausalGraph:
    if isinstance(graph, CausalGraph):
        return graph
    if isinstance(graph, nx.DiGraph):
        return CausalGraph(nodes=list(graph.nodes), edges=list(graph.edges))
    if isinstance(graph, Iterable) and not isinstance(graph, (str, bytes, Mapping)):
        return CausalGraph(edges=list(graph))
    raise InvalidInputError(
        f"`graph` must be a CausalGraph, a networkx.DiGraph or a list of edges like 'X --> Y'; "
        f"got {type(graph).__name__}."
    )


def _is_discrete_column(col: pd.Series, max_levels: int) -> bool:
    return (pd.api.types.is_integer_dtype(col) or pd.api.types.is_bool_dtype(col)) and col.nunique() <= max_levels


class StructuralCausalModel(BaseEstimator):
    """A structural causal model: one fitted mechanism ``X_j := f_j(PA_j, U_j)`` per node of a DAG.

    Parameters
    ----------
    graph : CausalGraph, networkx.DiGraph or list of edges
        The causal DAG; every node must be a column of the data passed to :meth:`fit`.
    mechanisms : {"auto", "linear", "additive", "discrete", "classifier"} or dict
        Mechanism for every node, or a dict mapping nodes to a kind, a scikit-learn regressor
        (additive noise with that regressor), a classifier (discrete node with that ``P(x | pa)``)
        or a :class:`~causalkit.scm.Mechanism`; nodes missing from the dict use ``"auto"``.
        ``"auto"`` picks per node: a discrete node (integer or boolean column with at most
        ``max_discrete_levels`` levels) gets a probability table when all its parents are discrete and
        a classifier otherwise; a continuous node gets a linear mechanism unless the linearity test
        (:func:`~causalkit.scm.linearity_pvalue`) rejects at ``linearity_alpha``, then an additive-noise
        mechanism with ``regressor``.
    regressor : sklearn regressor, optional
        Learner for additive-noise mechanisms. Default :func:`~causalkit.scm.default_regressor`
        (ridge-penalised cubic splines with pairwise products: smooth and fast).
    classifier : sklearn classifier, optional
        Learner for discrete nodes with continuous parents. Default multinomial logistic regression.
    noise : {"empirical", "gaussian"}
        Noise of additive mechanisms: resampled residuals, or Gaussian with the residual variance.
    noise_cv : int or None
        Folds for the out-of-fold residuals of additive-noise mechanisms (see
        :class:`~causalkit.scm.AdditiveNoiseMechanism`).
    max_discrete_levels : int
        Integer columns with at most this many levels are discrete under ``"auto"``.
    linearity_alpha : float
        Level of the linearity test under ``"auto"``.
    pseudo_count : float
        Smoothing of probability tables (1 = Laplace, as pgmpy's ``BayesianEstimator`` with a K2 prior).
    random_state : int, Generator or None
        Seed for fitting (cross-fitting folds, learners).

    Attributes
    ----------
    graph_ : CausalGraph
    nodes_ : list of str
        Nodes in topological order.
    parents_ : dict
        Parents of each node (the column order of the mechanism's inputs).
    mechanisms_ : dict
        Fitted :class:`~causalkit.scm.Mechanism` per node.
    mechanism_kinds_ : dict
        ``"linear"``, ``"additive"``, ``"discrete"`` or ``"classifier"`` per node.
    linearity_pvalues_ : dict
        P-value of the linearity test for nodes decided by ``"auto"``.
    n_obs_ : int

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=2000); y = 2 * x + rng.normal(size=2000)
    >>> scm = StructuralCausalModel(["X --> Y"], random_state=0).fit(pd.DataFrame({"X": x, "Y": y}))
    >>> round(scm.interventional_mean("Y", {"X": 1.0}, random_state=0), 1)
    2.0
    >>> scm.counterfactual(pd.DataFrame({"X": [1.0], "Y": [3.0]}), {"X": 0.0})["Y"].round(1).tolist()
    [1.0]
    """

    def __init__(
        self,
        graph: Any,
        mechanisms: str | Mapping[str, Any] = "auto",
        *,
        regressor: Any = None,
        classifier: Any = None,
        noise: str = "empirical",
        noise_cv: int | None = 5,
        max_discrete_levels: int = 10,
        linearity_alpha: float = 0.01,
        pseudo_count: float = 1.0,
        random_state: Any = None,
    ) -> None:
        self.graph = graph
        self.mechanisms = mechanisms
        self.regressor = regressor
        self.classifier = classifier
        self.noise = noise
        self.noise_cv = noise_cv
        self.max_discrete_levels = max_discrete_levels
        self.linearity_alpha = linearity_alpha
        self.pseudo_count = pseudo_count
        self.random_state = random_state

    # ------------------------------------------------------------------ fitting
    def fit(self, data: pd.DataFrame) -> StructuralCausalModel:
        """Fit one mechanism per node from observational data.

        Parameters
        ----------
        data : pandas.DataFrame
            One column per graph node (other columns are ignored).

        Returns
        -------
        StructuralCausalModel
            ``self``, fitted.

        Raises
        ------
        GraphError
            If the graph is not a DAG (the message shows the cycle or the undirected edge).
        UnknownNodeError
            If a graph node has no column, or ``mechanisms`` names a node not in the graph.
        InvalidInputError
            Bad data (NaN, non-numeric, constant columns) or an unknown mechanism.
        """
        graph = _as_graph(self.graph)
        graph.require_dag("A structural causal model")
        if len(graph) == 0:
            raise InvalidInputError("The graph has no nodes; a structural causal model needs at least one.")
        if not isinstance(data, pd.DataFrame):
            raise InvalidInputError(f"`data` must be a pandas DataFrame with one column per node; got {type(data).__name__}.")
        for node in graph.nodes:
            if node not in data.columns:
                raise UnknownNodeError(
                    f"Graph node {node!r} has no column in `data`. Add the column or remove the node from the graph."
                )
        check_choice(self.noise, ("empirical", "gaussian"), "noise")
        check_alpha(self.linearity_alpha, "linearity_alpha")
        check_positive_int(self.max_discrete_levels, "max_discrete_levels", minimum=2)
        columns = [c for c in data.columns if c in graph]
        df = check_data(data, columns, min_rows=10)
        specs = self._node_specs(graph)
        rng = check_random_state(self.random_state)
        order = graph.topological_order()
        discrete = {n: _is_discrete_column(df[n], self.max_discrete_levels) for n in order}

        mechanisms: dict[str, Mechanism] = {}
        templates: dict[str, Mechanism] = {}
        pvalues: dict[str, float] = {}
        parents = {n: graph.parents(n) for n in order}
        for node in order:
            pars = parents[node]
            X = df[pars].to_numpy(dtype=float) if pars else np.empty((len(df), 0))
            y = df[node].to_numpy(dtype=float)
            mech = self._make_mechanism(node, specs[node], X, y, discrete, pars, pvalues)
            mech.node, mech.parents = node, list(pars)
            templates[node] = copy.deepcopy(mech)
            mechanisms[node] = mech.fit(X, y, rng)
        # fitted attributes are set only once everything succeeded
        self.mechanisms_, self.templates_, self.linearity_pvalues_ = mechanisms, templates, pvalues
        self.parents_ = parents
        self.graph_ = graph
        self.nodes_ = order
        self.columns_ = columns
        self.mechanism_kinds_ = {n: m.kind for n, m in self.mechanisms_.items()}
        self.n_obs_ = len(df)
        self.data_ = df.reset_index(drop=True)
        return self

    def _node_specs(self, graph: CausalGraph) -> dict[str, Any]:
        spec = self.mechanisms
        if isinstance(spec, str):
            check_choice(spec, _KINDS, "mechanisms")
            return {n: spec for n in graph.nodes}
        if not isinstance(spec, Mapping):
            raise InvalidInputError(
                f"`mechanisms` must be one of {list(_KINDS)} or a dict node -> mechanism; got {type(spec).__name__}."
            )
        for node in spec:
            if node not in graph:
                raise UnknownNodeError(f"`mechanisms` names {node!r}, which is not a node of the graph.")
        return {n: spec.get(n, "auto") for n in graph.nodes}

    def _make_mechanism(
        self,
        node: str,
        spec: Any,
        X: np.ndarray,
        y: np.ndarray,
        discrete: dict[str, bool],
        pars: list[str],
        pvalues: dict[str, float],
    ) -> Mechanism:
        if isinstance(spec, Mechanism):
            return copy.deepcopy(spec)
        is_estimator = hasattr(spec, "fit") and hasattr(spec, "get_params")
        if is_estimator and is_classifier(spec):
            return ClassifierMechanism(spec)
        if is_estimator and is_regressor(spec):
            return AdditiveNoiseMechanism(spec, noise=self.noise, noise_cv=self.noise_cv)
        if not isinstance(spec, str) or spec not in _KINDS:
            raise InvalidInputError(
                f"Mechanism for node {node!r} must be one of {list(_KINDS)}, a scikit-learn regressor or "
                f"classifier, or a causalkit.scm.Mechanism; got {spec!r}."
            )
        if spec == "auto":
            if discrete[node]:
                spec = "discrete" if all(discrete[p] for p in pars) else "classifier"
            elif not pars:
                spec = "linear"
            else:
                pval = linearity_pvalue(X, y)
                pvalues[node] = pval
                spec = "linear" if pval > self.linearity_alpha else "additive"
        if spec == "linear":
            return LinearMechanism(noise=self.noise)
        if spec == "additive":
            return AdditiveNoiseMechanism(self.regressor, noise=self.noise, noise_cv=self.noise_cv)
        if spec == "classifier":
            return ClassifierMechanism(self.classifier)
        if not np.all(np.mod(y, 1) == 0):
            raise InvalidInputError(
                f"Node {node!r} was given a discrete mechanism but takes non-integer values; encode its "
                f"levels as integers or use 'linear'/'additive'."
            )
        return DiscreteMechanism(pseudo_count=self.pseudo_count)

    def _check_fitted(self) -> None:
        if not hasattr(self, "mechanisms_"):
            raise NotFittedError(
                "This StructuralCausalModel is not fitted yet; call fit(data) before sampling or intervening."
            )

    # ------------------------------------------------------------------ simulation core
    def _check_node(self, node: Any, role: str) -> str:
        return check_node(self.graph_, node, role)

    def _check_interventions(
        self, interventions: Mapping[str, Any] | None, shift: Mapping[str, Any] | None, n: int
    ) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        return check_interventions(self.graph_, interventions, shift, n)

    def _propagate(
        self,
        noise: Mapping[str, np.ndarray],
        n: int,
        hard: Mapping[str, Any],
        shifts: Mapping[str, np.ndarray],
        observed: pd.DataFrame | None = None,
        affected: set[str] | None = None,
    ) -> pd.DataFrame:
        values: dict[str, np.ndarray] = {}
        index = observed.index if observed is not None else pd.RangeIndex(n)
        for node in self.nodes_:
            pars = self.parents_[node]
            if observed is not None and affected is not None and node not in affected:
                values[node] = observed[node].to_numpy(dtype=float)
            elif node in hard:
                value = hard[node]
                if callable(value):
                    value = apply_policy(value, pd.DataFrame({p: values[p] for p in pars}, index=index), node)
                values[node] = value
            else:
                X = np.column_stack([values[p] for p in pars]) if pars else np.empty((n, 0))
                out = self.mechanisms_[node].apply(X, noise[node])
                values[node] = out + shifts[node] if node in shifts else out
        frame = pd.DataFrame({c: values[c] for c in self.columns_}, index=index)
        for node, mech in self.mechanisms_.items():
            if mech.kind in ("discrete", "classifier") and np.all(np.mod(frame[node].to_numpy(), 1) == 0):
                frame[node] = frame[node].astype(np.int64)
        return frame

    def _draw_noise(self, n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
        return {node: self.mechanisms_[node].sample_noise(n, rng) for node in self.nodes_}

    # ------------------------------------------------------------------ public queries
    def sample(self, n: int = 1000, random_state: Any = None) -> pd.DataFrame:
        """Draw ``n`` units from the fitted observational distribution.

        Parameters
        ----------
        n : int
            Number of units.
        random_state : int, Generator or None
            Seed.

        Returns
        -------
        pandas.DataFrame
            One column per node (discrete nodes as integers).
        """
        self._check_fitted()
        n = check_positive_int(n, "n")
        return self._propagate(self._draw_noise(n, check_random_state(random_state)), n, {}, {})

    def do(
        self,
        interventions: Mapping[str, Any] | None = None,
        n: int = 10_000,
        *,
        shift: Mapping[str, Any] | None = None,
        random_state: Any = None,
    ) -> pd.DataFrame:
        """Sample ``n`` units from the interventional distribution.

        Parameters
        ----------
        interventions : dict, optional
            Hard interventions ``node -> value``: a scalar, an array of ``n`` values, or a function
            that receives the DataFrame of the node's parents (in the intervened world, one row per
            unit) and returns ``n`` values (e.g. a treatment policy).
        n : int
            Number of units.
        shift : dict, optional
            Soft (shift) interventions ``node -> delta``: the node keeps its own mechanism and noise
            and ``delta`` (scalar or ``n`` values) is added to its natural value.
        random_state : int, Generator or None
            Seed.

        Returns
        -------
        pandas.DataFrame

        Raises
        ------
        UnknownNodeError
            If an intervened node is not in the graph.
        """
        self._check_fitted()
        n = check_positive_int(n, "n")
        hard, shifts = self._check_interventions(interventions, shift, n)
        return self._propagate(self._draw_noise(n, check_random_state(random_state)), n, hard, shifts)

    def interventional_mean(
        self,
        outcome: str,
        interventions: Mapping[str, Any] | None = None,
        n: int = 10_000,
        *,
        shift: Mapping[str, Any] | None = None,
        random_state: Any = None,
    ) -> float:
        """Monte Carlo estimate of ``E[outcome | do(interventions)]`` under the fitted model.

        Parameters are as in :meth:`do`; ``outcome`` is a node name.
        """
        self._check_fitted()
        self._check_node(outcome, "outcome")
        draws = self.do(interventions, n, shift=shift, random_state=random_state)
        return float(draws[outcome].mean())

    def _contrast(
        self, treatment: str, outcome: str, t1: Any, t0: Any, n: int, rng: np.random.Generator
    ) -> np.ndarray:
        """Unit-level ``Y(t1) - Y(t0)`` with common random numbers (the same noise in both worlds)."""
        noise = self._draw_noise(n, rng)
        h1, _ = self._check_interventions({treatment: t1}, None, n)
        h0, _ = self._check_interventions({treatment: t0}, None, n)
        y1 = self._propagate(noise, n, h1, {})[outcome].to_numpy(dtype=float)
        y0 = self._propagate(noise, n, h0, {})[outcome].to_numpy(dtype=float)
        return y1 - y0

    def ate(
        self,
        treatment: str,
        outcome: str,
        treatment_value: Any = 1,
        control_value: Any = 0,
        n: int = 10_000,
        *,
        random_state: Any = None,
        n_boot: int = 0,
        alpha: float = 0.05,
        n_jobs: int | None = None,
    ) -> EffectEstimate:
        """``E[Y | do(T = treatment_value)] - E[Y | do(T = control_value)]`` under the fitted model.

        With ``n_boot=0`` the standard error covers **Monte Carlo error only**; with ``n_boot > 0``
        it comes from refitting the model on bootstrap resamples. See
        :func:`~causalkit.scm.scm_effect` for the details and the parameters.
        """
        return scm_effect(self, treatment, outcome, treatment_value, control_value, n, random_state=random_state,
                          n_boot=n_boot, alpha=alpha, n_jobs=n_jobs)

    def _refit(self, idx: np.ndarray, rng: np.random.Generator) -> StructuralCausalModel:
        model = copy.copy(self)
        model.mechanisms = dict(self.templates_)
        model.random_state = rng
        return model.fit(self.data_.iloc[idx])

    def counterfactual(
        self,
        units: pd.DataFrame,
        interventions: Mapping[str, Any] | None = None,
        *,
        shift: Mapping[str, Any] | None = None,
        random_state: Any = None,
        discrete: str = "sample",
    ) -> pd.DataFrame:
        """Counterfactual values of observed units by abduction, action and prediction.

        1. *Abduction*: for every node affected by the intervention the noise of each unit is
           recovered from its observed values: ``u = x - f(pa)`` for additive-noise mechanisms
           (exact). For discrete nodes the noise is not identified by one observation; with
           ``discrete="sample"`` it is drawn uniformly from the interval consistent with the
           observation under the monotone coupling ``x = F^{-1}(u | pa)`` (so a counterfactual
           that does not change the node's parents returns the observed value, and a unit stays at
           its level when the intervention moves probability toward it); this is an assumption, and
           the result is one random draw - average several seeds for counterfactual probabilities.
           ``discrete="raise"`` raises instead.
        2. *Action*: apply the interventions.
        3. *Prediction*: propagate through the mechanisms with the abduced noise. Nodes that are not
           descendants of an intervened node keep their observed values exactly.

        Parameters
        ----------
        units : pandas.DataFrame
            Observed rows, one column per node.
        interventions, shift : dict, optional
            As in :meth:`do`; arrays must have one value per unit.
        random_state : int, Generator or None
            Seed for the discrete-noise draws.
        discrete : {"sample", "raise"}
            What to do when a discrete (non-invertible) node must be abduced.

        Returns
        -------
        pandas.DataFrame
            Counterfactual values with the index of ``units``.
        """
        self._check_fitted()
        check_choice(discrete, ("sample", "raise"), "discrete")
        if not isinstance(units, pd.DataFrame):
            raise InvalidInputError(f"`units` must be a pandas DataFrame of observed rows; got {type(units).__name__}.")
        for node in self.columns_:
            if node not in units.columns:
                raise UnknownNodeError(f"`units` has no column for node {node!r}; counterfactuals need every node observed.")
        obs = check_data(units, self.columns_, min_rows=1, allow_constant=True, name="units")
        n = len(obs)
        hard, shifts = self._check_interventions(interventions, shift, n)
        affected = set(hard) | set(shifts)
        for node in list(affected):
            affected |= self.graph_.descendants(node)
        rng = check_random_state(random_state)
        noise = {}
        for node in self.nodes_:
            if node not in affected or node in hard:
                continue
            mech, pars = self.mechanisms_[node], self.parents_[node]
            if not mech.invertible and discrete == "raise":
                raise EstimationError(
                    f"Node {node!r} is discrete, so its noise is not identified by the observation; "
                    f"counterfactuals for it need an assumed coupling. Pass discrete='sample' to use the "
                    f"monotone coupling."
                )
            X = obs[pars].to_numpy(dtype=float) if pars else np.empty((n, 0))
            noise[node] = mech.abduct(X, obs[node].to_numpy(dtype=float), rng)
        return self._propagate(noise, n, hard, shifts, observed=obs, affected=affected)

    def mechanism_summary(self) -> pd.DataFrame:
        """One row per node: mechanism kind, parents and fit statistics (noise std, R^2, levels)."""
        self._check_fitted()
        rows = []
        for node in self.nodes_:
            mech = self.mechanisms_[node]
            rows.append({"node": node, "kind": mech.kind, "parents": list(self.parents_[node]),
                         "linearity_pvalue": self.linearity_pvalues_.get(node, float("nan")), **mech.describe()})
        return pd.DataFrame(rows)


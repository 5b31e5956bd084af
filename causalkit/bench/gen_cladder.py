"""CLadder-style items over CLadder's ten small graphs with random parameters, labelled exactly.

For each item a binary SCM is drawn on one of the graphs (chain, fork, collision, confounding,
mediation, frontdoor, IV, arrowhead, diamond, diamondcut; latent nodes stay latent), the question's
quantity is computed *from the full SCM* with :class:`~causalkit.reasoning.BinarySCM` (do(),
counterfactual worlds, nested counterfactuals - never the identification formulas), and the text
states the observational numbers a solver needs, in CLadder's phrasing. Effects smaller than
``margin`` are skipped so that stating the numbers to 0.1% cannot flip a label. Back-door questions
are labelled by checking, on the exact distribution, whether adjusting for a set reproduces
``P(y | do(x))``. In the IV graph the outcome's mechanism is additive, so the Wald ratio equals the
ATE. Deterministic stories ("det_counterfactual") use random and/or/not mechanisms.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np

from causalkit._validation import check_positive_int, check_random_state
from causalkit.bench.items import Item
from causalkit.exceptions import InvalidInputError
from causalkit.reasoning.binary_scm import BinarySCM

__all__ = ["GRAPHS", "QUERIES", "generate_cladder", "nonsense_names"]

#: name -> (edges, latent nodes)
GRAPHS: dict[str, tuple[list[tuple[str, str]], tuple[str, ...]]] = {
    "chain": ([("X", "V2"), ("V2", "Y")], ()),
    "fork": ([("X", "Y"), ("V2", "Y")], ()),
    "collision": ([("X", "V3"), ("Y", "V3")], ()),
    "confounding": ([("V1", "X"), ("V1", "Y"), ("X", "Y")], ()),
    "mediation": ([("X", "V2"), ("X", "Y"), ("V2", "Y")], ()),
    "frontdoor": ([("V1", "X"), ("X", "V3"), ("V1", "Y"), ("V3", "Y")], ("V1",)),
    "iv": ([("V1", "X"), ("V2", "X"), ("V1", "Y"), ("X", "Y")], ("V1",)),
    "arrowhead": ([("X", "V3"), ("V2", "V3"), ("X", "Y"), ("V2", "Y"), ("V3", "Y")], ()),
    "diamond": ([("X", "V3"), ("X", "V2"), ("V2", "Y"), ("V3", "Y")], ()),
    "diamondcut": ([("V1", "V3"), ("V1", "X"), ("X", "Y"), ("V3", "Y")], ()),
}
#: query -> graphs it is asked on, and the stated terms per graph: (target, conditioning) pairs
_TERMS: dict[str, dict[str, list[tuple[str, tuple[str, ...]]]]] = {
    "ate": {"chain": [("Y", ("X",))], "fork": [("Y", ("X",))], "confounding": [("V1", ()), ("Y", ("V1", "X"))],
            "mediation": [("Y", ("X",))], "frontdoor": [("X", ()), ("V3", ("X",)), ("Y", ("X", "V3"))],
            "iv": [("Y", ("V2",)), ("X", ("V2",))], "arrowhead": [("Y", ("X",))], "diamond": [("Y", ("X",))],
            "diamondcut": [("V1", ()), ("Y", ("V1", "X"))]},
    "ett": {"chain": [("Y", ("X",))], "fork": [("Y", ("X",))], "confounding": [("V1", ("X",)), ("Y", ("V1", "X"))],
            "mediation": [("Y", ("X",))], "frontdoor": [("V3", ("X",)), ("Y", ("X", "V3"))],
            "arrowhead": [("Y", ("X",))], "diamond": [("Y", ("X",))], "diamondcut": [("V1", ("X",)), ("Y", ("V1", "X"))]},
    "nde": {"mediation": [("V2", ("X",)), ("Y", ("X", "V2"))],
            "arrowhead": [("V2", ()), ("V3", ("X", "V2")), ("Y", ("X", "V2", "V3"))]},
    "nie": {"mediation": [("V2", ("X",)), ("Y", ("X", "V2"))], "chain": [("Y", ("X",))],
            "arrowhead": [("V2", ()), ("V3", ("X", "V2")), ("Y", ("X", "V2", "V3"))], "diamond": [("Y", ("X",))],
            "frontdoor": [("X", ()), ("V3", ("X",)), ("Y", ("X", "V3"))]},
}
QUERIES = ("marginal", "correlation", "exp_away", "ate", "backadj", "collider_bias", "ett", "nde", "nie",
           "det_counterfactual")
_RUNG = {"marginal": 1, "correlation": 1, "exp_away": 1, "ate": 2, "backadj": 2, "collider_bias": 2, "ett": 3,
         "nde": 3, "nie": 3, "det_counterfactual": 3}
_INTRO = ("Imagine a self-contained, hypothetical world with only the following conditions, and without any "
          "unmentioned factors or causal relationships: ")


def nonsense_names(k: int, rng: np.random.Generator) -> list[str]:
    """``k`` distinct pronounceable nonsense words (CLadder's "nonsense" variables)."""
    cons, vow = "bcdfghjklmnprstvwxz", "aeiouy"
    out: list[str] = []
    while len(out) < k:
        w = "".join([rng.choice(list(cons)), rng.choice(list(vow)), rng.choice(list(cons)), rng.choice(list(cons + vow))])
        if w not in out and not any(w in o or o in w for o in out):
            out.append(w)
    return out


def _parents(graph: str) -> dict[str, tuple[str, ...]]:
    edges, _ = GRAPHS[graph]
    nodes = list(dict.fromkeys(v for e in edges for v in e))
    return {v: tuple(u for u, w in edges if w == v) for v in nodes}


def _random_scm(graph: str, rng: np.random.Generator, deterministic: bool = False) -> tuple[BinarySCM, list]:
    parents = _parents(graph)
    cpts: dict[str, np.ndarray] = {}
    mechs: list = []
    for v, ps in parents.items():
        k = len(ps)
        if deterministic:
            if k == 0:
                cpts[v] = np.array([0.5])
                continue
            configs = np.array(list(itertools.product((0, 1), repeat=k)))[:, ::-1]  # bit j = parent j
            if k == 1:
                neg = bool(rng.random() < 0.5)
                cpts[v] = (1 - configs[:, 0]) if neg else configs[:, 0].astype(float)
                mechs.append((v, [ps[0]], "or", 0 if neg else 1))
            else:
                op = "and" if rng.random() < 0.5 else "or"
                cpts[v] = (configs.all(axis=1) if op == "and" else configs.any(axis=1)).astype(float)
                mechs.append((v, list(ps), op, 1))
            continue
        if graph == "iv" and v == "Y":  # additive outcome: Wald ratio = ATE
            while True:
                a, b, c = rng.uniform(0.1, 0.9), rng.uniform(-0.4, 0.4), rng.uniform(-0.2, 0.2)
                table = np.array([a + b * x + c * u for x in (0, 1) for u in (0, 1)])  # bit0 = V1, bit1 = X
                if table.min() >= 0.03 and table.max() <= 0.97:
                    break
            cpts[v] = table
            continue
        cpts[v] = rng.uniform(0.05, 0.95, size=2 ** k)
    latent = GRAPHS[graph][1]
    return BinarySCM(parents, cpts, latent=latent), mechs


def _pct(p: float) -> str:
    return f"{round(100 * p, 1):g}%"


class _Verbal:
    def __init__(self, names: dict[str, str]):
        self.n = names

    def v(self, var: str, val: int) -> str:
        return self.n[var] if val == 1 else f"not {self.n[var]}"

    def cond(self, given: dict[str, int]) -> str:
        parts = [self.v(k, x) for k, x in given.items()]
        return parts[0] if len(parts) == 1 else " and ".join([parts[0]] + [f"are {p}" for p in parts[1:]])

    def background(self, graph: str) -> str:
        edges, latent = GRAPHS[graph]
        by_src: dict[str, list[str]] = {}
        for u, w in edges:
            by_src.setdefault(u, []).append(w)
        lines = []
        for u, ws in by_src.items():
            targets = " and ".join(self.n[w] for w in ws)
            lines.append(f"{self.n[u][0].upper()}{self.n[u][1:]} has a direct effect on {targets}.")
        lines += [f"{self.n[u][0].upper()}{self.n[u][1:]} is unobserved." for u in latent]
        return _INTRO + " ".join(lines)

    def terms(self, scm: BinarySCM, terms: Sequence[tuple[str, tuple[str, ...]]]) -> str:
        out = []
        for target, given in terms:
            if not given:
                out.append(f"The overall probability of {self.n[target]} is {_pct(scm.prob({target: 1}))}.")
                continue
            for cfg in itertools.product((0, 1), repeat=len(given)):
                g = dict(zip(given, cfg, strict=True))
                out.append(f"For those who are {self.cond(g)}, the probability of {self.n[target]} is "
                           f"{_pct(scm.prob({target: 1}, g))}.")
        return " ".join(out)


def _adjusted(scm: BinarySCM, z: Sequence[str], x: int) -> float:
    total = 0.0
    for cfg in itertools.product((0, 1), repeat=len(z)):
        g = dict(zip(z, cfg, strict=True))
        pz = scm.prob(g) if z else 1.0
        if pz > 0:
            total += pz * scm.prob({"Y": 1}, {"X": x, **g})
    return total


def _valid_set(scm: BinarySCM, z: Sequence[str]) -> bool:
    """Adjustment validity checked on the exact distribution (generic parameters)."""
    return all(abs(_adjusted(scm, z, x) - scm.prob({"Y": 1}, do={"X": x})) < 1e-9 for x in (0, 1))


def _item(graph: str, query: str, rng: np.random.Generator, names: str, margin: float) -> tuple[str, str, dict] | None:
    """(question text, answer, metadata) or None when the drawn parameters make a weak or degenerate item."""
    scm, mechs = _random_scm(graph, rng, deterministic=query == "det_counterfactual")
    roles = [v for v in scm.order]
    pool = nonsense_names(len(roles), rng) if names == "nonsense" else roles
    verbal = _Verbal(dict(zip(roles, pool, strict=True)))
    bg = verbal.background(graph)
    pos = bool(rng.random() < 0.5)
    x = int(rng.integers(2))
    meta: dict[str, Any] = {"graph": graph, "query": query, "positive": pos}
    if query == "marginal":
        truth = scm.prob({"Y": 1}) - 0.5
        info = verbal.terms(scm, [("X", ()), ("Y", ("X",))])
        q = f"Is {verbal.v('Y', 1)} {'more' if pos else 'less'} likely than {verbal.v('Y', 0)} overall?"
    elif query == "correlation":
        truth = scm.prob({"Y": 1}, {"X": 1}) - scm.prob({"Y": 1}, {"X": 0})
        info = (f"The overall probability of {verbal.v('X', 1)} is {_pct(scm.prob({'X': 1}))}. "
                + " ".join(f"The probability of {verbal.v('X', a)} and {verbal.v('Y', 1)} is {_pct(scm.prob({'X': a, 'Y': 1}))}."
                           for a in (0, 1)))
        q = f"Is the chance of {verbal.v('Y', 1)} {'larger' if pos else 'smaller'} when observing {verbal.v('X', 1)}?"
    elif query == "exp_away":
        truth = scm.prob({"Y": 1}, {"X": 1, "V3": 1}) - scm.prob({"Y": 1}, {"V3": 1})
        info = verbal.terms(scm, [("X", ()), ("Y", ("X", "V3"))])
        q = (f"If we look at those who are {verbal.v('V3', 1)}, does the chance of {verbal.v('Y', 1)} "
             f"{'increase' if pos else 'decrease'} when {verbal.v('X', 1)}?")
    elif query in ("ate", "ett"):
        if query == "ate":
            truth = scm.prob({"Y": 1}, do={"X": x}) - scm.prob({"Y": 1}, do={"X": 1 - x})
            q = f"Will {verbal.v('X', x)} {'increase' if pos else 'decrease'} the chance of {verbal.v('Y', 1)}?"
        else:
            truth = scm.counterfactual({"Y": 1}, {"X": 1 - x}, {"X": x}) - scm.prob({"Y": 1}, {"X": x})
            q = (f"For those who are {verbal.v('X', x)}, would it be {'more' if pos else 'less'} likely to see "
                 f"{verbal.v('Y', 1)} if they were {verbal.v('X', 1 - x)}?")
        if graph == "iv" and abs(scm.prob({"X": 1}, {"V2": 1}) - scm.prob({"X": 1}, {"V2": 0})) < 0.15:
            return None  # weak instrument: stated rounding would dominate the ratio
        info = verbal.terms(scm, _TERMS[query][graph])
        meta["x"] = x
    elif query in ("nde", "nie"):
        m = ["V3"] if graph in ("arrowhead",) else (["V2"] if graph in ("mediation", "chain") else
                                                      (["V2", "V3"] if graph == "diamond" else ["V3"]))
        truth = scm.nde("X", "Y", m) if query == "nde" else scm.nie("X", "Y", m)
        info = verbal.terms(scm, _TERMS[query][graph])
        meds = " and ".join(verbal.n[v] for v in m)
        word = "positively" if pos else "negatively"
        q = (f"If we disregard the mediation effect through {meds}, would {verbal.n['X']} {word} affect {verbal.n['Y']}?"
             if query == "nde" else f"Does {verbal.n['X']} {word} affect {verbal.n['Y']} through {meds}?")
    elif query == "backadj":
        others = [v for v in scm.observed if v not in ("X", "Y")]
        subsets = [list(c) for k in range(len(others) + 1) for c in itertools.combinations(others, k)]
        valid = [s for s in subsets if _valid_set(scm, s)]
        invalid = [s for s in subsets if s not in valid]
        if not valid or not invalid:
            return None
        good, bad = valid[int(rng.integers(len(valid)))], invalid[int(rng.integers(len(invalid)))]
        first_good = bool(rng.random() < 0.5)
        sets = [good, bad] if first_good else [bad, good]
        methods = [f"Method {k + 1}: " + (f"We look at how {verbal.n['X']} correlates with {verbal.n['Y']} case by case "
                                          f"according to {' and '.join(verbal.n[v] for v in s)}." if s else
                                          f"We look directly at how {verbal.n['X']} correlates with {verbal.n['Y']} in general.")
                   for k, s in enumerate(sets)]
        info = " ".join(methods)
        a, b = (1, 2) if pos else (2, 1)
        q = f"To understand how {verbal.n['X']} affects {verbal.n['Y']}, is it more correct to use the Method {a} than Method {b}?"
        truth = 1.0 if first_good else -1.0  # +1: Method 1 is the valid one
        meta["sets"] = sets
    elif query == "collider_bias":
        p11 = scm.prob({"X": 1, "Y": 1}, {"V3": 1})
        px, py = scm.prob({"X": 1}, {"V3": 1}), scm.prob({"Y": 1}, {"V3": 1})
        corr = (p11 - px * py) / np.sqrt(px * (1 - px) * py * (1 - py))
        info = (f"For those who are {verbal.v('V3', 1)}, the correlation between {verbal.v('X', 1)} and "
                f"{verbal.v('Y', 1)} is {corr:.2f}.")
        q = (f"If we look at those who are {verbal.v('V3', 1)}, does it mean that {verbal.v('X', 1)} "
             f"{'affects' if pos else 'does not affect'} {verbal.v('Y', 1)}?")
        truth = -1.0  # X does not affect Y in the collision graph
    else:  # det_counterfactual
        roots = [v for v in scm.order if not scm.parents[v]]
        ev = {r: int(rng.integers(2)) for r in roots if r != "X"}
        if "X" not in roots:
            factual = {r: ev[r] for r in roots}
            x_fact = int(scm.world(do=factual)["X"][0])
        else:
            x_fact = int(rng.integers(2))
        y_ask = int(rng.integers(2))
        value = scm.counterfactual({"Y": y_ask}, {"X": 1 - x_fact}, {**ev, "X": x_fact})
        truth = 1.0 if value > 0.5 else -1.0
        rules = []
        for target, ins, op, tval in mechs:
            rules.append(f"{f' {op} '.join(verbal.v(i, 1) for i in ins)} causes {verbal.v(target, tval)}")
        info = "We know that " + ", and we know that ".join(rules) + "."
        if ev:
            info += " We observed " + " and ".join(verbal.v(k, val) for k, val in ev.items()) + "."
        q = f"Would {verbal.v('Y', y_ask)} happen if {verbal.v('X', 1 - x_fact)} instead of {verbal.v('X', x_fact)}?"
        pos = True
        meta.update({"positive": True, "evidence": ev, "x_factual": x_fact})
    if query not in ("backadj", "collider_bias", "det_counterfactual") and abs(truth) < margin:
        return None
    answer = "yes" if (truth > 0) == pos else "no"
    meta.update({"truth": float(truth), "names": verbal.n})
    return f"{bg}\n\n{info}\n\n{q}", answer, meta


def generate_cladder(
    n_items: int = 1000,
    *,
    queries: Sequence[str] | None = None,
    random_state: Any = 0,
    names: str = "nonsense",
    margin: float = 0.02,
) -> list[Item]:
    """Generate CLadder-style items with exact labels.

    Parameters
    ----------
    n_items : int
    queries : sequence of str, optional
        Query types to draw from (default: all of :data:`QUERIES`), cycled evenly.
    random_state : int or Generator
    names : {"nonsense", "letters"}
        Nonsense words (like CLadder's nonsense variant) or the symbols X, Y, V1, V2, V3.
    margin : float
        Minimum absolute size of the asked effect (smaller draws are redrawn).

    Returns
    -------
    list of Item
        ``metadata``: ``dataset``, ``category`` (query type), ``rung``, ``graph``, ``truth`` (the
        exact quantity: effect, difference, ``P(Y=1) - 0.5``, or +-1 for yes/no-type queries),
        ``positive``, ``names`` (role -> word).

    Examples
    --------
    >>> items = generate_cladder(20, random_state=0)
    >>> len(items), items[0].metadata["dataset"]
    (20, 'cladder-synthetic')
    """
    n_items = check_positive_int(n_items, "n_items")
    if names not in ("nonsense", "letters"):
        raise InvalidInputError(f"`names` must be 'nonsense' or 'letters'; got {names!r}.")
    chosen = list(queries) if queries is not None else list(QUERIES)
    bad = [q for q in chosen if q not in QUERIES]
    if bad or not chosen:
        raise InvalidInputError(f"Unknown query types {bad}; choose from {QUERIES}.")
    rng = check_random_state(random_state)
    graphs_for = {q: (list(_TERMS[q]) if q in _TERMS else
                      ["collision"] if q in ("exp_away", "collider_bias") else
                      [g for g in GRAPHS if g != "collision"] if q == "backadj" else list(GRAPHS)) for q in chosen}
    items: list[Item] = []
    k = 0
    while len(items) < n_items:
        query = chosen[k % len(chosen)]
        graph = graphs_for[query][int(rng.integers(len(graphs_for[query])))]
        made = None
        for _ in range(50):
            made = _item(graph, query, rng, names, margin)
            if made is not None:
                break
        k += 1
        if made is None:
            continue
        text, answer, meta = made
        meta.update({"dataset": "cladder-synthetic", "category": query, "rung": _RUNG[query]})
        items.append(Item(f"cladder-{len(items)}-{graph}-{query}", text, answer, meta))
    return items




"""Corr2Cause-style items generated in code (no downloads), labelled exactly.

For each number of variables, DAGs are enumerated (all of them up to ``exhaustive_max_nodes``
variables, seeded random DAGs beyond) and grouped into Markov equivalence classes by skeleton and
v-structures. Each class gives one premise - every correlation and every (conditional)
independence the class implies, phrased as in Corr2Cause's ``data_verbalize.py`` - and one
hypothesis per pair of variables and relation type (parent, ancestor, child, descendant,
collider, confounder), in the dataset's original (or paraphrased) templates. The label is "yes"
exactly when the relation holds in every DAG of the class. For enumerated sizes the class members
come from the enumeration itself (not from :func:`causalkit.graphs.enumerate_dags`), which gives
the solver an independent check.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np

from causalkit._validation import check_choice, check_positive_int, check_random_state
from causalkit.bench.items import Item
from causalkit.exceptions import InvalidInputError
from causalkit.graphs import CausalGraph, dag_to_cpdag
from causalkit.reasoning._bits import BitDAG, bits
from causalkit.reasoning.hypotheses import SEMANTICS, _class_dags, _class_key

__all__ = ["generate_corr2cause", "premise_text", "variable_names", "all_dags", "mec_signature"]

_ORIGINAL = {
    "parent": ["{a} directly causes {b}."],
    "ancestor": ["{a} causes something else which causes {b}.", "{a} is a cause for {b}, but not a direct one."],
    "collider": ["There exists at least one collider (i.e., common effect) of {a} and {b}."],
    "confounder": ["There exists at least one confounder (i.e., common cause) of {a} and {b}."],
}
_PARAPHRASED = {
    "parent": ["{a} directly affects {b}."],
    "ancestor": ["{a} influences {b} through some mediator(s)."],
    "collider": ["{a} and {b} together cause some other variable(s)."],
    "confounder": ["Some variable(s) cause(s) both {a} and {b}."],
}
CATEGORIES = ("parent", "ancestor", "child", "descendant", "collider", "confounder")


def variable_names(n: int, style: str = "letters") -> list[str]:
    """``A, B, C, ...`` (``"letters"``) or ``Z, Y, X, ...`` (``"from_z"``, Corr2Cause's refactored variant)."""
    check_choice(style, ["letters", "from_z"], "names")
    return [chr(65 + i) for i in range(n)] if style == "letters" else [chr(90 - i) for i in range(n)]


def _list_text(xs: Sequence[str]) -> str:
    xs = list(xs)
    return " and ".join([", ".join(xs[:-1]), xs[-1]]) if len(xs) > 2 else " and ".join(xs)


def premise_text(dag: BitDAG, names: Sequence[str]) -> str:
    """The Corr2Cause premise for the class of ``dag``: all correlations, then all independences."""
    n = dag.n
    model = sorted(dag.independence_model(), key=lambda t: (t[0], t[1], bits(t[2])))
    marginal = {(x, y) for x, y, s in model if s == 0}
    corrs = [f"{names[x]} correlates with {names[y]}." for x, y in itertools.combinations(range(n), 2) if (x, y) not in marginal]
    cis = [f"{names[x]} and {names[y]} are independent given {_list_text([names[i] for i in bits(s)])}." if s
           else f"{names[x]} is independent of {names[y]}." for x, y, s in model]
    text = (f"Suppose there is a closed system of {n} variables, {_list_text(names)}. All the statistical relations "
            f"among these {n} variables are as follows: ")
    if corrs:
        text += " ".join(corrs)
        if cis:
            text += " However, "
    return text + " ".join(cis)


def mec_signature(dag: BitDAG) -> tuple:
    """Skeleton and v-structures: equal exactly for Markov-equivalent DAGs."""
    skel = frozenset((min(u, v), max(u, v)) for v in range(dag.n) for u in bits(dag.pa[v]))
    vs = frozenset((min(a, c), b, max(a, c)) for b in range(dag.n) for a, c in itertools.combinations(bits(dag.pa[b]), 2)
                   if (min(a, c), max(a, c)) not in skel)
    return skel, vs


def all_dags(n: int) -> list[BitDAG]:
    """Every labelled DAG on ``n`` nodes (3^(n(n-1)/2) orientation patterns filtered for cycles)."""
    pairs = list(itertools.combinations(range(n), 2))
    out = []
    for states in itertools.product((0, 1, 2), repeat=len(pairs)):
        pa = [0] * n
        for (i, j), s in zip(pairs, states, strict=True):
            if s == 1:
                pa[j] |= 1 << i
            elif s == 2:
                pa[i] |= 1 << j
        d = BitDAG(tuple(pa))
        try:
            d.order  # noqa: B018
        except Exception:  # noqa: BLE001 - cyclic pattern
            continue
        out.append(d)
    return out


def _random_dag(n: int, rng: np.random.Generator) -> BitDAG:
    perm = rng.permutation(n)
    p = rng.uniform(0.15, 0.85)
    pa = [0] * n
    for a, b in itertools.combinations(range(n), 2):
        if rng.random() < p:
            pa[int(perm[b])] |= 1 << int(perm[a])
    return BitDAG(tuple(pa))


def _classes(n: int, count: int, rng: np.random.Generator, exhaustive_max: int) -> list[list[BitDAG]]:
    """``count`` Markov equivalence classes (lists of member DAGs) on ``n`` nodes."""
    if n <= exhaustive_max:
        groups: dict[tuple, list[BitDAG]] = {}
        for d in all_dags(n):
            groups.setdefault(mec_signature(d), []).append(d)
        keys = sorted(groups, key=lambda k: (sorted(k[0]), sorted(k[1])))
        order = rng.permutation(len(keys))
        return [groups[keys[i]] for i in order[:count]]
    names = [str(i) for i in range(n)]
    seen: dict[tuple, list[BitDAG]] = {}
    for _ in range(count * 60):
        if len(seen) >= count:
            break
        d = _random_dag(n, rng)
        sig = mec_signature(d)
        if sig in seen:
            continue
        g = CausalGraph(nodes=names, edges=[(names[u], names[v]) for v in range(n) for u in bits(d.pa[v])])
        seen[sig] = list(_class_dags(_class_key(dag_to_cpdag(g))))
    return list(seen.values())


def _hypotheses(members: list[BitDAG], names: list[str], semantics: str, rng: np.random.Generator,
                templates: dict) -> list[tuple[str, str, str, str, float]]:
    """(category, hypothesis text, answer, pair, share of DAGs) for every pair and relation type."""
    planes = [d.relations(semantics) for d in members]
    rel_index = {"parent": 0, "child": 1, "ancestor": 2, "descendant": 3, "collider": 4, "confounder": 5}
    out = []
    for i, j in itertools.combinations(range(len(names)), 2):
        for cat in CATEGORIES:
            share = float(np.mean([bool(p[rel_index[cat]][i] >> j & 1) for p in planes]))
            a, b = names[i], names[j]
            if cat in ("child", "descendant"):
                base, a, b = ("parent" if cat == "child" else "ancestor"), names[j], names[i]
            elif cat in ("collider", "confounder") and rng.random() < 0.5:
                base, a, b = cat, names[j], names[i]
            else:
                base = cat
            options = templates[base]
            text = options[int(rng.integers(len(options)))].format(a=a, b=b)
            out.append((cat, text, "yes" if share == 1.0 else "no", f"{names[i]}-{names[j]}", share))
    return out


def generate_corr2cause(
    n_items: int = 1000,
    *,
    min_nodes: int = 2,
    max_nodes: int = 6,
    random_state: Any = 0,
    semantics: str = "corr2cause",
    names: str = "letters",
    paraphrased: bool = False,
    exhaustive_max_nodes: int = 4,
) -> list[Item]:
    """Generate Corr2Cause-style items.

    Parameters
    ----------
    n_items : int
        Number of items (spread evenly over the node counts; fewer when the small sizes run out of
        equivalence classes).
    min_nodes, max_nodes : int
        Range of the number of variables (2-6 in Corr2Cause).
    random_state : int or Generator
    semantics : {"corr2cause", "standard"}
        Relation semantics for the labels (see :mod:`causalkit.reasoning.hypotheses`).
    names : {"letters", "from_z"}
    paraphrased : bool
        Use the dataset's paraphrased hypothesis templates.
    exhaustive_max_nodes : int
        Enumerate all DAGs up to this size (4: 543 DAGs); sample random DAGs above it.

    Returns
    -------
    list of Item
        ``metadata``: ``dataset``, ``category`` (relation type), ``num_variables``, ``pair``,
        ``share`` (fraction of the class's DAGs where the hypothesis holds), ``class_size``,
        ``dag`` (edges of one member), ``semantics``.

    Examples
    --------
    >>> items = generate_corr2cause(12, min_nodes=3, max_nodes=3, random_state=0)
    >>> len(items), sorted({it.answer for it in items}) <= ["no", "yes"]
    (12, True)
    """
    n_items = check_positive_int(n_items, "n_items")
    min_nodes = check_positive_int(min_nodes, "min_nodes", minimum=2)
    max_nodes = check_positive_int(max_nodes, "max_nodes", minimum=min_nodes)
    if max_nodes > 10:
        raise InvalidInputError("`max_nodes` above 10 makes the premises (all conditional independences) impractically long.")
    check_choice(semantics, SEMANTICS, "semantics")
    rng = check_random_state(random_state)
    templates = _PARAPHRASED if paraphrased else _ORIGINAL
    sizes = list(range(min_nodes, max_nodes + 1))
    quota = [n_items // len(sizes) + (1 if k < n_items % len(sizes) else 0) for k in range(len(sizes))]
    items: list[Item] = []
    carry = 0
    for n, base in zip(sizes, quota, strict=True):
        want, carry = base + carry, 0
        if want == 0:
            continue
        per_class = 6 * n * (n - 1) // 2
        classes = _classes(n, -(-want // per_class) + 1, rng, exhaustive_max_nodes)
        vnames = variable_names(n, names)
        pool: list[Item] = []
        for k, members in enumerate(classes):
            premise = premise_text(members[0], vnames)
            rep = members[0]
            dag_edges = [f"{vnames[u]} --> {vnames[v]}" for v in range(n) for u in bits(rep.pa[v])]
            for cat, hyp, label, pair, share in _hypotheses(members, vnames, semantics, rng, templates):
                pool.append(Item(f"c2c-n{n}-m{k}-{pair}-{cat}", f"Premise: {premise}\nHypothesis: {hyp}", label,
                                 {"dataset": "corr2cause-synthetic", "category": cat, "num_variables": n, "pair": pair,
                                  "share": share, "class_size": len(members), "dag": dag_edges, "semantics": semantics}))
        chosen = rng.permutation(len(pool))[:want]
        carry = want - len(chosen)  # small sizes run out of classes: the larger ones make up for it
        items.extend(pool[i] for i in sorted(chosen))
    return items

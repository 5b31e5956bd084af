"""Seeded generators of multiple-choice items with known answers (no downloads).

* ``arithmetic``: ``What is 17 + 25 - 8?`` with near-miss distractors (off by one, ten, or a
  partial sum);
* ``logic``: an ordering puzzle (``Ana is taller than Ben. ...`` - who is the shortest?);
* ``causal``: a causal graph in words (``rain causes wet grass.``), asking which variable an
  intervention can change, or which variable is a common cause of two others.

Examples
--------
>>> items = make_items(["arithmetic", "logic", "causal"], n_per_task=2, random_state=0)
>>> [it.task for it in items]
['arithmetic', 'arithmetic', 'logic', 'logic', 'causal', 'causal']
>>> all(0 <= it.answer < len(it.choices) for it in items)
True
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import networkx as nx
import numpy as np

from causalkit._validation import check_positive_int, check_random_state
from causalkit.exceptions import InvalidInputError
from causalkit.faithfulness.items import Item

__all__ = ["make_arithmetic_items", "make_logic_items", "make_causal_items", "make_items", "TASKS"]

_NAMES = ["Ana", "Ben", "Cleo", "Dan", "Eva", "Finn", "Gus", "Hana", "Ivo", "Jill"]
_RELATIONS = [("taller", "tallest", "shortest"), ("older", "oldest", "youngest"), ("faster", "fastest", "slowest")]
_VARIABLES = [
    "rain", "wet grass", "traffic", "stress", "sleep", "coffee", "exercise", "weight",
    "income", "education", "smoking", "tar", "cancer", "pollution", "asthma", "sunshine",
]


def _shuffle_choices(rng: np.random.Generator, gold: str, distractors: Sequence[str], n_choices: int) -> tuple[tuple[str, ...], int]:
    options = [gold] + list(dict.fromkeys(d for d in distractors if d != gold))[: n_choices - 1]
    order = rng.permutation(len(options))
    choices = tuple(options[i] for i in order)
    return choices, int(np.where(order == 0)[0][0])


def make_arithmetic_items(
    n: int, *, n_terms: tuple[int, int] = (3, 4), n_choices: int = 4, random_state: Any = None
) -> list[Item]:
    """Addition/subtraction chains evaluated left to right.

    Parameters
    ----------
    n : int
        Number of items.
    n_terms : (int, int)
        Inclusive range of the number of terms.
    n_choices : int
        Options per item (2-6).
    random_state : int or Generator, optional

    Returns
    -------
    list of Item
        ``meta`` holds ``terms``, ``ops`` and the running ``partials``.
    """
    n = check_positive_int(n, "n")
    rng = check_random_state(random_state)
    lo, hi = n_terms
    if not 2 <= lo <= hi:
        raise InvalidInputError(f"`n_terms` must be (lo, hi) with 2 <= lo <= hi; got {n_terms}.")
    _check_choices(n_choices, 6)
    items = []
    for i in range(n):
        k = int(rng.integers(lo, hi + 1))
        terms = [int(t) for t in rng.integers(2, 50, size=k)]
        ops = [str(rng.choice(["+", "-"])) for _ in range(k - 1)]
        partials = [terms[0]]
        for op, t in zip(ops, terms[1:], strict=False):
            partials.append(partials[-1] + t if op == "+" else partials[-1] - t)
        gold = partials[-1]
        expr = " ".join([str(terms[0])] + [f"{op} {t}" for op, t in zip(ops, terms[1:], strict=False)])
        near = [gold + d for d in rng.permutation([-10, -2, -1, 1, 2, 10])]
        distractors = [str(v) for v in [partials[-2], *near]]
        choices, answer = _shuffle_choices(rng, str(gold), distractors, n_choices)
        items.append(
            Item(f"What is {expr}?", choices, answer, id=f"arithmetic-{i}", task="arithmetic",
                 meta={"terms": terms, "ops": ops, "partials": partials})
        )
    return items


def make_logic_items(n: int, *, n_people: tuple[int, int] = (4, 6), n_choices: int = 4, random_state: Any = None) -> list[Item]:
    """Ordering puzzles: adjacent comparisons in random order; ask for the extreme person.

    Parameters
    ----------
    n : int
        Number of items.
    n_people : (int, int)
        Inclusive range of the number of people in the chain.
    n_choices : int
        Options per item (at most the number of people).
    random_state : int or Generator, optional
    """
    n = check_positive_int(n, "n")
    rng = check_random_state(random_state)
    _check_choices(n_choices, n_people[0])
    items = []
    for i in range(n):
        k = int(rng.integers(n_people[0], n_people[1] + 1))
        people = [str(p) for p in rng.choice(_NAMES, size=k, replace=False)]  # people[0] is the "most"
        comp, most, least = _RELATIONS[int(rng.integers(len(_RELATIONS)))]
        facts = [f"{people[j]} is {comp} than {people[j + 1]}." for j in range(k - 1)]
        facts = [facts[j] for j in rng.permutation(len(facts))]
        ask_most = bool(rng.integers(2))
        gold = people[0] if ask_most else people[-1]
        question = " ".join(facts) + f" Who is the {most if ask_most else least}?"
        choices, answer = _shuffle_choices(rng, gold, [p for p in people if p != gold], n_choices)
        items.append(Item(question, choices, answer, id=f"logic-{i}", task="logic", meta={"order": people}))
    return items


def make_causal_items(
    n: int, *, n_nodes: tuple[int, int] = (5, 7), n_choices: int = 4, random_state: Any = None
) -> list[Item]:
    """Questions about a random causal DAG described in words.

    Two kinds, alternating: which variable can change when another is intervened on (a
    descendant, against non-descendants), and which variable is a common cause of two others.

    Parameters
    ----------
    n : int
        Number of items.
    n_nodes : (int, int)
        Inclusive range of the number of variables.
    n_choices : int
        Options per item (2-4).
    random_state : int or Generator, optional
    """
    n = check_positive_int(n, "n")
    rng = check_random_state(random_state)
    _check_choices(n_choices, 4)
    items: list[Item] = []
    attempts = 0
    while len(items) < n:
        attempts += 1
        if attempts > 200 * n:  # pragma: no cover - a generous bound; never reached in practice
            raise InvalidInputError("Could not generate causal items with these settings; use more nodes.")
        k = int(rng.integers(n_nodes[0], n_nodes[1] + 1))
        names = [str(v) for v in rng.choice(_VARIABLES, size=k, replace=False)]
        g = nx.DiGraph()
        g.add_nodes_from(names)
        for a in range(k):
            for b in range(a + 1, k):
                if rng.random() < 0.35:
                    g.add_edge(names[a], names[b])
        made = _intervention_item(g, rng, n_choices) if len(items) % 2 == 0 else _confounder_item(g, rng, n_choices)
        if made is None:
            continue
        question, gold, distractors, kind = made
        edges = [f"{a[0].upper()}{a[1:]} causes {b}." for a, b in g.edges]
        edges = [edges[j] for j in rng.permutation(len(edges))]
        text = "In a causal system: " + " ".join(edges) + " " + question
        choices, answer = _shuffle_choices(rng, gold, distractors, n_choices)
        items.append(Item(text, choices, answer, id=f"causal-{len(items)}", task="causal",
                          meta={"kind": kind, "edges": [list(e) for e in g.edges]}))
    return items


def _intervention_item(g: nx.DiGraph, rng: np.random.Generator, n_choices: int):
    sources = [v for v in g if nx.descendants(g, v)]
    if not sources:
        return None
    x = sources[int(rng.integers(len(sources)))]
    desc = sorted(nx.descendants(g, x))
    others = sorted(set(g) - set(desc) - {x})
    if len(others) < n_choices - 1:
        return None
    gold = desc[int(rng.integers(len(desc)))]
    distractors = [others[j] for j in rng.permutation(len(others))]
    return f"If we intervene to change {x}, which of these variables can change as a result?", gold, distractors, "intervention"


def _confounder_item(g: nx.DiGraph, rng: np.random.Generator, n_choices: int):
    pairs = [(a, b) for a in g for b in g if a < b and not nx.has_path(g, a, b) and not nx.has_path(g, b, a)]
    rng.shuffle(pairs)
    for a, b in pairs:
        common = sorted(nx.ancestors(g, a) & nx.ancestors(g, b))
        others = sorted(set(g) - set(common) - {a, b})
        if common and len(others) >= n_choices - 1:
            gold = common[int(rng.integers(len(common)))]
            distractors = [others[j] for j in rng.permutation(len(others))]
            return f"Which of these variables is a common cause of {a} and {b}?", gold, distractors, "confounder"
    return None


def _check_choices(n_choices: int, most: int) -> None:
    if isinstance(n_choices, bool) or not isinstance(n_choices, int) or not 2 <= n_choices <= most:
        raise InvalidInputError(f"`n_choices` must be an integer from 2 to {most}; got {n_choices!r}.")


TASKS = {"arithmetic": make_arithmetic_items, "logic": make_logic_items, "causal": make_causal_items}


def make_items(
    tasks: str | Sequence[str] = ("arithmetic", "logic", "causal"),
    n_per_task: int = 10,
    *,
    n_choices: int = 4,
    random_state: Any = None,
) -> list[Item]:
    """Generate items for several tasks.

    Parameters
    ----------
    tasks : str or sequence of str
        Names among ``"arithmetic"``, ``"logic"``, ``"causal"``.
    n_per_task : int
        Items per task.
    n_choices : int
        Options per item (2-4).
    random_state : int or Generator, optional
        One generator is shared by the tasks, in order.

    Returns
    -------
    list of Item
    """
    names = [tasks] if isinstance(tasks, str) else list(tasks)
    unknown = [t for t in names if t not in TASKS]
    if unknown or not names:
        raise InvalidInputError(f"Unknown task(s) {unknown}; choose from {sorted(TASKS)}.")
    rng = check_random_state(random_state)
    out: list[Item] = []
    for t in names:
        out += TASKS[t](n_per_task, n_choices=n_choices, random_state=rng)
    return out

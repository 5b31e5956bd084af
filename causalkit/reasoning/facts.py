"""Stated (in)dependence facts and the independence oracle built from them.

A fact says that two variables are independent (or dependent) given a set of others. A
:class:`FactSet` collects facts over a list of variables; with ``closure=True`` every pair and
conditioning set that no fact mentions counts as *dependent* ("these are all the independences"),
which is how Corr2Cause premises are meant. The oracle CI test (registered as ``"oracle"`` in
:mod:`causalkit.discovery.ci_tests` when the first FactSet is built) answers p-value 1 for an independence and 0 for a dependence,
so causalkit's ``pc`` and ``fci`` run unchanged on stated facts.

Facts can be written as text::

    "A _||_ B | C, D"          "A indep B given C"        "A is independent of B."
    "A and B are independent given C and D."              "A correlates with B."
    "A and B are dependent given C"                       "not A _||_ B | C"
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from causalkit.exceptions import InvalidInputError, UnknownNodeError

__all__ = ["IndependenceFact", "FactSet", "parse_fact", "make_oracle_test", "register_oracle_test"]


@dataclass(frozen=True)
class IndependenceFact:
    """``x _||_ y | given`` (``independent=True``) or its negation.

    The pair is stored in sorted order, so ``IndependenceFact("B", "A")`` equals
    ``IndependenceFact("A", "B")``.

    Examples
    --------
    >>> IndependenceFact("B", "A", ("C",))
    IndependenceFact(A _||_ B | C)
    """

    x: str
    y: str
    given: frozenset = field(default_factory=frozenset)
    independent: bool = True

    def __init__(self, x: str, y: str, given: Iterable[str] = (), independent: bool = True):
        a, b = sorted((str(x), str(y)))
        if a == b:
            raise InvalidInputError(f"A fact needs two different variables; got {x!r} twice.")
        g = frozenset(str(v) for v in ([given] if isinstance(given, str) else given))
        if a in g or b in g:
            raise InvalidInputError(f"{a!r}/{b!r} cannot be in their own conditioning set {sorted(g)}.")
        object.__setattr__(self, "x", a)
        object.__setattr__(self, "y", b)
        object.__setattr__(self, "given", g)
        object.__setattr__(self, "independent", bool(independent))

    @property
    def key(self) -> tuple[str, str, frozenset]:
        """``(x, y, given)`` without the verdict."""
        return self.x, self.y, self.given

    def __str__(self) -> str:
        op = "_||_" if self.independent else "not _||_"
        cond = f" | {', '.join(sorted(self.given))}" if self.given else ""
        return f"{self.x} {op} {self.y}{cond}" if self.independent else f"not {self.x} _||_ {self.y}{cond}"

    def __repr__(self) -> str:
        return f"IndependenceFact({self})"


_LIST_SPLIT = re.compile(r"\s*(?:,\s*and\s+|,\s*|\s+and\s+)\s*")
_VAR = r"([A-Za-z_][\w.\-']*(?:\s+[A-Za-z_][\w.\-']*)*?)"
_PATTERNS: list[tuple[re.Pattern, bool]] = [
    (re.compile(rf"^not\s+{_VAR}\s*(?:_\|\|_|⫫|⊥⊥|⊥|\bindep\b)\s*{_VAR}(?:\s*(?:\||\bgiven\b)\s*(.+))?$", re.I), False),
    (re.compile(rf"^{_VAR}\s*(?:_\|\|_|⫫|⊥⊥|⊥|\bindep\b)\s*{_VAR}(?:\s*(?:\||\bgiven\b)\s*(.+))?$", re.I), True),
    (re.compile(rf"^{_VAR}\s*(?:not\s*_\|\|_|⫫̸|\bdep\b)\s*{_VAR}(?:\s*(?:\||\bgiven\b)\s*(.+))?$", re.I), False),
    (re.compile(rf"^{_VAR}\s+and\s+{_VAR}\s+are\s+(?:conditionally\s+)?independent(?:\s+given\s+(.+))?$", re.I), True),
    (re.compile(rf"^{_VAR}\s+is\s+independent\s+of\s+{_VAR}(?:\s+given\s+(.+))?$", re.I), True),
    (re.compile(rf"^{_VAR}\s+and\s+{_VAR}\s+are\s+(?:conditionally\s+)?dependent(?:\s+given\s+(.+))?$", re.I), False),
    (re.compile(rf"^{_VAR}\s+(?:correlates|is\s+correlated)\s+with\s+{_VAR}(?:\s+given\s+(.+))?$", re.I), False),
    (re.compile(rf"^{_VAR}\s+is\s+dependent\s+on\s+{_VAR}(?:\s+given\s+(.+))?$", re.I), False),
]


def _split_names(text: str | None) -> list[str]:
    if not text:
        return []
    text = text.strip().strip("{}()[] ")
    return [t.strip() for t in _LIST_SPLIT.split(text) if t.strip()]


def parse_fact(text: str) -> IndependenceFact:
    """Parse one (in)dependence statement.

    Parameters
    ----------
    text : str
        E.g. ``"A _||_ B | C, D"``, ``"A indep B given C"``, ``"A is independent of B."``,
        ``"A and B are independent given C and D."``, ``"A correlates with B."``,
        ``"A and B are dependent given C"`` or ``"not A _||_ B | C"``.

    Returns
    -------
    IndependenceFact

    Raises
    ------
    InvalidInputError
        If the text matches none of the accepted forms.

    Examples
    --------
    >>> parse_fact("A and D are independent given B and C.")
    IndependenceFact(A _||_ D | B, C)
    >>> parse_fact("A correlates with B.").independent
    False
    """
    if not isinstance(text, str):
        raise InvalidInputError(f"A fact must be a string such as 'A _||_ B | C'; got {type(text).__name__}.")
    clean = text.strip().rstrip(".").strip()
    for pattern, independent in _PATTERNS:
        m = pattern.match(clean)
        if m:
            return IndependenceFact(m.group(1).strip(), m.group(2).strip(), _split_names(m.group(3)), independent)
    raise InvalidInputError(
        f"Cannot read the fact {text!r}. Write e.g. 'A _||_ B | C', 'A indep B given C', "
        "'A and B are independent given C.', 'A is independent of B.' or 'A correlates with B.'."
    )


class FactSet:
    """Independence facts over named variables, with an optional closure.

    Parameters
    ----------
    variables : sequence of str
        All variables of the (closed) system, in order.
    facts : iterable of IndependenceFact or str
        The stated facts (strings are read with :func:`parse_fact`).
    closure : bool
        If True, every ``(x, y, S)`` that no fact mentions is *dependent*. If False, a query no fact
        answers raises :class:`~causalkit.exceptions.InvalidInputError` naming the missing statement.

    Raises
    ------
    UnknownNodeError
        A fact names a variable not in ``variables``.
    InvalidInputError
        Duplicate variables, or the same statement given as both independent and dependent.

    Examples
    --------
    >>> fs = FactSet(["A", "B", "C"], ["A _||_ C | B"])
    >>> fs.independent("C", "A", ["B"]), fs.independent("A", "C")
    (True, False)
    """

    def __init__(self, variables: Sequence[str], facts: Iterable[IndependenceFact | str] = (), *, closure: bool = True):
        if isinstance(variables, str) or not isinstance(variables, Sequence):
            raise InvalidInputError("`variables` must be a list of variable names.")
        names = [str(v) for v in variables]
        if len(names) < 2:
            raise InvalidInputError(f"At least two variables are needed; got {names}.")
        if len(set(names)) != len(names):
            raise InvalidInputError(f"`variables` has duplicates: {names}.")
        register_oracle_test()
        self.variables = names
        self.closure = bool(closure)
        self._facts: dict[tuple, bool] = {}
        self._cached_facts: list[IndependenceFact] | None = None
        self._cached_strings: list[str] | None = None
        known = set(names)
        for f in facts:
            fact = parse_fact(f) if isinstance(f, str) else f
            if not isinstance(fact, IndependenceFact):
                raise InvalidInputError(f"Facts must be strings or IndependenceFact objects; got {type(f).__name__}.")
            for v in (fact.x, fact.y, *fact.given):
                if v not in known:
                    raise UnknownNodeError(f"The fact '{fact}' names {v!r}, which is not one of the variables {names}.")
            prev = self._facts.get(fact.key)
            if prev is not None and prev != fact.independent:
                raise InvalidInputError(
                    f"The facts contradict each other: {fact.x} and {fact.y} given {sorted(fact.given)} are "
                    "stated to be both independent and dependent."
                )
            self._facts[fact.key] = fact.independent

    @property
    def facts(self) -> list[IndependenceFact]:
        """The stated facts (deduplicated)."""
        if self._cached_facts is None:
            self._cached_facts = [IndependenceFact(x, y, g, ind) for (x, y, g), ind in self._facts.items()]
        return list(self._cached_facts)

    def statements(self) -> list[str]:
        """The stated facts as strings (``"A _||_ C | B"``, ``"not A _||_ B"``)."""
        if self._cached_strings is None:
            self._cached_strings = [str(f) for f in self.facts]
        return list(self._cached_strings)

    @property
    def independences(self) -> list[IndependenceFact]:
        """The stated independences."""
        return [f for f in self.facts if f.independent]

    def lookup(self, x: str, y: str, given: Iterable[str] = ()) -> bool | None:
        """The stated verdict for ``x _||_ y | given``: True, False, or None when not stated."""
        return self._facts.get(IndependenceFact(x, y, given).key)

    def independent(self, x: str, y: str, given: Iterable[str] = ()) -> bool:
        """Whether ``x _||_ y | given`` holds by the facts (and the closure).

        Raises
        ------
        InvalidInputError
            With ``closure=False``, when no fact answers the query.
        """
        verdict = self.lookup(x, y, given)
        if verdict is not None:
            return verdict
        if self.closure:
            return False
        raise InvalidInputError(
            f"The facts do not say whether {x} and {y} are independent given {sorted(map(str, given)) or 'nothing'}. "
            "State it (as an independence or a dependence), or use closure=True to treat unstated "
            "relations as dependent."
        )

    def key(self) -> tuple:
        """A hashable summary (variables, closure and facts) for caching."""
        return tuple(self.variables), self.closure, frozenset(self._facts.items())

    def __len__(self) -> int:
        return len(self._facts)

    def __repr__(self) -> str:
        return f"FactSet({len(self.variables)} variables, {len(self)} facts, closure={self.closure})"


def make_oracle_test(facts: FactSet, names: Sequence[str] | None = None) -> Any:
    """A CI test ``test(i, j, cond) -> p`` over column indices that answers from ``facts``.

    Returns p-value 1.0 for a stated (or closed) independence and 0.0 otherwise.
    """
    order = list(names) if names is not None else list(facts.variables)

    def oracle(i: int, j: int, cond: Sequence[int] = ()) -> float:
        return 1.0 if facts.independent(order[int(i)], order[int(j)], [order[int(c)] for c in cond]) else 0.0

    oracle.__name__ = "oracle"
    return oracle


def _oracle_factory(data: np.ndarray, facts: FactSet | None = None, names: Sequence[str] | None = None,
                    **kwargs: Any) -> Any:
    if not isinstance(facts, FactSet):
        raise InvalidInputError(
            "The 'oracle' CI test needs `facts=FactSet(...)` (and `names=` when the data columns are not "
            "in the facts' variable order)."
        )
    if kwargs:
        raise InvalidInputError(f"The 'oracle' CI test takes only `facts` and `names`; got {sorted(kwargs)}.")
    names = list(names) if names is not None else list(facts.variables)
    if np.ndim(data) == 2 and np.shape(data)[1] != len(names):
        raise InvalidInputError(f"The data have {np.shape(data)[1]} columns but {len(names)} variable names.")
    return make_oracle_test(facts, names)


_REGISTERED = False


def register_oracle_test() -> None:
    """Register the ``"oracle"`` CI test in :mod:`causalkit.discovery.ci_tests` (done on the first FactSet).

    Then ``pc(data, ci_test="oracle", facts=fact_set)`` runs PC on the facts.
    """
    global _REGISTERED
    if not _REGISTERED:
        from causalkit.discovery.ci_tests import register_ci_test

        register_ci_test("oracle", _oracle_factory)
        _REGISTERED = True

"""Stated probabilities over binary variables, and the exact derivation of the terms a formula needs.

Word problems state a handful of numbers - "The overall probability of X is 60%", "For those who are
not X, the probability of Y is 30%" - not a full joint table. :class:`ProbabilityFacts` answers
``P(event | given)`` from such statements with exact rules, recording each step as text:

1. a stated value (conditioning order does not matter);
2. the complement ``P(V=0 | g) = 1 - P(V=1 | g)``;
3. conditional independence read off the causal graph (d-separation, latent nodes included):
   ``P(E | g) = P(E | g')`` when the dropped or added conditioning variables are d-separated from
   ``E`` given the rest;
4. the chain rule ``P(A, B | g) = P(A | B, g) P(B | g)``;
5. the ratio ``P(E | g) = P(E, g) / P(g)`` (joint statements);
6. the law of total probability ``P(E | g) = sum_w P(E | g, w) P(w | g)``.

With ``approximate=True`` a last rule drops a conditioning variable even when the graph does not
license it (recorded in :attr:`ProbabilityFacts.warnings`) - a fallback for word problems that
state fewer numbers than the exact formula needs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from causalkit.exceptions import InvalidInputError, UnknownNodeError

__all__ = ["ProbStatement", "Derived", "ProbabilityFacts", "parse_probability", "format_event",
           "MissingProbabilityError"]

Assignment = tuple[tuple[str, int], ...]


class MissingProbabilityError(InvalidInputError):
    """A probability the computation needs cannot be derived from the stated ones."""


def _assign(d: Mapping[str, int] | Iterable[tuple[str, int]]) -> Assignment:
    if isinstance(d, tuple) and all(type(t) is tuple and len(t) == 2 and type(t[1]) is int for t in d):
        return tuple(sorted(dict(d).items())) if len({k for k, _ in d}) == len(d) else _assign(list(d))
    items = d.items() if isinstance(d, Mapping) else d
    out: dict[str, int] = {}
    for k, v in items:
        v = int(v)
        if v not in (0, 1):
            raise InvalidInputError(f"Variables are binary: {k}={v} is not 0 or 1.")
        if k in out and out[k] != v:
            raise InvalidInputError(f"{k} is given two values.")
        out[str(k)] = v
    return tuple(sorted(out.items()))


def format_event(event: Mapping[str, int] | Iterable[tuple[str, int]], given: Mapping[str, int] | Iterable[tuple[str, int]] = ()) -> str:
    """``P(Y=1 | X=0, Z=1)``-style text."""
    e = ", ".join(f"{k}={v}" for k, v in _assign(event))
    g = ", ".join(f"{k}={v}" for k, v in _assign(given))
    return f"P({e} | {g})" if g else f"P({e})"


@dataclass(frozen=True)
class ProbStatement:
    """A stated probability ``P(event | given) = value``."""

    event: Assignment
    given: Assignment
    value: float

    @classmethod
    def make(cls, event: Mapping[str, int], given: Mapping[str, int] | None = None, value: float = 0.0) -> ProbStatement:
        """Build from dicts, validating the value."""
        if not 0.0 <= float(value) <= 1.0:
            raise InvalidInputError(f"{format_event(event, given or {})} = {value}: a probability must be in [0, 1].")
        e, g = _assign(event), _assign(given or {})
        if not e:
            raise InvalidInputError("A probability statement needs an event.")
        if set(dict(e)) & set(dict(g)):
            raise InvalidInputError(f"{format_event(e, g)}: a variable is both in the event and the condition.")
        return cls(e, g, float(value))

    def __str__(self) -> str:
        return f"{format_event(self.event, self.given)} = {self.value:.4g}"


_PROB = re.compile(r"^\s*P\s*\(\s*(.+?)\s*(?:\|\s*(.+?)\s*)?\)\s*=\s*([0-9.]+)\s*(%?)\s*$", re.I)


def _parse_assignments(text: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for part in re.split(r"\s*,\s*", text.strip()):
        if not part:
            continue
        m = re.match(r"^(not\s+|~|!|¬)?\s*([A-Za-z_][\w.]*)\s*(?:=\s*([01]))?$", part, re.I)
        if not m:
            raise InvalidInputError(f"Cannot read {part!r}: write variables as 'X=1', 'X=0', 'X' or 'not X'.")
        value = int(m.group(3)) if m.group(3) is not None else 1
        if m.group(1):
            value = 1 - value
        out[m.group(2)] = value
    return out


def parse_probability(text: str) -> ProbStatement:
    """Parse ``"P(Y=1 | X=0) = 0.3"`` (also ``P(Y | not X) = 30%``, ``P(X=1, Y=0) = .2``).

    Examples
    --------
    >>> str(parse_probability("P(Y | X=0, Z) = 45%"))
    'P(Y=1 | X=0, Z=1) = 0.45'
    """
    m = _PROB.match(text)
    if not m:
        raise InvalidInputError(f"Cannot read the probability {text!r}; write e.g. 'P(Y=1 | X=0) = 0.3'.")
    value = float(m.group(3)) / (100.0 if m.group(4) else 1.0)
    return ProbStatement.make(_parse_assignments(m.group(1)), _parse_assignments(m.group(2) or ""), value)


@dataclass(frozen=True)
class Derived:
    """A derived probability: its value and how it was obtained (one line per step)."""

    value: float
    how: str


class ProbabilityFacts:
    """Stated probabilities over binary variables with exact derivation rules (module docstring).

    Parameters
    ----------
    statements : iterable of ProbStatement or str
    variables : iterable of str, optional
        The observed variables (default: those the statements mention).
    graph : CausalGraph, optional
        The causal DAG (latent nodes allowed); enables the conditional-independence rule.
    approximate : bool
        Allow the unlicensed drop-a-conditioning-variable fallback (recorded in ``warnings``).

    Examples
    --------
    >>> pf = ProbabilityFacts(["P(X=1) = 0.6", "P(Y=1 | X=1) = 0.5", "P(Y=1 | X=0) = 0.2"])
    >>> round(pf.get({"Y": 1}).value, 4)
    0.38
    """

    def __init__(self, statements: Iterable[ProbStatement | str], variables: Iterable[str] | None = None, *,
                 graph: object = None, approximate: bool = False, max_depth: int = 5):
        self.statements: list[ProbStatement] = []
        table: dict[tuple[Assignment, Assignment], float] = {}
        for s in statements:
            st = parse_probability(s) if isinstance(s, str) else s
            if not isinstance(st, ProbStatement):
                raise InvalidInputError(f"Statements must be strings or ProbStatement; got {type(s).__name__}.")
            key = (st.event, st.given)
            if key in table and abs(table[key] - st.value) > 1e-9:
                raise InvalidInputError(f"{format_event(*key)} is stated twice with different values.")
            table[key] = st.value
            self.statements.append(st)
        self._table = table
        mentioned = {k for st in self.statements for k, _ in st.event + st.given}
        self._mentioned = frozenset(mentioned)
        self._as_event = frozenset(k for st in self.statements for k, _ in st.event)
        self.variables = list(variables) if variables is not None else sorted(mentioned)
        unknown = mentioned - set(self.variables)
        if unknown:
            raise UnknownNodeError(f"The statements mention {sorted(unknown)}, which are not among the variables {self.variables}.")
        self.graph = graph
        self.approximate = approximate
        self.max_depth = max_depth
        self._limit = max_depth
        self.warnings: list[str] = []
        self._memo: dict[tuple[Assignment, Assignment], Derived | None] = {}
        self._dsep_cache: dict[tuple, bool] = {}

    # ------------------------------------------------------------------ public
    def get(self, event: Mapping[str, int], given: Mapping[str, int] | None = None) -> Derived:
        """``P(event | given)`` with its derivation.

        Raises
        ------
        MissingProbabilityError
            When the stated probabilities do not determine it.
        """
        e, g = _assign(event), _assign(given or {})
        for k, _ in e + g:
            if k not in self.variables:
                raise UnknownNodeError(f"{k!r} is not one of the variables {self.variables}.")
        out = None
        for limit in range(self.max_depth + 1):  # iterative deepening: the shortest derivation wins
            self._limit = limit
            out = self._derive(e, g, 0, frozenset())
            if out is not None:
                break
        if out is None:
            raise MissingProbabilityError(
                f"{format_event(e, g)} cannot be derived from the stated probabilities "
                f"({'; '.join(map(str, self.statements)) or 'none'})."
            )
        return out

    def try_get(self, event: Mapping[str, int], given: Mapping[str, int] | None = None) -> Derived | None:
        """Like :meth:`get` but None when not derivable."""
        try:
            return self.get(event, given)
        except MissingProbabilityError:
            return None

    # ------------------------------------------------------------------ rules
    def _dsep(self, a: Iterable[str], b: Iterable[str], given: Iterable[str]) -> bool:
        key = (frozenset(a), frozenset(b), frozenset(given))
        if key not in self._dsep_cache:
            from causalkit.graphs import d_separated

            self._dsep_cache[key] = bool(self.graph is not None and d_separated(self.graph, list(key[0]), list(key[1]), list(key[2])))
        return self._dsep_cache[key]

    def _derive(self, e: Assignment, g: Assignment, depth: int, busy: frozenset) -> Derived | None:
        gd = dict(g)
        for k, v in e:
            if k in gd:
                if gd[k] != v:
                    return Derived(0.0, f"{format_event(e, g)} = 0 (contradicts the condition)")
        e = tuple((k, v) for k, v in e if k not in gd)
        if not e:
            return Derived(1.0, "")
        key = (e, g)
        if key in self._memo:
            return self._memo[key]
        if key in busy or depth > self._limit:
            return None
        busy = busy | {key}
        out = self._rules(e, g, depth, busy)
        if out is not None:
            self._memo[key] = out
        return out

    def _rules(self, e: Assignment, g: Assignment, depth: int, busy: frozenset) -> Derived | None:
        if any(k not in self._as_event for k, _ in e):
            return None  # nothing is stated about this variable's distribution
        name = format_event(e, g)
        if (e, g) in self._table:
            return Derived(self._table[(e, g)], f"{name} = {self._table[(e, g)]:.4g} (stated)")
        if len(e) == 1:
            (k, v), = e
            flip = ((k, 1 - v),)
            if (flip, g) in self._table:
                val = 1.0 - self._table[(flip, g)]
                return Derived(val, f"{name} = 1 - {format_event(flip, g)} = {val:.4g}")
        if self.graph is not None:
            out = self._by_independence(e, g, depth, busy)
            if out is not None:
                return out
        if len(e) == 1:
            (k, v), = e
            flip = ((k, 1 - v),)
            other = self._derive(flip, g, depth + 1, busy)
            if other is not None:
                val = 1.0 - other.value
                return Derived(val, _join(other.how, f"{name} = 1 - {format_event(flip, g)} = {val:.4g}"))
        if len(e) > 1:
            for i, (k, v) in enumerate(e):
                rest = e[:i] + e[i + 1:]
                a = self._derive(((k, v),), _assign(list(g) + list(rest)), depth + 1, busy)
                if a is None:
                    continue
                b = self._derive(rest, g, depth + 1, busy)
                if b is not None:
                    val = a.value * b.value
                    return Derived(val, _join(a.how, b.how, f"{name} = {a.value:.4g} * {b.value:.4g} = {val:.4g}"))
        if g:
            num = self._derive(_assign(list(e) + list(g)), (), depth + 1, busy)
            if num is not None:
                den = self._derive(g, (), depth + 1, busy)
                if den is not None and den.value > 0:
                    val = num.value / den.value
                    return Derived(val, _join(num.how, den.how, f"{name} = {num.value:.4g} / {den.value:.4g} = {val:.4g}"))
        used = {k for k, _ in e + g}
        for w in self.variables:
            if w in used or w not in self._mentioned:
                continue
            parts, ok = [], True
            for wv in (0, 1):
                a = self._derive(e, _assign(list(g) + [(w, wv)]), depth + 1, busy)
                b = self._derive(((w, wv),), g, depth + 1, busy) if a is not None else None
                if a is None or b is None:
                    ok = False
                    break
                parts.append((a, b))
            if ok:
                val = sum(a.value * b.value for a, b in parts)
                arith = " + ".join(f"{a.value:.4g} * {b.value:.4g}" for a, b in parts)
                terms = " + ".join(f"{format_event(e, list(g) + [(w, wv)])} {format_event([(w, wv)], g)}" for wv in (0, 1))
                return Derived(val, _join(*(p.how for pair in parts for p in pair),
                                          f"{name} = {terms} = {arith} = {val:.4g}"))
        if self.approximate and g:
            return self._approximate(e, g, depth, busy)
        return None

    def _by_independence(self, e: Assignment, g: Assignment, depth: int, busy: frozenset) -> Derived | None:
        ev = [k for k, _ in e]
        gd = dict(g)
        name = format_event(e, g)
        for (se, sg), val in self._table.items():  # a stated term that equals this one by d-separation
            if se != e:
                continue
            sgd = dict(sg)
            if any(gd[k] != sgd[k] for k in set(gd) & set(sgd)):
                continue
            extra, missing = set(gd) - set(sgd), set(sgd) - set(gd)
            common = set(gd) & set(sgd)
            if (not extra or self._dsep(ev, extra, set(sgd))) and (not missing or self._dsep(ev, missing, common)):
                return Derived(val, f"{name} = {format_event(se, sg)} = {val:.4g} (conditional independence in the graph)")
        for k in sorted(gd):
            rest = tuple((a, b) for a, b in g if a != k)
            if self._dsep(ev, [k], [a for a, _ in rest]):
                sub = self._derive(e, rest, depth + 1, busy)
                if sub is not None:
                    return Derived(sub.value, _join(sub.how, f"{name} = {format_event(e, rest)} (since {', '.join(ev)} _||_ {k} | {', '.join(a for a, _ in rest) or 'nothing'})"))
        return None

    def _approximate(self, e: Assignment, g: Assignment, depth: int, busy: frozenset) -> Derived | None:
        for k, _ in g:
            rest = tuple(item for item in g if item[0] != k)
            sub = self._derive(e, rest, depth + 1, busy)
            if sub is not None:
                msg = (f"approximation: {format_event(e, g)} is not stated; used {format_event(e, rest)} "
                       f"(assumes {', '.join(a for a, _ in e)} does not depend on {k} given the rest)")
                if msg not in self.warnings:
                    self.warnings.append(msg)
                return Derived(sub.value, _join(sub.how, msg))
        return None

    def __repr__(self) -> str:
        return f"ProbabilityFacts({len(self.statements)} statements over {self.variables})"


def _join(*parts: str) -> str:
    seen: list[str] = []
    for p in parts:
        for line in p.splitlines():
            if line and line not in seen:
                seen.append(line)
    return "\n".join(seen)

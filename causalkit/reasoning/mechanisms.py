"""Deterministic boolean mechanisms and deterministic counterfactuals (CLadder's "det-counterfactual").

A :class:`Mechanism` says ``target = OP(literals)`` (or its negation): "X or Z causes Y" is
``Y = X or Z``; "X causes not M" is ``M = not X``. With every root variable observed, a
counterfactual "would Y be 1 had X been x'?" is answered exactly: keep the observed roots
(abduction), set ``X = x'`` (action) and evaluate the mechanisms (prediction). Roots that are not
observed are enumerated: the answer is determined only when every completion agrees.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from causalkit._validation import check_choice
from causalkit.exceptions import GraphError, InvalidInputError

__all__ = ["Mechanism", "parse_mechanism", "evaluate_mechanisms", "det_counterfactual"]


@dataclass(frozen=True)
class Mechanism:
    """``target = OP(inputs)`` (``target_value=1``) or ``target = not OP(inputs)`` (``target_value=0``).

    ``inputs`` are ``(variable, value)`` literals: ``("X", 1)`` reads "X", ``("X", 0)`` "not X".
    ``op`` is ``"and"`` or ``"or"`` (irrelevant for one input).

    Examples
    --------
    >>> Mechanism("Y", (("X", 1), ("Z", 1)), "or").evaluate({"X": 0, "Z": 1})
    1
    """

    target: str
    inputs: tuple[tuple[str, int], ...]
    op: str = "or"
    target_value: int = 1

    def __post_init__(self) -> None:
        check_choice(self.op, ["and", "or"], "op")
        if not self.inputs:
            raise InvalidInputError(f"The mechanism of {self.target!r} needs at least one input.")

    def evaluate(self, values: Mapping[str, int]) -> int:
        """The target's value given its inputs' values."""
        lits = [int(values[v]) == int(val) for v, val in self.inputs]
        out = all(lits) if self.op == "and" else any(lits)
        return int(out) if self.target_value == 1 else int(not out)

    def __str__(self) -> str:
        lit = [v if val == 1 else f"not {v}" for v, val in self.inputs]
        body = f" {self.op} ".join(lit)
        return f"{self.target} = {body}" if self.target_value == 1 else f"{self.target} = not ({body})"


def parse_mechanism(text: str) -> Mechanism:
    """Parse ``"Y = X or Z"``, ``"M = not X"``, ``"Y = not (X and Z)"`` or ``"Y = X and not Z"``.

    Examples
    --------
    >>> str(parse_mechanism("Y = not (X and Z)"))
    'Y = not (X and Z)'
    """
    m = re.match(r"^\s*([\w.']+)\s*(?:=|:=)\s*(not\s*\((.+)\)|.+?)\s*$", text, re.I)
    if not m:
        raise InvalidInputError(f"Cannot read the mechanism {text!r}; write e.g. 'Y = X or Z' or 'M = not X'.")
    target, body = m.group(1), m.group(3) if m.group(3) is not None else m.group(2)
    negated = m.group(3) is not None
    ops = set(re.findall(r"\b(and|or)\b", body, re.I))
    if len({o.lower() for o in ops}) > 1:
        raise InvalidInputError(f"The mechanism {text!r} mixes 'and' and 'or'; only one operator per mechanism is supported.")
    op = next(iter(ops)).lower() if ops else "or"
    inputs = []
    for part in re.split(r"\s+(?:and|or)\s+", body.strip(), flags=re.I):
        lit = re.match(r"^(not\s+)?([\w.']+)$", part.strip(), re.I)
        if not lit:
            raise InvalidInputError(f"Cannot read {part!r} in the mechanism {text!r}.")
        inputs.append((lit.group(2), 0 if lit.group(1) else 1))
    return Mechanism(target, tuple(inputs), op, 0 if negated else 1)


def _order(mechanisms: Sequence[Mechanism]) -> tuple[list[Mechanism], list[str]]:
    by_target: dict[str, Mechanism] = {}
    for m in mechanisms:
        if m.target in by_target:
            raise InvalidInputError(f"Two mechanisms are given for {m.target!r}.")
        by_target[m.target] = m
    variables = set(by_target) | {v for m in mechanisms for v, _ in m.inputs}
    roots = sorted(variables - set(by_target))
    done, ordered = set(roots), []
    pending = dict(by_target)
    while pending:
        ready = [t for t, m in pending.items() if all(v in done for v, _ in m.inputs)]
        if not ready:
            raise GraphError(f"The mechanisms form a cycle among {sorted(pending)}.")
        for t in sorted(ready):
            ordered.append(pending.pop(t))
            done.add(t)
    return ordered, roots


def evaluate_mechanisms(mechanisms: Sequence[Mechanism], roots: Mapping[str, int],
                        do: Mapping[str, int] | None = None) -> dict[str, int]:
    """All variables' values from the root values (and interventions ``do``, which override)."""
    ordered, root_names = _order(mechanisms)
    do = dict(do or {})
    values = {r: int(do.get(r, roots[r])) for r in root_names if r in roots or r in do}
    missing = [r for r in root_names if r not in values]
    if missing:
        raise InvalidInputError(f"The value of root variable(s) {missing} is needed.")
    for m in ordered:
        values[m.target] = int(do[m.target]) if m.target in do else m.evaluate(values)
    return values


def det_counterfactual(mechanisms: Sequence[Mechanism], outcome: str, do: Mapping[str, int],
                       evidence: Mapping[str, int]) -> tuple[int | None, str]:
    """The outcome in the world ``do`` for the units matching ``evidence``.

    Returns
    -------
    value : int or None
        The counterfactual value (None when the evidence leaves it undetermined).
    derivation : str
        The abduction-action-prediction steps in words.

    Raises
    ------
    InvalidInputError
        Evidence that no root assignment produces.

    Examples
    --------
    >>> mech = [Mechanism("M", (("X", 1),)), Mechanism("Y", (("X", 1), ("M", 1)), "and")]
    >>> det_counterfactual(mech, "Y", {"X": 0}, {"X": 1})[0]
    0
    """
    _, roots = _order(mechanisms)
    rules = "; ".join(map(str, _order(mechanisms)[0]))
    act = ", ".join(f"{k}={v}" for k, v in do.items())
    if all(r in evidence or r in do for r in roots):
        # every root is known: the counterfactual world follows from the roots and the action alone
        base = {r: int(evidence[r]) for r in roots if r in evidence}
        cf = evaluate_mechanisms(mechanisms, base, do)
        shown = ", ".join(f"{k}={v}" for k, v in sorted(base.items()) if k not in do)
        return cf[outcome], (f"Mechanisms: {rules}. The root values are known ({shown or 'none besides the action'}). "
                             f"Action: set {act}. Prediction: {outcome} = {cf[outcome]}.")
    free = [r for r in roots if r not in evidence]
    results, consistent = set(), []
    for combo in itertools.product((0, 1), repeat=len(free)):
        base = {**{r: int(evidence[r]) for r in roots if r in evidence}, **dict(zip(free, combo, strict=True))}
        fact = evaluate_mechanisms(mechanisms, base)
        if any(fact.get(k) != int(v) for k, v in evidence.items() if k in fact):
            continue
        cf = evaluate_mechanisms(mechanisms, base, do)
        consistent.append((base, cf))
        results.add(cf[outcome])
    if not consistent:
        raise InvalidInputError(f"No assignment of the root variables {roots} produces the evidence {dict(evidence)}.")
    if len(results) == 1:
        base, cf = consistent[0]
        value = results.pop()
        shown = ", ".join(f"{k}={v}" for k, v in sorted(base.items()) if k not in do)
        text = (f"Mechanisms: {rules}. Abduction: the evidence fixes {shown or 'nothing further'}. "
                f"Action: set {act}. Prediction: {outcome} = {value}.")
        return value, text
    return None, (f"Mechanisms: {rules}. The evidence leaves {free} open and {outcome} under {act} "
                  "differs between the completions, so it is undetermined.")

"""Audit an agent's final answer against its tool results: is every number and causal claim backed?

The causal agent answers in prose ("The effect of smoking on weight is 3.38 kg (95% CI 2.4 to
4.3, p < 0.001); smoking causes weight gain."). :func:`audit_agent_answer` extracts

* every **number** (effect sizes, interval bounds, p-values, sample sizes, percentages) and
  checks that some tool result holds a value equal to it after rounding to the precision shown
  (``3.38`` is backed by ``3.3812``; ``12.5%`` by ``0.125`` or ``12.5``; ``p < 0.001`` by any
  p-value below 0.001). Confidence levels (``95% CI``) and list markers are not claims;
* every **causal claim** (``X causes Y``, ``the effect of X on Y``, ``X increases Y``) naming two
  variables and checks that one tool result concerns that pair - with the same direction when it
  records a treatment and an outcome, and the same sign when the claim says increase/decrease
  and the result holds an estimate.

Claims without such a tool result are flagged. The transcript may hold dicts (tool results,
OpenAI-style messages with ``role``/``content``, agent log entries), result objects with
``to_dict()``, or strings (JSON is decoded).

Examples
--------
>>> transcript = [{"tool": "estimate_effect", "treatment": "smoking", "outcome": "weight", "value": 3.3812,
...                "ci": [2.41, 4.35], "pvalue": 1.2e-9}]
>>> result = audit_agent_answer("Smoking increases weight by 3.38 (95% CI 2.41 to 4.35, p < 0.001); "
...                             "about 7.1 of it is due to diet.", transcript)
>>> [(c.text, c.backed) for c in result.claims]
[('3.38', True), ('2.41', True), ('4.35', True), ('< 0.001', True), ('7.1', False), ('smoking -> weight', True)]
>>> result.passed
False
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import pandas as pd

from causalkit.exceptions import InvalidInputError
from causalkit.faithfulness.segment import segment
from causalkit.results import ResultMixin

__all__ = ["Claim", "AgentAuditResult", "audit_agent_answer", "extract_numbers"]

_NUM = re.compile(r"(?<![\w.])([<>≤≥]=?\s*)?([-−+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[eE][-+]?\d+)?)(\s*%)?(?![\w])")
_LEVEL = re.compile(r"^\s*(?:CI|conf|confidence|credible|interval|prediction interval)", re.I)
_CAUSAL_VERBS = re.compile(
    r"\b(causes?|caused|causing|leads? to|led to|increases?|increased|raises?|raised|decreases?|decreased|"
    r"reduces?|reduced|lowers?|lowered|affects?|affected|influences?|impacts?|effect of|effect on|drives?)\b",
    re.I,
)
_UP = re.compile(r"\b(increase[sd]?|raise[sd]?|positive|higher|more)\b", re.I)
_DOWN = re.compile(r"\b(decrease[sd]?|reduce[sd]?|lower(?:s|ed)?|negative|less|fewer)\b", re.I)
_VAR_KEYS = ("treatment", "outcome", "mediator", "instrument", "cause", "effect", "source", "target", "variable",
             "variables", "columns", "nodes", "adjustment_set", "covariates", "confounders")
_VALUE_KEYS = ("value", "estimate", "ate", "effect", "coef", "coefficient")


@dataclass(frozen=True)
class Claim:
    """One checked claim of an answer.

    Attributes
    ----------
    kind : {"number", "causal"}
    text : str
        The number as written (``"3.38"``, ``"< 0.001"``, ``"12.5%"``) or ``"X -> Y"``.
    sentence : str
        The sentence it appears in.
    backed : bool
        Whether a tool result supports it.
    evidence : str or None
        Where the support was found (``"result 1: value = 3.3812"``) or why it failed.
    value : float or None
        The number's value.
    """

    kind: str
    text: str
    sentence: str
    backed: bool
    evidence: str | None = None
    value: float | None = None


@dataclass(frozen=True, repr=False)
class AgentAuditResult(ResultMixin):
    """The claims of an answer and whether each is backed by the transcript."""

    claims: tuple[Claim, ...]
    n_results: int
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def unbacked(self) -> tuple[Claim, ...]:
        """The claims no tool result supports."""
        return tuple(c for c in self.claims if not c.backed)

    @property
    def passed(self) -> bool:
        """True when every claim is backed."""
        return not self.unbacked

    def summary(self) -> str:
        """A text list of the claims, unbacked ones first."""
        n_num = sum(c.kind == "number" for c in self.claims)
        lines = [
            f"Agent answer audit: {len(self.claims)} claims ({n_num} numbers, {len(self.claims) - n_num} causal) "
            f"checked against {self.n_results} tool results: {'PASS' if self.passed else 'FAIL'}",
        ]
        for c in sorted(self.claims, key=lambda c: c.backed):
            mark = "ok  " if c.backed else "FLAG"
            lines.append(f"  {mark} {c.kind:<7} {c.text:<24} {c.evidence or ''}")
        return "\n".join(lines)

    def to_frame(self) -> pd.DataFrame:
        """One row per claim."""
        return pd.DataFrame([c.__dict__ for c in self.claims], columns=["kind", "text", "sentence", "backed", "evidence", "value"])

    def __repr__(self) -> str:
        return f"AgentAuditResult(claims={len(self.claims)}, unbacked={len(self.unbacked)})"


def _to_float(raw: str) -> float:
    return float(raw.replace(",", "").replace("−", "-"))


def extract_numbers(text: str) -> list[tuple[str, float, str, bool, int]]:
    """Numbers in ``text``: ``(shown, value, comparator, is_percent, position)``, skipping
    confidence levels (``95% CI``) and list markers at the start of a line."""
    out = []
    for m in _NUM.finditer(text):
        comparator = (m.group(1) or "").strip()
        shown = m.group(2)
        percent = bool(m.group(3))
        after = text[m.end() :]
        if percent and _LEVEL.match(after):
            continue
        line_start = text.rfind("\n", 0, m.start()) + 1
        if not text[line_start : m.start()].strip() and re.match(r"[.)]\s", after):
            continue  # "1. " list marker
        if re.match(r"\s*(?:-|to|–)\s*\d", after) and not comparator and re.search(r"\b(?:19|20)\d\d$", shown):
            continue  # a year range
        out.append((m.group(0).strip(), _to_float(shown), comparator, percent, m.start()))
    return out


def _decimals(shown: str) -> int:
    core = re.sub(r"[^\d.eE+-]", "", shown.split("e")[0].split("E")[0])
    return len(core.split(".")[1]) if "." in core else 0


def _matches(value: float, shown: str, v: float) -> bool:
    """Whether ``v`` equals ``value`` after rounding to the precision ``shown``."""
    if "e" in shown.lower():
        digits = _decimals(shown)
        return f"{abs(v):.{digits}e}" == f"{abs(value):.{digits}e}"
    d = _decimals(shown)
    step = Decimal(1).scaleb(-d)
    try:
        target = Decimal(repr(abs(value))).quantize(step)
        exact = Decimal(repr(abs(v)))
        return any(exact.quantize(step, rounding=mode) == target for mode in (ROUND_HALF_UP, ROUND_HALF_EVEN))
    except InvalidOperation:  # beyond decimal precision: compare as floats
        return math.isclose(abs(v), abs(value), rel_tol=1e-9)


def _flatten(obj: Any, path: str = "") -> Iterable[tuple[str, Any]]:
    if hasattr(obj, "to_dict") and callable(obj.to_dict) and not isinstance(obj, (dict, pd.DataFrame)):
        obj = obj.to_dict()
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _flatten(v, f"{path}.{k}" if path else str(k))
    elif isinstance(obj, (list, tuple)):
        for i, v in enumerate(obj):
            yield from _flatten(v, f"{path}[{i}]")
    else:
        yield path, obj


def _normalize_entry(entry: Any) -> tuple[str, Any] | None:
    """(label, payload) of a transcript entry; None for entries that are not evidence."""
    if isinstance(entry, str):
        try:
            return "result", json.loads(entry)
        except (json.JSONDecodeError, ValueError):
            return "result", entry
    if isinstance(entry, dict) and "role" in entry and "content" in entry:
        role = entry["role"]
        if role in ("assistant", "system"):
            return None
        payload = entry["content"]
        if isinstance(payload, str):
            try:
                payload = json.loads(payload)
            except (json.JSONDecodeError, ValueError):
                pass
        return ("user message" if role == "user" else f"tool {entry.get('name', '')}".strip()), payload
    return "result", entry


def _numbers_of(payload: Any) -> list[tuple[str, float]]:
    found = []
    for path, v in _flatten(payload):
        if isinstance(v, bool) or v is None:
            continue
        if isinstance(v, (int, float)) or hasattr(v, "item"):
            try:
                fv = float(v)
            except (TypeError, ValueError):
                continue
            if math.isfinite(fv):
                found.append((path or "value", fv))
        elif isinstance(v, str):
            found += [(path or "text", val) for _, val, _, _, _ in extract_numbers(v)]
    return found


def _text_of(payload: Any) -> str:
    return " ".join(f"{p} {v}" for p, v in _flatten(payload)).lower().replace("_", " ")


def _variables(payloads: list[Any], extra: Sequence[str]) -> list[str]:
    names = {str(v) for v in extra}
    for payload in payloads:
        for path, v in _flatten(payload):
            key = re.sub(r"\[\d+\]", "", path).split(".")[-1].lower()
            if key in _VAR_KEYS or key == "edges":
                if isinstance(v, str) and 0 < len(v) <= 60:
                    names.add(v)
    return sorted(names, key=len, reverse=True)


def _mention(text: str, name: str) -> int:
    """Position of the variable ``name`` in ``text`` (case, ``_`` and spaces ignored), or -1."""
    pattern = re.escape(name.lower().replace("_", " "))
    m = re.search(rf"(?<![\w]){pattern}(?![\w])", text.lower().replace("_", " "))
    return m.start() if m else -1


def audit_agent_answer(
    answer: str,
    transcript: Sequence[Any],
    *,
    variables: Sequence[str] = (),
    check_causal: bool = True,
) -> AgentAuditResult:
    """Check that every number and causal claim in ``answer`` is backed by a tool result.

    Parameters
    ----------
    answer : str
        The agent's final answer.
    transcript : sequence
        Tool results (dicts, strings, result objects) or chat messages; user messages count as
        evidence (numbers the user gave), assistant messages do not.
    variables : sequence of str
        Variable names to look for in causal claims, in addition to those found in the
        transcript (``treatment``, ``outcome``, ``columns``, ``edges``, ...).
    check_causal : bool
        Also check causal claims.

    Returns
    -------
    AgentAuditResult
    """
    if not isinstance(answer, str):
        raise InvalidInputError(f"`answer` must be a string; got {type(answer).__name__}.")
    if isinstance(transcript, (str, dict)) or not isinstance(transcript, Sequence):
        raise InvalidInputError("`transcript` must be a list of tool results (dicts or strings) or chat messages.")
    entries = [(i + 1, *e) for i, e in enumerate(_normalize_entry(x) for x in transcript) if e is not None]
    numbers = [(i, label, path, v) for i, label, payload in entries for path, v in _numbers_of(payload)]
    sentences = [(s.start, s.text) for s in segment(answer)]

    def sentence_at(pos: int) -> str:
        best = ""
        for start, s in sentences:
            if start <= pos:
                best = s
        return best.strip()

    claims: list[Claim] = []
    for shown, value, comparator, percent, pos in extract_numbers(answer):
        evidence = None
        for i, label, path, v in numbers:
            if comparator.startswith("<"):
                ok = 0 <= v < value or (comparator.endswith("=") and v == value)
            elif comparator.startswith(">"):
                ok = v > value or (comparator.endswith("=") and v == value)
            else:
                ok = _matches(value, shown, v) or (percent and _matches(value, shown, v * 100))
            if ok:
                evidence = f"{label} {i}: {path} = {v:g}"
                break
        claims.append(Claim("number", shown, sentence_at(pos), evidence is not None, evidence or "no tool result has this value", value))
    if check_causal:
        claims += _causal_claims(sentences, entries, variables)
    claims.sort(key=lambda c: (answer.find(c.sentence), c.kind != "number"))
    return AgentAuditResult(tuple(claims), n_results=len(entries), params={"variables": list(variables)})


def _causal_claims(sentences: list[tuple[int, str]], entries: list[tuple[int, str, Any]], extra: Sequence[str]) -> list[Claim]:
    names = _variables([p for _, _, p in entries], extra)
    out = []
    for _, sentence in sentences:
        verb = _CAUSAL_VERBS.search(sentence)
        if not verb:
            continue
        found = sorted((p, n) for n in names if (p := _mention(sentence, n)) >= 0)
        found = [(p, n) for j, (p, n) in enumerate(found) if not any(q <= p < q + len(m) for q, m in found[:j])]
        if len(found) < 2:
            continue
        m = re.search(r"effect of (.+?) on (.+)", sentence, re.I)
        x, y = found[0][1], found[1][1]
        if m:  # "the effect of X on Y": X in the first group, Y in the second
            xs = [n for p, n in found if p < m.start(2)]
            ys = [n for p, n in found if p >= m.start(2)]
            if xs and ys:
                x, y = xs[-1], ys[0]
        sign = 1 if _UP.search(sentence) else -1 if _DOWN.search(sentence) else 0
        backed, evidence = _back_causal(x, y, sign, entries)
        out.append(Claim("causal", f"{x} -> {y}", sentence.strip(), backed, evidence))
    return out


def _back_causal(x: str, y: str, sign: int, entries: list[tuple[int, str, Any]]) -> tuple[bool, str]:
    lx, ly = x.lower(), y.lower()
    for i, label, payload in entries:
        if label == "user message":  # the user's words back numbers, not causal findings
            continue
        if isinstance(payload, dict):
            flat = {re.sub(r"\[\d+\]", "", p).split(".")[-1].lower(): v for p, v in _flatten(payload)}
            t, o = str(flat.get("treatment", "")).lower(), str(flat.get("outcome", "")).lower()
            if t and o:
                if (t, o) != (lx, ly):
                    continue
                value = next((flat[k] for k in _VALUE_KEYS if isinstance(flat.get(k), (int, float))), None)
                if sign and value is not None and value * sign < 0:
                    return False, f"{label} {i} estimates {value:g}: the opposite sign"
                return True, f"{label} {i}: effect of {x} on {y}"
        text = _text_of(payload)
        if _mention(text, lx) >= 0 and _mention(text, ly) >= 0:
            return True, f"{label} {i} mentions {x} and {y}"
    return False, f"no tool result concerns {x} and {y}"

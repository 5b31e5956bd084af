"""Rule-based reading of CLadder-style questions into the structured form of :mod:`.structured`.

Supported phrasings (CLadder, Jin et al. 2023, and :mod:`causalkit.bench`'s generator). A variable
named ``zuph`` has the value phrases ``zuph`` (1) and ``not zuph`` (0):

* graph: "Zuph has a direct effect on glimx and blorp." / "Blorp is unobserved."
* numbers: "The overall probability of zuph is 60%." / "For those who are not zuph, the probability
  of glimx is 30%." / "For those who are zuph and are not blorp, the probability of ..." /
  "The probability of zuph and glimx is 20%." / "For those who are blorp, the correlation between
  zuph and glimx is -0.08."
* mechanisms and evidence: "We know that zuph or blorp causes glimx." / "We observed blorp."
* questions: "Is glimx more likely than not glimx overall?", "Is the chance of glimx larger when
  observing zuph?", "If we look at those who are blorp, does the chance of glimx increase when
  zuph?", "Will zuph increase the chance of glimx?", "To understand how zuph affects glimx, is it
  more correct to use the Method 1 than Method 2?", "If we look at those who are blorp, does it mean
  that zuph affects glimx?", "For those who are zuph, would it be more likely to see glimx if they
  were not zuph?", "If we disregard the mediation effect through blorp, would zuph positively
  affect glimx?", "Does zuph negatively affect glimx through blorp?", "Would glimx happen if not
  zuph instead of zuph?"

Stories whose value phrases are not of the ``name`` / ``not name`` form need ``value_phrases`` (a
map from phrase to ``(variable, value)``) or the model fallback (:mod:`.llm_parse`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from causalkit.exceptions import InvalidInputError

__all__ = ["parse_cladder", "looks_like_cladder", "CladderParseError"]


class CladderParseError(InvalidInputError):
    """The text does not match the supported CLadder templates."""


_INTRO = re.compile(r"^[^.?!]*?(?:imagine|hypothetical|world|conditions|suppose)[^.?!]*?:\s*", re.I | re.S)
_LIST = re.compile(r"\s*(?:,\s*and\s+|,\s*|\s+and\s+)\s*", re.I)
_NEG = re.compile(r"^(?:not|no|non)[\s-]+", re.I)


def looks_like_cladder(text: str) -> bool:
    """Whether ``text`` reads like a CLadder-style question."""
    return bool(re.search(r"has a direct effect on|the probability of|we know that .* causes", text, re.I))


def _sentences(text: str) -> list[str]:
    text = _INTRO.sub("", text.strip())
    parts = re.split(r"(?<=[.?!])\s+(?=[A-Z\"'(])", text.replace("\n", " "))
    return [p.strip() for p in parts if p.strip()]


class _Phrases:
    """Value phrases -> (variable, value)."""

    def __init__(self, names: list[str], extra: Mapping[str, tuple[str, int]] | None):
        self.names = names
        self.table: dict[str, tuple[str, int]] = {}
        for n in names:
            low = n.lower()
            self.table[low] = (n, 1)
            for neg in ("not ", "no ", "non-", "non "):
                self.table[neg + low] = (n, 0)
        for k, v in (extra or {}).items():
            self.table[k.lower().strip()] = (v[0], int(v[1]))

    def value(self, phrase: str) -> tuple[str, int]:
        p = re.sub(r"\s+", " ", phrase.strip().strip(".,;:?!\"'").lower())
        p = re.sub(r"^(?:the|a|an)\s+", "", p)
        p = re.sub(r"^(?:those|people|individuals|persons|units|cases|subjects|patients|ones)\s+(?:who|that|which)\s+"
                   r"(?:are|is|were|was)\s+", "", p)
        p = re.sub(r"^(?:those who|they were|they are|it is|it was|being|the individual was|the individual is)\s+", "", p)
        p = re.sub(r"^(?:are|is|were|was|had been)\s+", "", p)
        if p in self.table:
            return self.table[p]
        hits = sorted((n for n in self.names if re.search(rf"\b{re.escape(n.lower())}\b", p)), key=len, reverse=True)
        if hits:
            neg = bool(_NEG.match(p)) or bool(re.search(r"\b(?:not|no)\s+" + re.escape(hits[0].lower()), p))
            return hits[0], 0 if neg else 1
        raise CladderParseError(f"Cannot tell which variable and value {phrase!r} means (variables: {self.names}).")

    def values(self, phrase: str) -> dict[str, int]:
        out: dict[str, int] = {}
        for part in re.split(r"\s*(?:,\s*and\s+are\s+|\s+and\s+are\s+|,\s*and\s+|,\s*|\s+and\s+)\s*", phrase.strip()):
            if part:
                v, x = self.value(part)
                out[v] = x
        return out

    def name(self, phrase: str) -> str:
        return self.value(phrase)[0]


def _pct(text: str) -> float:
    text = text.strip()
    return float(text[:-1]) / 100.0 if text.endswith("%") else float(text)


def _graph(sentences: list[str]) -> tuple[list[str], list[list[str]], list[str], list[str]]:
    nodes: list[str] = []
    edges: list[list[str]] = []
    hidden: list[str] = []
    rest = []
    for s in sentences:
        m = re.match(r"^(.+?) has a direct effect on (.+?)\.$", s, re.I)
        u = re.match(r"^(.+?) (?:is|are) unobserved\.$", s, re.I)
        if m:
            src = m.group(1).strip()
            for name in [src, *[t.strip() for t in _LIST.split(m.group(2)) if t.strip()]]:
                if name.lower() not in {n.lower() for n in nodes}:
                    nodes.append(name)
            canon = {n.lower(): n for n in nodes}
            for t in _LIST.split(m.group(2)):
                if t.strip():
                    edges.append([canon[src.lower()], canon[t.strip().lower()]])
        elif u:
            hidden.extend(t.strip() for t in _LIST.split(u.group(1)) if t.strip())
        else:
            rest.append(s)
    text = " ".join(sentences)
    rename = {n: n[0].lower() + n[1:] for n in nodes
              if n[:1].isupper() and re.search(rf"(?<![.?!:]\s)(?<!^)\b{re.escape(n[0].lower() + n[1:])}\b", text)}
    nodes = [rename.get(n, n) for n in nodes]
    edges = [[rename.get(u, u), rename.get(v, v)] for u, v in edges]
    canon = {n.lower(): n for n in nodes}
    hidden = [canon.get(h.lower(), h) for h in hidden]
    return nodes, edges, hidden, rest


def parse_cladder(text: str, *, value_phrases: Mapping[str, tuple[str, int]] | None = None) -> dict:
    """Parse a CLadder-style question (background + given information + question) into a structured dict.

    Parameters
    ----------
    text : str
        The full question text.
    value_phrases : mapping, optional
        Extra value phrases, e.g. ``{"smokers": ("smoking", 1), "nonsmokers": ("smoking", 0)}``.

    Returns
    -------
    dict
        The structured question (schema :data:`causalkit.reasoning.structured.CLADDER_SCHEMA`).

    Raises
    ------
    CladderParseError
        When the text does not follow the supported templates.

    Examples
    --------
    >>> q = parse_cladder("Zuph has a direct effect on glimx. The overall probability of zuph is 60%. "
    ...     "For those who are not zuph, the probability of glimx is 30%. For those who are zuph, the "
    ...     "probability of glimx is 50%. Is glimx more likely than not glimx overall?")
    >>> q["query"]["type"], len(q["probabilities"])
    ('marginal', 3)
    """
    sentences = _sentences(text)
    nodes, edges, hidden, rest = _graph(sentences)
    mech_nodes = _mechanism_nodes(rest)
    for n in mech_nodes:
        if n.lower() not in {v.lower() for v in nodes}:
            nodes.append(n)
    if not nodes:
        raise CladderParseError("No causal graph found: expected sentences like 'X has a direct effect on Y.'")
    ph = _Phrases(nodes, value_phrases)
    out: dict = {"kind": "cladder", "nodes": nodes, "edges": edges, "unobserved": hidden, "probabilities": [],
                 "mechanisms": [], "evidence": {}, "methods": [], "correlations": []}
    questions = [s for s in rest if s.endswith("?")]
    if not questions:
        raise CladderParseError("No question found (a sentence ending in '?').")
    for s in rest:
        if s.endswith("?"):
            continue
        _fact(s, ph, out)
    out["query"] = _question(questions[-1], ph, out)
    if out["mechanisms"] and not edges:
        out["edges"] = [[v, m["target"]] for m in out["mechanisms"] for v, _ in m["inputs"]]
    out.pop("methods")
    out.pop("correlations")
    return out


def _mechanism_nodes(sentences: list[str]) -> list[str]:
    """Variable names that appear in deterministic 'A or B causes C' sentences (value-1 phrases)."""
    names: list[str] = []
    for s in sentences:
        for clause in re.split(r",?\s*and we know that\s+", re.sub(r"^we know that\s+", "", s, flags=re.I), flags=re.I):
            m = re.match(r"^(.+?) causes? (.+?)\.?$", clause.strip(), re.I)
            if not m or not s.lower().startswith("we know that"):
                continue
            for part in re.split(r"\s+(?:or|and)\s+|,\s*", m.group(1) + " and " + m.group(2)):
                part = _NEG.sub("", part.strip())
                if part and part.lower() not in {n.lower() for n in names}:
                    names.append(part)
    return names


def _fact(s: str, ph: _Phrases, out: dict) -> None:
    m = re.match(r"^the overall (?:probability|chance|likelihood) of (.+?) is (-?[\d.]+%?)\.$", s, re.I)
    if m:
        out["probabilities"].append({"event": ph.values(m.group(1)), "given": {}, "value": _pct(m.group(2))})
        return
    m = re.match(r"^for (?:those who are |those who |those |people who are )?(.+?), the (?:probability|chance|likelihood) of (.+?) is (-?[\d.]+%?)\.$", s, re.I)
    if m:
        out["probabilities"].append({"event": ph.values(m.group(2)), "given": ph.values(m.group(1)), "value": _pct(m.group(3))})
        return
    m = re.match(r"^the (?:probability|chance|likelihood) of (.+?) is (-?[\d.]+%?)\.$", s, re.I)
    if m:
        out["probabilities"].append({"event": ph.values(m.group(1)), "given": {}, "value": _pct(m.group(2))})
        return
    m = re.match(r"^for (?:those who are |those )?(.+?), the correlation between (.+?) and (.+?) is (-?[\d.]+)\.$", s, re.I)
    if m:
        out["correlations"].append(m.groups())
        return
    m = re.match(r"^method ([12]): (.+?)\.$", s, re.I)
    if m:
        body = m.group(2)
        acc = re.search(r"according to (.+)$", body, re.I)
        out["methods"].append([ph.name(t) for t in _LIST.split(acc.group(1)) if t.strip()] if acc else [])
        return
    if re.match(r"^we observed ", s, re.I):
        out["evidence"].update(ph.values(re.sub(r"^we observed\s+", "", s, flags=re.I).rstrip(".")))
        return
    if re.match(r"^we know that ", s, re.I):
        body = re.sub(r"^we know that\s+", "", s, flags=re.I).rstrip(".")
        for clause in re.split(r",?\s*and we know that\s+", body, flags=re.I):
            m = re.match(r"^(.+?) causes? (.+)$", clause.strip(), re.I)
            if not m:
                raise CladderParseError(f"Cannot read the mechanism {clause!r}.")
            lhs, rhs = m.group(1), m.group(2)
            op = "and" if re.search(r"\s+and\s+", lhs) else "or"
            inputs = [list(ph.value(p)) for p in re.split(r"\s+(?:or|and)\s+|,\s*", lhs) if p.strip()]
            for target in _LIST.split(rhs):
                if target.strip():
                    tv, tval = ph.value(target)
                    out["mechanisms"].append({"target": tv, "target_value": tval, "op": op, "inputs": inputs})
        return
    # sentences we do not need (story flavour) are ignored


def _polarity(word: str) -> bool:
    return word.lower() in ("more", "larger", "increase", "positively", "affects", "greater", "higher")


def _question(q: str, ph: _Phrases, facts: dict) -> dict:
    pats = [
        (r"^is (.+?) (more|less) likely than (.+?) overall\?$", "marginal"),
        (r"^is the (?:chance|probability|likelihood) of (.+?) (larger|smaller) when observing (.+?)\?$", "correlation"),
        (r"^if we look at (?:those who are |those )?(.+?), does the (?:chance|probability|likelihood) of (.+?) (increase|decrease) when (.+?)\?$", "exp_away"),
        (r"^will (.+?) (increase|decrease) the (?:chance|probability|likelihood) of (.+?)\?$", "ate"),
        (r"^to understand how (.+?) affects (.+?), is it more correct to use the method ([12]) than method ([12])\?$", "backadj"),
        (r"^if we look at (?:those who are |those )?(.+?), does it mean that (.+?) (affects|does not affect) (.+?)\?$", "collider_bias"),
        (r"^for (?:those who are |those )?(.+?), would it be (more|less) likely to see (.+?) if (.+?)\?$", "ett"),
        (r"^if we disregard the mediation effect through (.+?), would (.+?) (positively|negatively) affect (.+?)\?$", "nde"),
        (r"^does (.+?) (positively|negatively) affect (.+?) through (.+?)\?$", "nie"),
        (r"^would (.+?) if (.+?) instead of (.+?)\?$", "det_counterfactual"),
    ]
    for pat, kind in pats:
        m = re.match(pat, q, re.I)
        if m:
            return _build_query(kind, m.groups(), ph, facts)
    raise CladderParseError(f"Unsupported question form: {q!r}.")


def _build_query(kind: str, g: tuple, ph: _Phrases, facts: dict) -> dict:
    if kind == "marginal":
        y, yv = ph.value(g[0])
        return {"type": kind, "outcome": y, "y": yv, "positive": _polarity(g[1])}
    if kind == "correlation":
        (y, yv), (x, xv) = ph.value(g[0]), ph.value(g[2])
        return {"type": kind, "treatment": x, "outcome": y, "x": xv, "y": yv, "positive": _polarity(g[1])}
    if kind == "exp_away":
        (c, cv), (y, yv), (x, xv) = ph.value(g[0]), ph.value(g[1]), ph.value(g[3])
        return {"type": kind, "treatment": x, "outcome": y, "collider": c, "x": xv, "y": yv, "c": cv,
                "positive": _polarity(g[2])}
    if kind == "ate":
        (x, xv), (y, yv) = ph.value(g[0]), ph.value(g[2])
        return {"type": kind, "treatment": x, "outcome": y, "x": xv, "y": yv, "positive": _polarity(g[1])}
    if kind == "backadj":
        if len(facts["methods"]) != 2:
            raise CladderParseError("A back-door question needs 'Method 1: ...' and 'Method 2: ...'.")
        first, second = int(g[2]), int(g[3])
        sets = [facts["methods"][first - 1], facts["methods"][second - 1]]
        return {"type": kind, "treatment": ph.name(g[0]), "outcome": ph.name(g[1]), "sets": sets, "positive": True}
    if kind == "collider_bias":
        (c, cv), (x, xv), (y, yv) = ph.value(g[0]), ph.value(g[1]), ph.value(g[3])
        return {"type": kind, "treatment": x, "outcome": y, "collider": c, "x": xv, "y": yv, "c": cv,
                "positive": _polarity(g[2])}
    if kind == "ett":
        (x, xv), (y, yv) = ph.value(g[0]), ph.value(g[2])
        return {"type": kind, "treatment": x, "outcome": y, "x": xv, "y": yv, "positive": _polarity(g[1])}
    if kind in ("nde", "nie"):
        if kind == "nde":
            med, x, y, pol = g[0], g[1], g[3], g[2]
        else:
            x, pol, y, med = g
        mediators = [ph.name(t) for t in _LIST.split(med) if t.strip()]
        return {"type": kind, "treatment": ph.name(x), "outcome": ph.name(y), "mediators": mediators,
                "positive": _polarity(pol)}
    # det_counterfactual: "Would <outcome phrase> if <new> instead of <old>?"
    outcome = re.sub(r"\s+(?:happen|occur|be the case|hold)$", "", g[0].strip(), flags=re.I)
    (y, yv), (x, xv), (x0, x0v) = ph.value(outcome), ph.value(g[1]), ph.value(g[2])
    if x0 != x:
        raise CladderParseError(f"The counterfactual compares {x!r} with {x0!r}; expected one variable.")
    return {"type": kind, "treatment": x, "outcome": y, "x": xv, "y": yv, "x_factual": x0v, "positive": True}

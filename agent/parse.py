"""Rule-based parsing of causal questions and fuzzy matching of variable names to columns.

The parser recognises the question types of the Causal Agent benchmark - effect ("effect of X
on Y", "does X raise Y", "X -> Y?"), independence ("are X and Y independent given Z?"),
direct cause ("is X a direct cause of Y"), whole graph ("what is the causal graph"), mediation
("how much of X's effect on Y goes through M"), counterfactual ("what if X had been 1 for unit
7") - plus ATT/CATE cues, estimator cues and follow-ups that change the previous question ("now
adjust for age too", "use the graph from before"). Variable phrases are matched to columns
case-, underscore- and space-insensitively, with :mod:`difflib` for near misses; when a phrase
fits several columns the candidates are returned instead of a guess.

Examples
--------
>>> q = parse_question("Does quitting smoking (qsmk) increase weight gain (wt82_71)?",
...                    ["qsmk", "wt82", "wt82_71", "age"])
>>> q.kind, q.treatment, q.outcome
('effect', 'qsmk', 'wt82_71')
>>> parse_question("are A and B independent given C?", ["A", "B", "C"]).given
['C']
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ColumnMatch", "ParsedQuestion", "match_column", "parse_question", "normalize", "KINDS"]

KINDS = ("effect", "independence", "direct_cause", "graph", "mediation", "counterfactual", "followup", "audit",
         "critique", "knowledge", "reasoning", "unknown")

_STOP = {"the", "a", "an", "of", "on", "in", "to", "and", "or", "for", "is", "are", "was", "were", "does", "do",
         "did", "with", "by", "at", "from", "this", "that", "it", "its", "their", "between", "whether", "if",
         "how", "much", "what", "which", "variable", "variables", "column", "data", "effect", "cause", "causal"}
_VERBS = (r"cause|causes|raise|raises|increase|increases|reduce|reduces|decrease|decreases|lower|lowers|affect|"
          r"affects|improve|improves|influence|influences|change|changes|lead to|leads to|boost|boosts|hurt|hurts|"
          r"impact|impacts|drive|drives|worsen|worsens|help|helps")
_METHODS = {"aipw": "aipw", "doubly robust": "aipw", "ipw": "ipw", "inverse probability": "ipw",
            "propensity weight": "ipw", "double ml": "dml", "double machine learning": "dml", "dml": "dml",
            "regression": "regression", "ols": "regression", "2sls": "2sls", "two-stage": "2sls",
            "instrumental": "2sls", "wald": "wald", "front-door": "frontdoor", "frontdoor": "frontdoor"}


def normalize(name: Any) -> str:
    """Lower-case ``name`` and drop everything but letters and digits (``"Wt82_71"`` -> ``"wt8271"``)."""
    return re.sub(r"[^0-9a-z]+", "", str(name).lower())


def _words(text: str) -> list[str]:
    return [w for w in re.split(r"[^0-9A-Za-z]+", text.lower()) if w]


@dataclass
class ColumnMatch:
    """How a phrase was matched to columns.

    Attributes
    ----------
    query : str
        The phrase from the question.
    best : str or None
        The column it names, or None when nothing fits or several fit equally.
    candidates : list of str
        Columns that could be meant, best first.
    score : float
        1.0 exact (up to case/underscores/spaces), 0.95 a column named inside the phrase, difflib
        ratio for near misses, lower for matches on column descriptions.
    how : str
        ``"exact"``, ``"normalized"``, ``"contained"``, ``"fuzzy"``, ``"description"`` or ``"none"``.
    """

    query: str
    best: str | None
    candidates: list[str] = field(default_factory=list)
    score: float = 0.0
    how: str = "none"

    @property
    def ambiguous(self) -> bool:
        """True when several columns fit and none stands out."""
        return self.best is None and len(self.candidates) > 1


def _contained(text: str, columns: Sequence[str]) -> list[tuple[str, int]]:
    """Columns whose normalised name equals a run of consecutive words of ``text`` (longest runs win)."""
    words = _words(text)
    by_norm: dict[str, list[str]] = {}
    for c in columns:
        by_norm.setdefault(normalize(c), []).append(c)
    spans = []
    for i in range(len(words)):
        for j in range(i + 1, min(len(words), i + 6) + 1):
            key = "".join(words[i:j])
            for c in by_norm.get(key, []):
                spans.append((c, i, j))
    keep = [(c, j - i) for c, i, j in spans
            if not any((i2 <= i and j <= j2) and (j2 - i2) > (j - i) for _, i2, j2 in spans)]
    seen: dict[str, int] = {}
    for c, length in keep:
        seen[c] = max(seen.get(c, 0), length)
    return sorted(seen.items(), key=lambda kv: -kv[1])


def match_column(text: str, columns: Sequence[str], descriptions: Mapping[str, str] | None = None,
                 cutoff: float = 0.75) -> ColumnMatch:
    """Match a phrase to a column name.

    Parameters
    ----------
    text : str
        A phrase from a question (``"Wt82 71"``, ``"quitting smoking (qsmk)"``, ``"earnigns"``).
    columns : sequence of str
        The column names.
    descriptions : mapping, optional
        Column -> description, used when no name fits (``"quitting smoking"`` -> ``qsmk``).
    cutoff : float
        Smallest :class:`difflib.SequenceMatcher` ratio for a near miss.

    Returns
    -------
    ColumnMatch

    Examples
    --------
    >>> match_column("Re 78", ["re74", "re75", "re78"]).best
    're78'
    >>> match_column("earnigns", ["earnings", "age"]).best
    'earnings'
    >>> match_column("re7", ["re74", "re75", "re78"]).candidates
    ['re74', 're75', 're78']
    """
    cols = [str(c) for c in columns]
    text = str(text).strip().strip("`'\"")
    if text in cols:
        return ColumnMatch(text, text, [text], 1.0, "exact")
    norm = normalize(text)
    same = [c for c in cols if normalize(c) == norm] if norm else []
    if len(same) == 1:
        return ColumnMatch(text, same[0], same, 1.0, "normalized")
    if len(same) > 1:
        return ColumnMatch(text, None, same, 1.0, "normalized")
    inside = _contained(text, cols)
    if inside:
        top = [c for c, n in inside if n == inside[0][1]]
        best = top[0] if len(top) == 1 else None
        return ColumnMatch(text, best, [c for c, _ in inside], 0.95, "contained")
    if norm:
        scored = sorted(((difflib.SequenceMatcher(None, norm, normalize(c)).ratio(), c) for c in cols),
                        key=lambda sc: (-sc[0], sc[1]))
        close = [(s, c) for s, c in scored if s >= cutoff]
        if close:
            best = close[0][1] if len(close) == 1 or close[0][0] - close[1][0] >= 0.08 else None
            return ColumnMatch(text, best, [c for _, c in close[:5]], close[0][0], "fuzzy")
        prefix = [c for c in cols if normalize(c).startswith(norm) and len(norm) >= 2]
        if prefix:
            return ColumnMatch(text, prefix[0] if len(prefix) == 1 else None, prefix[:5], 0.7, "fuzzy")
    if descriptions:
        stems = {w[:5] for w in _words(text) if w not in _STOP and len(w) >= 3}
        hits = []
        for c in cols:
            desc = {w[:5] for w in _words(descriptions.get(c, "")) if w not in _STOP and len(w) >= 3}
            overlap = len(stems & desc)
            if overlap:
                hits.append((overlap, c))
        hits.sort(key=lambda h: -h[0])
        if hits:
            top = [c for n, c in hits if n == hits[0][0]]
            return ColumnMatch(text, top[0] if len(top) == 1 else None, [c for _, c in hits[:5]], 0.5, "description")
    return ColumnMatch(text, None, [], 0.0, "none")


@dataclass
class ParsedQuestion:
    """A question turned into a structured request.

    Attributes
    ----------
    kind : str
        One of :data:`KINDS`.
    text : str
        The question.
    treatment, outcome, mediator : str or None
        Resolved column names.
    adjust_only : bool
        A follow-up asked to adjust for ``given`` *only* ("adjust for age only"), replacing the set.
    given : list of str
        Conditioning set (independence), extra adjustment (follow-ups) or the columns named (knowledge).
    estimand : str
        ``"ATE"``, ``"ATT"``, ``"ATC"`` or ``"CATE"``.
    effect_modifiers : list of str
        For CATE questions.
    method : str or None
        An estimator the user asked for.
    unit : int or None
        Row for counterfactual questions.
    value : float or None
        Counterfactual value of the treatment.
    reuse_graph : bool
        The user asked to use the previous graph.
    mentions : dict
        Role -> phrase as written.
    matches : dict
        Role -> :class:`ColumnMatch` for every phrase.
    problems : list of str
        Phrases that matched no column or several columns.
    """

    kind: str
    text: str
    treatment: str | None = None
    outcome: str | None = None
    mediator: str | None = None
    given: list[str] = field(default_factory=list)
    adjust_only: bool = False
    estimand: str = "ATE"
    effect_modifiers: list[str] = field(default_factory=list)
    method: str | None = None
    unit: int | None = None
    value: float | None = None
    reuse_graph: bool = False
    mentions: dict[str, str] = field(default_factory=dict)
    matches: dict[str, ColumnMatch] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def candidates(self, role: str) -> list[str]:
        """Candidate columns for ``role`` (empty if that phrase was not seen)."""
        m = self.matches.get(role)
        return list(m.candidates) if m else []


def _clean_phrase(p: str) -> str:
    p = re.sub(r"\b(data|dataset)\s*[:=].*$", "", p, flags=re.I)
    p = re.sub(r"\s+(?:in|from|using|with|according to) (?:the|this|my) (?:data|dataset|sample|graph)\b.*$", "", p, flags=re.I)
    p = re.sub(r"^(?:the|a|an|their|his|her|its|people'?s|whether)\s+", "", p.strip(), flags=re.I)
    return p.strip(" \t?.!,;:`'\"")


def _split_list(p: str) -> list[str]:
    return [_clean_phrase(x) for x in re.split(r",|\band\b|\+|;", p) if _clean_phrase(x)]


def _value(text: str) -> float | None:
    t = text.strip().lower()
    words = {"true": 1.0, "yes": 1.0, "treated": 1.0, "one": 1.0, "false": 0.0, "no": 0.0, "untreated": 0.0, "zero": 0.0}
    if t in words:
        return words[t]
    try:
        return float(t)
    except ValueError:
        return None


_FOLLOWUP_ADJUST = re.compile(
    r"\b(?:now |also |and )?(?:adjust|control|condition)(?:ing)? (?:also )?(?P<only1>only |just )?for "
    r"(?P<only2>only |just )?(?P<z>.+?)(?: too| as well| also|(?P<only3> only| alone| and nothing else))?[.!?]?$", re.I)
_REUSE = re.compile(r"\b(?:graph|dag|model) from before\b|\b(?:previous|same|last|earlier) (?:graph|dag)\b|\bsame graph\b", re.I)

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("counterfactual", re.compile(
        r"what would (?P<y>.+?) (?:have been|be)(?: for (?:unit|row|person|individual|subject|case) #?(?P<i>\d+))? "
        r"if (?P<x>.+?) (?:had been|were|was) (?P<v>[-\w.]+)(?: for (?:unit|row|person|individual|subject|case) #?(?P<i2>\d+))?", re.I)),
    ("counterfactual", re.compile(
        r"what if (?P<x>.+?) (?:had been|were|was) (?P<v>[-\w.]+) for (?:unit|row|person|individual|subject|case) #?(?P<i>\d+)"
        r"(?:.*?\b(?:on|to|for) (?P<y>[\w ]+))?", re.I)),
    ("mediation", re.compile(
        r"how much of (?:the )?(?P<x>.+?)(?:'s|s')? effect on (?P<y>.+?) (?:goes|is|runs|passes|operates|flows|works|is mediated)"
        r" (?:through|via|by) (?P<m>.+)", re.I)),
    ("mediation", re.compile(
        r"(?:is|does) the effect of (?P<x>.+?) on (?P<y>.+?) (?:mediated by|go through|goes through|run through|pass through) (?P<m>.+)", re.I)),
    ("mediation", re.compile(r"\bmediat\w* (?:of |analysis of )?(?P<x>.+?) (?:on|->|to) (?P<y>.+?) (?:through|via|by) (?P<m>.+)", re.I)),
    ("mediation", re.compile(r"(?:direct and indirect|indirect) effects? of (?P<x>.+?) on (?P<y>.+?) (?:through|via) (?P<m>.+)", re.I)),
    ("independence", re.compile(
        r"\bare (?P<x>.+?) and (?P<y>.+?) (?:conditionally |statistically |marginally )?independent"
        r"(?: (?:given|conditional on|conditioning on|controlling for) (?P<z>.+))?", re.I)),
    ("independence", re.compile(
        r"\bis (?P<x>.+?) (?:conditionally |statistically )?independent (?:of|from) (?P<y>.+?)"
        r"(?: (?:given|conditional on|conditioning on|controlling for) (?P<z>.+))?$", re.I)),
    ("independence", re.compile(r"^(?P<x>[\w .]+?) _?\|\|_? (?P<y>[\w .]+?)(?: \| (?P<z>.+))?$", re.I)),
    ("direct_cause", re.compile(r"\bis (?P<x>.+?) a direct (?:cause|parent) of (?P<y>.+)", re.I)),
    ("direct_cause", re.compile(r"\bdoes (?P<x>.+?) directly (?:cause|affect|influence) (?P<y>.+)", re.I)),
    ("direct_cause", re.compile(r"\bis there an? (?:direct )?(?:edge|arrow|link) (?:from|between) (?P<x>.+?) (?:to|and|->) (?P<y>.+)", re.I)),
    ("graph", re.compile(r"\b(?:what|which) is the (?:causal )?(?:graph|structure|dag)\b|\bcausal (?:graph|structure)\b|"
                         r"\b(?:discover|learn|find|draw|show) (?:the |a )?(?:causal )?(?:graph|structure|dag)\b|"
                         r"\bwhich variables cause which\b", re.I)),
    ("effect", re.compile(r"\b(?:causal )?(?:effect|impact|influence|ATE|ATT|ATC|CATE) of (?P<x>.+?) on (?P<y>.+)", re.I)),
    ("effect", re.compile(r"\bhow (?:much|strongly) does (?P<x>.+?) (?:" + _VERBS + r") (?P<y>.+)", re.I)),
    ("effect", re.compile(r"\b(?:does|did|do|will|would|can) (?P<x>.+?) (?:really |actually |causally )?(?:" + _VERBS + r") (?P<y>.+)", re.I)),
    ("effect", re.compile(r"^(?P<x>[^?]+?) (?:->|-->|→|causes?) (?P<y>[^?]+?)\s*\??$", re.I)),
]


# questions answered by one tool (agent/tools/{audit,knowledge,reasoning}.py), checked before the data questions
_ASK = r"^(?:please |now |(?:can|could|would|will) you (?:please )?)?"
_TOOL_KINDS: list[tuple[str, re.Pattern[str]]] = [
    ("audit", re.compile(_ASK + r"(?:audit|fact[- ]?check|verify|check) (?:your|the|this|that)(?: last| previous| own)? "
                         r"(?:answer|claims?|response)\b", re.I)),
    ("critique", re.compile(_ASK + r"(?:check|critique|review|criticize|sanity[- ]check|validate|vet) (?:my|the|this|our) "
                            r"(?:causal )?(?:graph|dag|diagram)\b|^is (?:my|the|this) (?:causal )?(?:graph|dag) "
                            r"(?:right|correct|plausible|sensible)\b", re.I)),
    ("knowledge", re.compile(r"\bwhat do(?:es)? (?:you|the (?:language )?model) (?:know|believe|think) about how\b|"
                             r"\b(?:prior|domain|background|common[- ]sense) knowledge (?:about|on|of) how\b", re.I)),
]
_TEMPLATE = re.compile(r"closed system of \d+ variables|statistical relations among|self-contained, hypothetical world", re.I)
_FACT = re.compile(r"\bcorrelates? with\b|\bindependent of\b|_\|\|_|\u2AEB", re.I)


def _tool_kind(q: str, columns: Sequence[str] | None) -> str | None:
    """Audit / graph critique / model knowledge / stated-facts reasoning, or None for a data question.

    Stated facts count without a template only when no data is loaded (``columns`` is None).
    """
    for kind, pattern in _TOOL_KINDS:
        if pattern.search(q):
            return kind
    if _TEMPLATE.search(q) or (columns is None and len(_FACT.findall(q)) >= 2):
        return "reasoning"
    return None


def _estimand_and_modifiers(q: str) -> tuple[str, str | None]:
    if re.search(r"\b(?:ATT|on the treated|for (?:those|the ones|people|units) (?:who|that) (?:were treated|received|took|got|quit|did)|among the treated)\b", q, re.I):
        return "ATT", None
    if re.search(r"\b(?:ATC|on the (?:untreated|controls)|among the (?:untreated|controls))\b", q, re.I):
        return "ATC", None
    m = re.search(r"\b(?:vary|varies|differ|differs|change|changes)(?: \w+)? (?:with|by|across|over) (?P<z>[\w ]+)", q, re.I) or \
        re.search(r"\b(?:CATE|heterogene\w*)\b.*?\b(?:by|across|over|for) (?P<z>[\w ]+)", q, re.I) or \
        re.search(r"\b(?:conditional on|by|for each|for every|across) (?:level of |levels of |value of |values of )?(?P<z>[\w]+)\s*\??$", q, re.I)
    if m:
        return "CATE", _clean_phrase(m.group("z"))
    return "ATE", None


def _method(q: str) -> str | None:
    low = q.lower()
    for cue, method in _METHODS.items():
        if re.search(r"\b" + re.escape(cue) + r"\b", low):
            return method
    return None


def _strip_tail(y: str) -> str:
    """Cut trailing clauses ('... for those who quit', '... using ipw', '... by sex') from an outcome phrase."""
    y = re.split(r"\s+(?:for|among|using|with|via|by|in|across|conditional on|vary|varies|given|controlling|adjusting|"
                 r"on average|on the)\b", y, maxsplit=1, flags=re.I)[0]
    return _clean_phrase(y)


def parse_question(question: str, columns: Sequence[str] | None = None,
                   descriptions: Mapping[str, str] | None = None) -> ParsedQuestion:
    """Parse a causal question.

    Parameters
    ----------
    question : str
        The question in plain language.
    columns : sequence of str, optional
        Column names to resolve variable phrases against.
    descriptions : mapping, optional
        Column -> description (helps with phrases like "quitting smoking").

    Returns
    -------
    ParsedQuestion
        ``kind="unknown"`` when no template fits; unresolved or ambiguous phrases are listed in
        ``problems`` with their candidates in ``matches``.
    """
    text = " ".join(str(question).split())
    q = re.sub(r"\s*\b(?:data|dataset|file)\s*[:=]\s*\S+", "", text, flags=re.I).strip()
    q = q.rstrip(" ?.!")
    parsed = ParsedQuestion(kind="unknown", text=text)
    parsed.method = _method(q)
    parsed.reuse_graph = bool(_REUSE.search(q))
    tool_kind = _tool_kind(q, columns)
    if tool_kind is not None:
        parsed.kind = tool_kind
        if tool_kind == "knowledge" and columns is not None:  # the columns the question names
            parsed.given = [c for c, _ in _contained(q, list(map(str, columns)))]
        return parsed
    spans: dict[str, str] = {}
    groups_seen: dict[str, str] = {}
    for kind, pattern in _PATTERNS:
        m = pattern.search(q)
        if not m:
            continue
        parsed.kind = kind
        groups = {k: v for k, v in m.groupdict().items() if v}
        groups_seen.update(groups)
        if "x" in groups:
            spans["treatment"] = _clean_phrase(groups["x"])
        if "y" in groups:
            spans["outcome"] = _strip_tail(groups["y"]) if kind in ("effect", "mediation") else _clean_phrase(groups["y"])
        if "m" in groups:
            spans["mediator"] = _clean_phrase(re.split(r"\s+(?:using|with|given)\b", groups["m"], flags=re.I)[0])
        if "z" in groups:
            for i, z in enumerate(_split_list(groups["z"])):
                spans[f"given_{i}"] = z
        if "v" in groups:
            parsed.value = _value(groups["v"])
        unit = groups.get("i") or groups.get("i2")
        if unit:
            parsed.unit = int(unit)
        break
    if parsed.kind == "unknown":
        fm = _FOLLOWUP_ADJUST.search(q)
        if fm or parsed.reuse_graph or re.search(r"^(?:now|what about|and|instead|also|try)\b", q, re.I):
            parsed.kind = "followup"
            if fm:
                parsed.adjust_only = bool(fm.group("only1") or fm.group("only2") or fm.group("only3"))
                for i, z in enumerate(_split_list(fm.group("z"))):
                    spans[f"given_{i}"] = z
            om = re.search(r"\b(?:outcome|on) (?P<y>[\w ]+?)(?: instead)?$", q, re.I)
            if om and not fm:
                spans["outcome"] = _clean_phrase(om.group("y"))
    if parsed.kind in ("effect", "followup"):
        parsed.estimand, modifier = _estimand_and_modifiers(q)
        if modifier:
            spans["modifier"] = modifier
    parsed.mentions = dict(spans)
    if columns is not None:
        raw = {"treatment": groups_seen.get("x"), "outcome": groups_seen.get("y"), "mediator": groups_seen.get("m")}
        _resolve(parsed, spans, list(map(str, columns)), descriptions, {k: v for k, v in raw.items() if v})
    else:
        parsed.treatment, parsed.outcome = spans.get("treatment"), spans.get("outcome")
        parsed.mediator = spans.get("mediator")
        parsed.given = [v for k, v in spans.items() if k.startswith("given_")]
        parsed.effect_modifiers = [spans["modifier"]] if "modifier" in spans else []
    return parsed


_PAREN = re.compile(r"\(([^()]+)\)")


def _resolve(parsed: ParsedQuestion, spans: dict[str, str], columns: list[str],
             descriptions: Mapping[str, str] | None, raw: Mapping[str, str]) -> None:
    for role, phrase in spans.items():
        m = None
        for inner in _PAREN.findall(raw.get(role, "")):  # "weight gain (wt82_71)": the parenthesis names the column
            hit = match_column(inner, columns)
            if hit.best is not None and hit.score >= 0.95:
                m = hit
                break
        m = m or match_column(phrase, columns, descriptions)
        if m.best is None and raw.get(role) and raw[role] != phrase:
            wider = match_column(_clean_phrase(raw[role]), columns)
            if wider.best is not None and wider.how in ("exact", "normalized", "contained"):
                m = wider
        parsed.matches[role] = m
        if m.best is None:
            if role == "modifier" and parsed.estimand == "CATE":
                parsed.estimand = "ATE"  # "by" + a word that is no column: not a CATE cue after all
                continue
            why = f"several columns fit ({', '.join(m.candidates[:5])})" if m.ambiguous else "no column fits"
            parsed.problems.append(f"{role} {phrase!r}: {why}")
            continue
        if role == "treatment":
            parsed.treatment = m.best
        elif role == "outcome":
            parsed.outcome = m.best
        elif role == "mediator":
            parsed.mediator = m.best
        elif role == "modifier":
            parsed.effect_modifiers = [m.best]
        else:
            parsed.given.append(m.best)

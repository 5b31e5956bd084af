"""A scripted 'expert' for the knowledge tests: answers multiple-choice questions from a known DAG."""

from __future__ import annotations

import re

from agent.testing import ScriptedModel

_YES_NO = [
    re.compile(r"Does changing (.+) directly change (.+) \(not only"),
    re.compile(r"If we intervened on (.+) while holding every other listed variable fixed, would (.+) change\?"),
    re.compile(r"Is (.+) a direct cause of (.+)\?"),
]
_CONF = [
    re.compile(r"Is there likely an unmeasured common cause of (.+) and (.+) that is not"),
    re.compile(r"Could some factor outside the listed variables influence both (.+) and (.+)\?"),
]
_CAUSE = [re.compile(r"changing (.+) causes a change in (.+)"), re.compile(r"(.+) causes (.+)"),
          re.compile(r"(.+) influences (.+)")]
_ORDER = [re.compile(r"^(.+) comes first$")]


def oracle_choice(edges, confounded=(), order=None):
    """A ``choose`` callable answering from ``edges`` ({(u, v)}), ``confounded`` pairs and a time ``order``."""
    edges = set(edges)
    conf = {frozenset(p) for p in confounded}
    rank = {n: i for i, n in enumerate(order or [])}

    def choose(prompt, options):
        last = prompt.strip().splitlines()[-1]
        if options == ["yes", "no"]:
            for rx in _YES_NO:
                m = rx.search(last)
                if m:
                    return 0 if (m.group(1), m.group(2)) in edges else 1
            for rx in _CONF:
                m = rx.search(last)
                if m:
                    return 0 if frozenset((m.group(1), m.group(2))) in conf else 1
            raise AssertionError(f"oracle cannot read {last!r}")
        if len(options) == 3 and "first" not in last and "time" not in last:
            for rx in _CAUSE:
                m = rx.fullmatch(options[0])
                if m:
                    a, b = m.group(1), m.group(2)
                    return 0 if (a, b) in edges else 1 if (b, a) in edges else 2
        if len(options) == 3:  # order question: options a, b, neither (or "a comes first", ...)
            a, b = (re.sub(r" comes first$", "", o) for o in options[:2])
            if a in rank and b in rank and rank[a] != rank[b]:
                return 0 if rank[a] < rank[b] else 1
            return 2
        raise AssertionError(f"oracle cannot answer {last!r} with {options}")

    return choose


def oracle_model(edges, confounded=(), order=None, name="oracle"):
    """A ScriptedModel whose every choice comes from :func:`oracle_choice`."""
    return ScriptedModel([], default=oracle_choice(edges, confounded, order), name=name)

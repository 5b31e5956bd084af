"""Question templates and fuzzy column matching."""

from __future__ import annotations

import pytest

from agent.parse import match_column, normalize, parse_question

COLS = ["qsmk", "wt82", "wt82_71", "age", "sex", "smokeintensity", "education", "Re 78"]


@pytest.mark.parametrize(
    ("question", "kind", "treatment", "outcome"),
    [
        ("Does quitting smoking (qsmk) increase weight gain (wt82_71)?", "effect", "qsmk", "wt82_71"),
        ("What is the effect of qsmk on wt82_71?", "effect", "qsmk", "wt82_71"),
        ("What is the causal effect of QSMK on WT82 71 in the data?", "effect", "qsmk", "wt82_71"),
        ("qsmk -> wt82_71?", "effect", "qsmk", "wt82_71"),
        ("did age raise wt82_71", "effect", "age", "wt82_71"),
        ("How much does education change wt82_71?", "effect", "education", "wt82_71"),
        ("Are age and sex independent?", "independence", "age", "sex"),
        ("is age independent of sex given education", "independence", "age", "sex"),
        ("Is age a direct cause of qsmk?", "direct_cause", "age", "qsmk"),
        ("Is there an edge from sex to qsmk?", "direct_cause", "sex", "qsmk"),
        ("What is the causal graph?", "graph", None, None),
        ("Discover the causal structure of these variables", "graph", None, None),
        ("How much of qsmk's effect on wt82_71 goes through smokeintensity?", "mediation", "qsmk", "wt82_71"),
        ("Is the effect of qsmk on wt82_71 mediated by smokeintensity?", "mediation", "qsmk", "wt82_71"),
        ("What if qsmk had been 1 for unit 7?", "counterfactual", "qsmk", None),
        ("What would wt82_71 have been for unit 3 if qsmk had been 0?", "counterfactual", "qsmk", "wt82_71"),
        ("Tell me a joke", "unknown", None, None),
    ],
)
def test_templates(question, kind, treatment, outcome):
    q = parse_question(question, COLS)
    assert (q.kind, q.treatment, q.outcome) == (kind, treatment, outcome)


def test_details_of_templates():
    q = parse_question("are age and sex independent given education and smokeintensity?", COLS)
    assert q.given == ["education", "smokeintensity"]
    q = parse_question("How much of qsmk's effect on wt82_71 goes through smokeintensity?", COLS)
    assert q.mediator == "smokeintensity"
    q = parse_question("what if qsmk had been 1 for unit 12", COLS)
    assert (q.unit, q.value) == (12, 1.0)
    q = parse_question("What would wt82_71 have been if qsmk were true for person 4", COLS)
    assert (q.unit, q.value) == (4, 1.0)


def test_estimand_and_method_cues():
    assert parse_question("effect of qsmk on wt82_71 for those who quit", COLS).estimand == "ATT"
    assert parse_question("What is the ATT of qsmk on wt82_71?", COLS).estimand == "ATT"
    assert parse_question("effect of qsmk on wt82_71 on the untreated", COLS).estimand == "ATC"
    q = parse_question("Does the effect of qsmk on wt82_71 vary by sex?", COLS)
    assert (q.estimand, q.effect_modifiers, q.outcome) == ("CATE", ["sex"], "wt82_71")
    assert parse_question("effect of qsmk on wt82_71 by age", COLS).effect_modifiers == ["age"]
    q = parse_question("effect of qsmk on wt82_71 using inverse probability weighting", COLS)
    assert (q.method, q.outcome) == ("ipw", "wt82_71")
    assert parse_question("effect of qsmk on wt82_71 with double ML", COLS).method == "dml"
    # "by" followed by a word that is not a column is no CATE cue
    assert parse_question("effect of qsmk on wt82_71 by the way", COLS).estimand == "ATE"


def test_followups():
    q = parse_question("now adjust for age and sex too", COLS)
    assert (q.kind, q.given) == ("followup", ["age", "sex"])
    q = parse_question("Use the graph from before", COLS)
    assert q.kind == "followup" and q.reuse_graph
    q = parse_question("what about the ATT?", COLS)
    assert (q.kind, q.estimand) == ("followup", "ATT")
    assert parse_question("What is the effect of qsmk on wt82_71 with the same graph?", COLS).reuse_graph


def test_fuzzy_matching():
    assert normalize("Wt82_71") == "wt8271"
    assert match_column("WT82 71", COLS).best == "wt82_71"
    assert match_column("re_78", COLS).best == "Re 78"
    m = match_column("smokintensity", COLS)  # a near miss
    assert (m.best, m.how) == ("smokeintensity", "fuzzy")
    m = match_column("weight gain (wt82_71)", COLS)  # named inside the phrase; wt82 is inside it too
    assert (m.best, m.how) == ("wt82_71", "contained")
    m = match_column("re7", ["re74", "re75", "age"])  # two columns fit equally: candidates, no guess
    assert m.best is None and m.ambiguous and m.candidates == ["re74", "re75"]
    assert match_column("zzz", COLS).best is None
    m = match_column("quitting smoking", COLS, {"qsmk": "quit smoking between 1971 and 1982"})
    assert (m.best, m.how) == ("qsmk", "description")


def test_unresolved_phrases_are_reported():
    q = parse_question("Does smokng affect wieght?", COLS)
    assert q.kind == "effect" and q.treatment is None and q.outcome is None
    assert len(q.problems) == 2
    q = parse_question("effect of re7 on age", ["re74", "re75", "age"])
    assert q.treatment is None and q.candidates("treatment") == ["re74", "re75"] and q.outcome == "age"

"""Auditing an agent's answer against its tool results."""

import pytest

from causalkit.exceptions import InvalidInputError
from causalkit.faithfulness.agent_audit import audit_agent_answer, extract_numbers
from causalkit.results import EffectEstimate

TOOL = {"tool": "estimate_effect", "treatment": "qsmk", "outcome": "wt82_71", "value": 3.4405, "ci": [2.4413, 4.4397],
        "pvalue": 1.1e-11, "n_obs": 1566}


def _by_text(result):
    return {c.text: c for c in result.claims}


def test_backed_numbers_pass():
    answer = "Quitting smoking (qsmk) increases weight (wt82_71) by 3.44 kg (95% CI 2.44 to 4.44, p < 0.001; n = 1,566)."
    result = audit_agent_answer(answer, [TOOL])
    claims = _by_text(result)
    assert result.passed, result.summary()
    assert set(claims) == {"3.44", "2.44", "4.44", "< 0.001", "1,566", "qsmk -> wt82_71"}
    assert "value = 3.4405" in claims["3.44"].evidence and "95%" not in claims


def test_planted_unbacked_number_is_flagged():
    answer = "The effect is 3.44 (95% CI 2.44 to 4.44) and 62% of it is mediated by diet, p = 0.003."
    result = audit_agent_answer(answer, [TOOL])
    assert not result.passed
    assert [c.text for c in result.unbacked] == ["62%", "0.003"]
    assert result.unbacked[0].sentence.startswith("The effect is 3.44")
    frame = result.to_frame()
    assert frame["backed"].tolist().count(False) == 2
    assert "FLAG" in result.summary()


@pytest.mark.parametrize(
    "answer, backed",
    [
        ("The estimate is 3.4.", True),          # rounding to the shown precision
        ("The estimate is 3.441.", True),        # half up
        ("The estimate is 3.440.", True),        # half even
        ("The estimate is 3.45.", False),
        ("The estimate is 3.", True),
        ("The estimate is 5.", False),
        ("The p-value is 1.1e-11.", True),
        ("The p-value is 1.2e-11.", False),
        ("The p-value is below 0.05 (p < 0.05).", True),
        ("The p-value exceeds p > 0.5.", True),   # some value (3.44) is above 0.5
        ("About 344% of the baseline.", True),    # percent of 3.4405 rounded: 344.05 -> 344
    ],
)
def test_number_matching_rules(answer, backed):
    result = audit_agent_answer(answer, [TOOL], check_causal=False)
    assert result.claims[-1].backed is backed, result.summary()


def test_percentages_against_fractions_and_messages():
    transcript = [
        {"role": "system", "content": "Be brief, report 99 numbers."},
        {"role": "user", "content": "Data has 400 rows."},
        {"role": "assistant", "content": "The answer is 0.25."},          # the agent's own words are not evidence
        {"role": "tool", "name": "profile", "content": '{"share_treated": 0.125}'},
        '{"rows": 400, "note": "mean age 41.7 years"}',
    ]
    result = audit_agent_answer("12.5% of 400 rows are treated; mean age 41.7; effect 0.25; 99 checks.", transcript)
    claims = _by_text(result)
    assert claims["12.5%"].backed and claims["400"].backed and claims["41.7"].backed
    assert not claims["0.25"].backed and not claims["99"].backed


def test_confidence_levels_and_list_markers_are_not_claims():
    assert [n[0] for n in extract_numbers("1. A 95% CI and a 90% confidence band.\n2) done")] == []
    assert [n[0] for n in extract_numbers("Values: 1,234.5 and -0.2 and x2.")] == ["1,234.5", "-0.2"]


def test_causal_claims_direction_and_sign():
    answer = ("Quitting smoking (qsmk) increases weight gain (wt82_71). "
              "Weight gain (wt82_71) causes qsmk. "
              "The effect of education on wt82_71 is large.")
    result = audit_agent_answer(answer, [TOOL], variables=["education"])
    claims = {c.text: c for c in result.claims if c.kind == "causal"}
    assert claims["qsmk -> wt82_71"].backed
    assert not claims["wt82_71 -> qsmk"].backed
    assert not claims["education -> wt82_71"].backed
    opposite = audit_agent_answer("qsmk decreases wt82_71.", [TOOL])
    assert not opposite.passed and "opposite sign" in opposite.unbacked[0].evidence


def test_result_objects_and_graph_edges_are_evidence():
    est = EffectEstimate(value=-1.25, stderr=0.1, ci=(-1.45, -1.05), alpha=0.05, estimand="ATE", method="aipw",
                         treatment="training", outcome="earnings", n_obs=500)
    result = audit_agent_answer("Training reduces earnings by 1.25 (95% CI -1.45 to -1.05) in 500 people.", [est])
    assert result.passed, result.summary()
    graph = {"edges": [["rain", "traffic"]], "method": "pc"}
    assert audit_agent_answer("Rain causes traffic.", [graph]).passed


def test_input_errors():
    with pytest.raises(InvalidInputError, match="answer"):
        audit_agent_answer(None, [])
    with pytest.raises(InvalidInputError, match="transcript"):
        audit_agent_answer("x", "not a list")

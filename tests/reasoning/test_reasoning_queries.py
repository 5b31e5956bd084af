"""Stated probabilities, rung-1/2/3 queries and the exact binary SCM."""

import itertools

import numpy as np
import pytest

from causalkit.exceptions import InvalidInputError, NotIdentifiableError
from causalkit.graphs import CausalGraph
from causalkit.reasoning import (
    BinarySCM,
    MissingProbabilityError,
    ProbabilityFacts,
    make_problem,
    parse_probability,
    run_query,
)
from causalkit.reasoning.mechanisms import Mechanism, det_counterfactual, parse_mechanism


def test_parse_probability_forms():
    s = parse_probability("P(Y | not X, Z=0) = 45%")
    assert dict(s.event) == {"Y": 1} and dict(s.given) == {"X": 0, "Z": 0} and s.value == pytest.approx(0.45)
    with pytest.raises(InvalidInputError):
        parse_probability("P(Y=2) = 0.1")
    with pytest.raises(InvalidInputError):
        parse_probability("Y is likely")
    with pytest.raises(InvalidInputError, match="\\[0, 1\\]"):
        parse_probability("P(Y) = 1.5")


def test_derivation_rules_hand_computed():
    pf = ProbabilityFacts(["P(X=1) = 0.6", "P(Y=1 | X=1) = 0.5", "P(Y=1 | X=0) = 0.2"])
    assert pf.get({"Y": 1}).value == pytest.approx(0.6 * 0.5 + 0.4 * 0.2)  # total probability
    assert pf.get({"Y": 0}, {"X": 0}).value == pytest.approx(0.8)  # complement
    assert pf.get({"X": 1}, {"Y": 1}).value == pytest.approx(0.3 / 0.38)  # Bayes via ratio
    assert pf.get({"X": 1, "Y": 1}).value == pytest.approx(0.3)  # chain rule
    joint = ProbabilityFacts(["P(X=1) = 0.6", "P(X=0, Y=1) = 0.1", "P(X=1, Y=1) = 0.3"])
    assert joint.get({"Y": 1}, {"X": 0}).value == pytest.approx(0.25)
    with pytest.raises(MissingProbabilityError, match="Z"):
        ProbabilityFacts(["P(X=1) = 0.6", "P(Z=1 | X=1) = 0.2"]).get({"Z": 1})


def test_conditional_independence_rule_uses_the_graph():
    g = CausalGraph(edges=["X --> M", "M --> Y"])
    stated = ["P(Y=1 | M=1) = 0.7", "P(Y=1 | M=0) = 0.1"]
    pf = ProbabilityFacts(stated, ["X", "M", "Y"], graph=g)
    assert pf.get({"Y": 1}, {"M": 1, "X": 0}).value == pytest.approx(0.7)  # Y _||_ X | M
    assert ProbabilityFacts(stated, ["X", "M", "Y"]).try_get({"Y": 1}, {"M": 1, "X": 0}) is None
    approx = ProbabilityFacts(stated, ["X", "M", "Y"], approximate=True)
    assert approx.get({"Y": 1}, {"M": 1, "X": 0}).value == pytest.approx(0.7) and approx.warnings


def _random_scm(edges, latent, rng, additive=None):
    nodes = list(dict.fromkeys(v for e in edges for v in e))
    parents = {v: tuple(u for u, w in edges if w == v) for v in nodes}
    cpts = {v: rng.uniform(0.05, 0.95, size=2 ** len(ps)) for v, ps in parents.items()}
    if additive:
        a, b, c = 0.4, rng.uniform(-0.3, 0.3), rng.uniform(-0.15, 0.15)
        cpts[additive] = np.array([a + b * x + c * u for x in (0, 1) for u in (0, 1)])
    return BinarySCM(parents, cpts, latent=latent)


def _statements(scm, terms):
    out = []
    for target, given in terms:
        for cfg in itertools.product((0, 1), repeat=len(given)):
            g = dict(zip(given, cfg, strict=True))
            cond = ", ".join(f"{k}={v}" for k, v in g.items())
            out.append(f"P({target}=1{' | ' + cond if cond else ''}) = {scm.prob({target: 1}, g)!r}")
    return out


CASES = {
    "confounding": ([("Z", "X"), ("Z", "Y"), ("X", "Y")], (), [("Z", ()), ("X", ("Z",)), ("Y", ("X", "Z"))]),
    "frontdoor": ([("U", "X"), ("X", "M"), ("U", "Y"), ("M", "Y")], ("U",), [("X", ()), ("M", ("X",)), ("Y", ("X", "M"))]),
    "mediation": ([("X", "M"), ("X", "Y"), ("M", "Y")], (), [("X", ()), ("M", ("X",)), ("Y", ("X", "M"))]),
    "arrowhead": ([("X", "M"), ("W", "M"), ("X", "Y"), ("W", "Y"), ("M", "Y")], (),
                  [("W", ()), ("X", ()), ("M", ("X", "W")), ("Y", ("X", "W", "M"))]),
    "napkin": ([("W1", "W2"), ("W2", "X"), ("X", "Y"), ("U1", "W1"), ("U1", "X"), ("U2", "W1"), ("U2", "Y")], ("U1", "U2"),
               [("W1", ()), ("W2", ("W1",)), ("X", ("W1", "W2")), ("Y", ("W1", "W2", "X"))]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_rung2_and_rung3_match_the_exact_scm(name):
    edges, latent, terms = CASES[name]
    rng = np.random.default_rng(abs(hash(name)) % 1000)
    for _ in range(3):
        scm = _random_scm(edges, latent, rng)
        problem = make_problem([f"{u} --> {v}" for u, v in edges], _statements(scm, terms), unobserved=latent)
        for x in (0, 1):
            res = run_query(problem, "ate", treatment="X", outcome="Y", x=x)
            truth = scm.prob({"Y": 1}, do={"X": x}) - scm.prob({"Y": 1}, do={"X": 1 - x})
            assert res.value == pytest.approx(truth, abs=1e-9), (name, res.summary())
            if name != "napkin":
                ett = run_query(problem, "ett", treatment="X", outcome="Y", x=x)
                truth = scm.counterfactual({"Y": 1}, {"X": 1 - x}, {"X": x}) - scm.prob({"Y": 1}, {"X": x})
                assert ett.value == pytest.approx(truth, abs=1e-9), (name, ett.summary())
        if name in ("mediation", "arrowhead", "frontdoor"):
            for kind in ("nie",) if name == "frontdoor" else ("nde", "nie"):
                res = run_query(problem, kind, treatment="X", outcome="Y")
                truth = getattr(scm, kind)("X", "Y", ["M"])
                assert res.value == pytest.approx(truth, abs=1e-9), (name, kind)


def test_strategy_names_and_text():
    edges, latent, terms = CASES["frontdoor"]
    scm = _random_scm(edges, latent, np.random.default_rng(0))
    problem = make_problem([f"{u} --> {v}" for u, v in edges], _statements(scm, terms), unobserved=latent)
    res = run_query(problem, "ate", treatment="X", outcome="Y")
    assert res.strategy == "frontdoor" and "sum_{M}" in res.estimand and "=" in res.arithmetic
    napkin = CASES["napkin"]
    scm = _random_scm(napkin[0], napkin[1], np.random.default_rng(0))
    p2 = make_problem([f"{u} --> {v}" for u, v in napkin[0]], _statements(scm, napkin[2]), unobserved=napkin[1])
    assert run_query(p2, "ate", treatment="X", outcome="Y").strategy == "general"


def test_iv_ratio_with_additive_outcome():
    edges = [("U", "X"), ("Z", "X"), ("U", "Y"), ("X", "Y")]
    rng = np.random.default_rng(5)
    scm = _random_scm(edges, ("U",), rng, additive="Y")
    problem = make_problem([f"{u} --> {v}" for u, v in edges], _statements(scm, [("Y", ("Z",)), ("X", ("Z",))]), unobserved=["U"])
    res = run_query(problem, "ate", treatment="X", outcome="Y")
    assert res.strategy == "iv" and res.value == pytest.approx(scm.ate("X", "Y"), abs=1e-9)


def test_not_identifiable_and_missing_numbers():
    problem = make_problem(["U --> X", "U --> Y", "X --> Y"], ["P(Y=1 | X=1) = 0.5", "P(Y=1 | X=0) = 0.2"], unobserved=["U"])
    with pytest.raises(NotIdentifiableError):
        run_query(problem, "ate", treatment="X", outcome="Y")
    thin = make_problem(["Z --> X", "Z --> Y", "X --> Y"], ["P(Y=1 | X=1) = 0.5", "P(Y=1 | X=0) = 0.2"])
    with pytest.raises(NotIdentifiableError, match="could not be computed"):
        run_query(thin, "ate", treatment="X", outcome="Y")
    with pytest.raises(InvalidInputError, match="Unknown query"):
        run_query(thin, "psychic", treatment="X", outcome="Y")


def test_rung1_queries_hand_computed():
    p = make_problem(["X --> C", "Y --> C"], ["P(X=1) = 0.5", "P(Y=1 | X=0, C=1) = 0.6", "P(Y=1 | X=1, C=1) = 0.3"])
    res = run_query(p, "exp_away", treatment="X", outcome="Y", collider="C")
    assert res.value == pytest.approx(0.3 - 0.6) and "sign" in res.strategy
    p2 = make_problem(["X --> Y"], ["P(X=1) = 0.6", "P(Y=1 | X=1) = 0.5", "P(Y=1 | X=0) = 0.2"])
    assert run_query(p2, "marginal", outcome="Y").value == pytest.approx(0.38)
    assert run_query(p2, "correlation", treatment="X", outcome="Y", x=0).value == pytest.approx(-0.3)


def test_backadj_and_collider_bias():
    p = make_problem(["Z --> X", "Z --> Y", "X --> Y", "X --> M", "M --> Y"])
    assert run_query(p, "backadj", treatment="X", outcome="Y", sets=[["Z"], ["Z", "M"]]).value == 1.0
    assert run_query(p, "backadj", treatment="X", outcome="Y", sets=[[], ["Z"]]).value == -1.0
    c = make_problem(["X --> C", "Y --> C"])
    assert run_query(c, "collider_bias", treatment="X", outcome="Y").value == 0.0


def test_binary_scm_hand_computed_and_errors():
    scm = BinarySCM({"Z": (), "X": ("Z",), "Y": ("X", "Z")}, {"Z": [0.4], "X": [0.3, 0.8], "Y": [0.1, 0.5, 0.3, 0.9]})
    assert scm.ate("X", "Y") == pytest.approx(0.6 * 0.4 + 0.4 * 0.6)
    px1 = 0.6 * 0.3 + 0.4 * 0.8
    pz = 0.4 * 0.8 / px1
    assert scm.ett("X", "Y") == pytest.approx((1 - pz) * 0.4 + pz * 0.6)
    med = BinarySCM({"X": (), "M": ("X",), "Y": ("X", "M")}, {"X": [0.5], "M": [0.2, 0.7], "Y": [0.1, 0.4, 0.3, 0.8]})
    assert med.nde("X", "Y", ["M"]) == pytest.approx(0.8 * 0.3 + 0.2 * 0.5)
    assert med.nie("X", "Y", ["M"]) == pytest.approx(0.1 * -0.5 + 0.3 * 0.5)
    assert sum(med.joint().values()) == pytest.approx(1.0)
    with pytest.raises(InvalidInputError, match="entries"):
        BinarySCM({"X": ()}, {"X": [0.2, 0.3]})
    with pytest.raises(InvalidInputError, match="zero"):
        BinarySCM({"X": ()}, {"X": [0.0]}).prob({"X": 1}, {"X": 1})


def test_deterministic_mechanisms():
    mech = [parse_mechanism("M = not X"), parse_mechanism("Y = X or M")]
    assert det_counterfactual(mech, "Y", {"X": 0}, {"X": 1})[0] == 1  # M = 1 when X = 0
    both = [Mechanism("Y", (("X", 1), ("Z", 1)), "and")]
    value, text = det_counterfactual(both, "Y", {"X": 1}, {"X": 0})
    assert value is None and "undetermined" in text  # Z unknown decides Y
    value, _ = det_counterfactual(both, "Y", {"X": 1}, {"X": 0, "Z": 1})
    assert value == 1
    with pytest.raises(InvalidInputError, match="mixes"):
        parse_mechanism("Y = A and B or C")


def test_p_do_and_att_against_the_exact_scm():
    edges, latent, terms = CASES["confounding"]
    scm = _random_scm(edges, latent, np.random.default_rng(8))
    problem = make_problem([f"{u} --> {v}" for u, v in edges], _statements(scm, terms), unobserved=latent)
    for x in (0, 1):
        res = run_query(problem, "p_do", treatment="X", outcome="Y", x=x, y=0)
        assert res.value == pytest.approx(scm.prob({"Y": 0}, do={"X": x}), abs=1e-12) and res.strategy == "backdoor"
    assert run_query(problem, "att", treatment="X", outcome="Y").value == pytest.approx(scm.ett("X", "Y"), abs=1e-12)
    assert run_query(problem, "att", treatment="X", outcome="Y", x=0).value == pytest.approx(scm.ett("X", "Y", treated=0), abs=1e-12)


def test_probabilities_of_necessity_and_sufficiency_under_monotonicity():
    """'Would Y have been 1 had X been 0, given X=1 and Y=1?' = 1 - PN, exact for a monotone SCM."""
    rng = np.random.default_rng(9)
    for _ in range(5):
        z = rng.uniform(0.1, 0.9)
        px = rng.uniform(0.1, 0.9, size=2)
        base = rng.uniform(0.05, 0.5, size=2)
        lift = rng.uniform(0.05, 0.45, size=2)
        # Y table: bit0 = X, bit1 = Z; P(Y | X=1, z) >= P(Y | X=0, z): no unit is harmed by X
        ytab = [base[0], base[0] + lift[0], base[1], base[1] + lift[1]]
        scm = BinarySCM({"Z": (), "X": ("Z",), "Y": ("X", "Z")}, {"Z": [z], "X": px, "Y": ytab})
        problem = make_problem(["Z --> X", "Z --> Y", "X --> Y"], _statements(scm, CASES["confounding"][2]))
        pn = run_query(problem, "pn", treatment="X", outcome="Y")
        assert pn.value == pytest.approx(scm.counterfactual({"Y": 0}, {"X": 0}, {"X": 1, "Y": 1}), abs=1e-9)
        assert "monotonicity" in pn.warnings[0]
        ps = run_query(problem, "ps", treatment="X", outcome="Y")
        assert ps.value == pytest.approx(scm.counterfactual({"Y": 1}, {"X": 1}, {"X": 0, "Y": 0}), abs=1e-9)

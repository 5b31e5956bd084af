"""Identification on hand-worked textbook graphs."""

import networkx as nx
import pytest

from causalkit.exceptions import (
    GraphError,
    InvalidInputError,
    NotIdentifiableError,
    UnknownNodeError,
)
from causalkit.graphs import CausalGraph
from causalkit.identification import (
    backdoor_adjustment_sets,
    check_instrument,
    find_instruments,
    frontdoor_sets,
    id_algorithm,
    identify,
    is_frontdoor_set,
    is_valid_adjustment_set,
    optimal_adjustment_set,
)
from causalkit.results import IdentificationResult

CONFOUNDER = ["Z --> X", "Z --> Y", "X --> Y"]
M_BIAS = ["A --> X", "A --> M", "B --> M", "B --> Y", "X --> Y"]
FRONTDOOR = ["X --> M", "M --> Y", "X <-> Y"]
IV = ["Z --> X", "X --> Y", "X <-> Y"]
NAPKIN = ["W1 --> W2", "W2 --> X", "X --> Y", "W1 <-> X", "W1 <-> Y"]
BOW = ["X --> Y", "X <-> Y"]


# ------------------------------------------------------------------------------------ back-door
def test_simple_confounder():
    res = identify(CONFOUNDER, "X", "Y")
    assert isinstance(res, IdentificationResult)
    assert res.strategy == "backdoor"
    assert res.adjustment_set == ("Z",)
    assert res.estimand == "E[Y | do(X)] = sum_z E[Y | X, Z=z] P(Z=z)"
    assert res.alternatives["minimal_adjustment_sets"] == [["Z"]]
    assert any("positivity" in a for a in res.assumptions)
    assert backdoor_adjustment_sets(CONFOUNDER, "X", "Y") == [("Z",)]
    assert not is_valid_adjustment_set(CONFOUNDER, "X", "Y", [])


def test_m_bias():
    assert is_valid_adjustment_set(M_BIAS, "X", "Y", [])
    assert not is_valid_adjustment_set(M_BIAS, "X", "Y", ["M"])
    assert is_valid_adjustment_set(M_BIAS, "X", "Y", ["M", "A"])
    assert is_valid_adjustment_set(M_BIAS, "X", "Y", ["M", "B"])
    assert backdoor_adjustment_sets(M_BIAS, "X", "Y") == [()]
    all_sets = backdoor_adjustment_sets(M_BIAS, "X", "Y", minimal=False)
    assert set(all_sets) == {
        (),
        ("A",),
        ("B",),
        ("A", "B"),
        ("A", "M"),
        ("B", "M"),
        ("A", "B", "M"),
    }
    res = identify(M_BIAS, "X", "Y", adjustment="minimal")
    assert res.adjustment_set == ()
    assert res.estimand == "E[Y | do(X)] = E[Y | X]"


def test_m_bias_with_mediating_collider():
    g = M_BIAS + ["M --> Y"]  # X <- A -> M -> Y must be blocked; adjusting M opens A -> M <- B
    assert backdoor_adjustment_sets(g, "X", "Y") == [("A",), ("B", "M")]
    assert not is_valid_adjustment_set(g, "X", "Y", ["M"])
    assert identify(g, "X", "Y", adjustment="parents").adjustment_set == ("A",)


def test_two_minimal_sets_listed():
    g = ["A --> X", "A --> B", "B --> Y", "X --> Y"]
    assert backdoor_adjustment_sets(g, "X", "Y") == [("A",), ("B",)]


def test_no_adjustment_for_mediators_or_their_descendants():
    g = ["Z --> X", "Z --> Y", "X --> M", "M --> Y", "M --> D", "X --> C", "C --> Q", "Y --> Q"]
    assert not is_valid_adjustment_set(g, "X", "Y", ["Z", "M"])
    assert not is_valid_adjustment_set(g, "X", "Y", ["Z", "D"])
    assert not is_valid_adjustment_set(g, "X", "Y", ["Z", "Q"])  # descendant of Y
    assert is_valid_adjustment_set(
        g, "X", "Y", ["Z", "C"]
    )  # a descendant of X off the causal paths
    for s in backdoor_adjustment_sets(g, "X", "Y", minimal=False):
        assert not {"M", "D", "Q"} & set(s)
    assert optimal_adjustment_set(g, "X", "Y") == ("Z",)


def test_o_set_includes_precision_variable():
    g = ["Z --> X", "X --> Y", "W --> Y"]
    assert optimal_adjustment_set(g, "X", "Y") == ("W",)
    res = identify(g, "X", "Y")
    assert res.adjustment_set == ("W",)
    assert res.alternatives["minimal_adjustment_sets"] == [[]]


def test_o_set_is_parents_of_causal_nodes():
    # O = pa(cn) \ forb (Henckel, Perkovic & Maathuis 2022): causal nodes M and Y, so O = {B, C, D};
    # A and E (instruments-like causes of X) are left out.
    g = ["A --> X", "A --> B", "B --> Y", "X --> M", "M --> Y", "C --> M", "D --> Y", "E --> X"]
    assert optimal_adjustment_set(g, "X", "Y") == ("B", "C", "D")
    assert is_valid_adjustment_set(g, "X", "Y", ("B", "C", "D"))


def test_optimal_vs_parents_vs_minimal():
    g = ["A --> X", "A --> B", "B --> Y", "X --> Y", "W --> Y"]
    assert identify(g, "X", "Y").adjustment_set == ("B", "W")
    assert identify(g, "X", "Y", adjustment="parents").adjustment_set == ("A",)
    assert identify(g, "X", "Y", adjustment="minimal").adjustment_set == ("A",)


def test_parents_invalid_with_latent():
    # P is a collider on X <-> A -> P <-> Y: adjusting for the parent P alone opens that path
    g = ["X <-> A", "A --> P", "P --> X", "P <-> Y", "X --> Y"]
    with pytest.raises(NotIdentifiableError, match="parents of the treatment") as err:
        identify(g, "X", "Y", adjustment="parents")
    assert err.value.paths == ["X <-> A -> P <-> Y"]
    assert backdoor_adjustment_sets(g, "X", "Y") == [("A", "P")]


def test_explicit_latent_node_shown_in_path():
    g = ["U --> X", "U --> Y", "X --> Y"]
    with pytest.raises(NotIdentifiableError) as err:
        optimal_adjustment_set(g, "X", "Y", latent=["U"])
    assert err.value.paths == ["X <- U -> Y"]
    assert '"X <- U -> Y"' in str(err.value)
    assert backdoor_adjustment_sets(g, "X", "Y") == [("U",)]  # U observed by default


def test_multiple_treatments():
    g = ["Z --> X1", "Z --> Y", "X1 --> X2", "X2 --> Y", "W --> X2", "W --> Y"]
    assert backdoor_adjustment_sets(g, ["X1", "X2"], "Y") == [("W", "Z")]
    res = identify(g, ["X1", "X2"], "Y")
    assert res.treatment == "X1, X2"
    assert res.adjustment_set == ("W", "Z")


# ------------------------------------------------------------------------------------ front-door
def test_frontdoor():
    res = identify(FRONTDOOR, "X", "Y")
    assert res.strategy == "frontdoor"
    assert res.mediators == ("M",)
    assert res.estimand == "E[Y | do(X=x)] = sum_m P(M=m | X=x) sum_x' E[Y | X=x', M=m] P(X=x')"
    assert res.alternatives["frontdoor_sets"] == [["M"]]
    assert "minimal_adjustment_sets" not in res.alternatives
    assert (
        res.alternatives["id_formula"]
        == "P(Y | do(X)) = sum_{M} P(M | X) sum_{X'} P(X') P(Y | X', M)"
    )
    with pytest.raises(NotIdentifiableError, match='"X <-> Y"'):
        identify(FRONTDOOR, "X", "Y", strategy="backdoor")


def test_frontdoor_fails_with_direct_effect_or_confounded_mediator():
    assert frontdoor_sets(FRONTDOOR + ["X --> Y"], "X", "Y") == []
    assert not is_frontdoor_set(FRONTDOOR + ["M <-> Y"], "X", "Y", ["M"])
    assert not is_frontdoor_set(FRONTDOOR + ["M <-> X"], "X", "Y", ["M"])
    assert frontdoor_sets(
        ["X --> M1", "X --> M2", "M1 --> Y", "M2 --> Y", "X <-> Y"], "X", "Y"
    ) == [("M1", "M2")]
    with pytest.raises(NotIdentifiableError, match="front-door"):
        identify(FRONTDOOR + ["M <-> Y"], "X", "Y", strategy="frontdoor")


# ------------------------------------------------------------------------------------ instruments
def test_instrument():
    res = identify(IV, "X", "Y")
    assert res.strategy == "iv"
    assert res.instruments == ("Z",)
    assert "Cov(Z, Y) / Cov(Z, X)" in res.estimand
    assert any(a.startswith("exclusion") for a in res.assumptions)
    assert find_instruments(IV, "X", "Y") == {"Z": ()}
    assert identify(IV, "X", "Y", instruments=["Z"]).instruments == ("Z",)


def test_declared_instrument_failures_explained():
    with pytest.raises(NotIdentifiableError, match="exclusion fails: the directed path Z -> Y"):
        identify(IV + ["Z --> Y"], "X", "Y", instruments=["Z"])
    with pytest.raises(NotIdentifiableError, match="unconfoundedness fails") as err:
        identify(IV + ["Z <-> Y"], "X", "Y", instruments=["Z"])
    assert err.value.paths == ["Z <-> Y"]
    check = check_instrument(["Z --> Q", "X --> Y", "X <-> Y"], "X", "Y", "Z")
    assert not check.relevance and not check.valid and "relevance fails" in check.reason
    check = check_instrument(IV + ["Z --> Y"], "X", "Y", "Z")
    assert check.relevance and not check.exclusion


def test_conditional_instrument():
    g = ["W --> Z", "W --> Y", "Z --> X", "X --> Y", "X <-> Y"]
    assert find_instruments(g, "X", "Y") == {"Z": ("W",)}
    assert find_instruments(g, "X", "Y", conditional=False) == {}
    assert check_instrument(g, "X", "Y", "Z", ["W"]).valid
    res = identify(g, "X", "Y", instruments=["Z"])
    assert res.adjustment_set == ("W",)
    assert "Cov(Z, Y | W) / Cov(Z, X | W)" in res.estimand


# ------------------------------------------------------------------------------------ general ID
def test_napkin_needs_general_id():
    with pytest.raises(NotIdentifiableError):
        identify(NAPKIN, "X", "Y", strategy="backdoor")
    assert frontdoor_sets(NAPKIN, "X", "Y") == []
    res = identify(NAPKIN, "X", "Y")
    assert res.strategy == "general"
    expected = "P(Y | do(X)) = [sum_{W1} P(W1) P(X, Y | W1, W2)] / [sum_{W1} P(W1) P(X | W1, W2)]"
    assert res.estimand == expected
    assert str(id_algorithm(NAPKIN, "X", "Y")) == expected


def test_bow_not_identifiable():
    with pytest.raises(NotIdentifiableError) as err:
        identify(BOW, "X", "Y")
    msg = str(err.value)
    assert "X <-> Y" in msg and "no mediator or instrument" in msg
    assert err.value.paths == ["X <-> Y"]
    with pytest.raises(NotIdentifiableError, match="hedge"):
        id_algorithm(BOW, "X", "Y")
    # the same graph with an explicit latent
    with pytest.raises(NotIdentifiableError, match="X <-> Y"):
        identify(["U --> X", "U --> Y", "X --> Y"], "X", "Y", latent=["U"])


def test_iv_graph_is_not_identifiable_nonparametrically():
    with pytest.raises(NotIdentifiableError, match="hedge"):
        identify(IV, "X", "Y", strategy="general")


# ------------------------------------------------------------------------------------ CPDAGs and PAGs
def test_cpdag_amenable():
    # A --> X <-- B is a v-structure; X --> Y is compelled; A --- C is undirected
    g = ["A --> X", "B --> X", "X --> Y", "A --- C", "C --> Y", "B --> Y"]
    res = identify(g, "X", "Y")
    assert res.strategy == "backdoor"
    assert set(res.adjustment_set) >= {"B"}
    assert backdoor_adjustment_sets(g, "X", "Y") == [("A", "B"), ("B", "C")]
    assert res.alternatives["graph_kind"] == "cpdag"


def test_cpdag_not_amenable_names_the_edge():
    g = ["X --- Z", "Z --- Y", "X --- Y"]
    with pytest.raises(NotIdentifiableError) as err:
        identify(g, "X", "Y")
    assert "not amenable" in str(err.value) and "X --- Z is undirected" in str(err.value)
    assert not is_valid_adjustment_set(g, "X", "Y", ["Z"])
    with pytest.raises(NotIdentifiableError, match="X --- Z"):
        backdoor_adjustment_sets(["X --- Z", "Z --> Y", "X --> Y", "A --> Z"], "X", "Y")


def test_pag_circle_mark_not_identifiable():
    with pytest.raises(NotIdentifiableError, match="circle mark at X"):
        identify(["A o-> X", "X o-> Y"], "X", "Y")


def test_pag_visible_edge_identified():
    # Y-structure: A o-> X <-o B, X --> Y. X --> Y is visible (A *-> X, A not adjacent to Y).
    g = ["A o-> X", "B o-> X", "X --> Y"]
    res = identify(g, "X", "Y")
    assert res.strategy == "backdoor" and res.adjustment_set == ()
    # without a node outside Y's neighbourhood pointing into X the edge is not visible
    with pytest.raises(NotIdentifiableError, match="not visible"):
        identify(["A o-> X", "X --> Y", "A --> Y"], "X", "Y")


# ------------------------------------------------------------------------------------ inputs & errors
def test_input_types_agree():
    cg = CausalGraph(edges=CONFOUNDER)
    dg = nx.DiGraph([("Z", "X"), ("Z", "Y"), ("X", "Y")])
    for g in (cg, dg, CONFOUNDER, "Z --> X; Z --> Y\nX --> Y", cg.to_networkx()):
        assert identify(g, "X", "Y").adjustment_set == ("Z",)
    fd = CausalGraph(edges=FRONTDOOR)
    assert identify(fd, "X", "Y").mediators == ("M",)
    assert identify(fd.to_networkx(), "X", "Y").mediators == ("M",)


def test_validation_errors():
    with pytest.raises(UnknownNodeError, match="'Q'"):
        identify(CONFOUNDER, "Q", "Y")
    with pytest.raises(UnknownNodeError, match="'Q'"):
        identify(CONFOUNDER, "X", "Q")
    with pytest.raises(InvalidInputError, match="both the treatment and the outcome"):
        identify(CONFOUNDER, "X", "X")
    with pytest.raises(GraphError, match="X --> Y --> Z --> X"):
        identify(["X --> Y", "Y --> Z", "Z --> X"], "X", "Y")
    with pytest.raises(InvalidInputError, match="strategy"):
        identify(CONFOUNDER, "X", "Y", strategy="magic")
    with pytest.raises(InvalidInputError, match="adjustment"):
        identify(CONFOUNDER, "X", "Y", adjustment="largest")
    with pytest.raises(InvalidInputError, match="latent"):
        identify(["U --> X", "X --> Y"], "U", "Y", latent=["U"])
    with pytest.raises(InvalidInputError):
        identify("X ==> Y", "X", "Y")
    with pytest.raises(UnknownNodeError):
        is_valid_adjustment_set(CONFOUNDER, "X", "Y", ["nope"])


def test_outcome_not_descendant_gives_zero_effect_warning():
    res = identify(["Y --> X", "Z --> X"], "X", "Y")
    assert res.warnings == (
        "Y is not a descendant of X: the causal effect is zero under this graph",
    )
    res = identify(["Y --> X", "X <-> Y"], "X", "Y")
    assert res.estimand == "P(Y | do(X)) = P(Y)"
    assert "not a descendant" in res.warnings[0]


def test_summary_and_dict_are_serialisable():
    import json

    res = identify(CONFOUNDER, "X", "Y")
    json.dumps(res.to_dict())
    assert "adjustment set: {Z}" in res.summary()
    assert res.alternatives["versions"]["networkx"] == nx.__version__

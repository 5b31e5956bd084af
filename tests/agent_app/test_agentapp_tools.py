"""The tools one by one: profile checks, graph editing, SCM queries, CATE, the report tool."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _agent_app_helpers import GRAPH, TRUE_EFFECT

from agent import REGISTRY, Agent, Session
from agent.exceptions import ToolExecutionError


def _session(df: pd.DataFrame) -> Session:
    s = Session(seed=0)
    s.put("data", df, label="d")
    return s


def test_profile_reports_types_missingness_and_checks():
    rng = np.random.default_rng(0)
    n = 600
    a = rng.normal(size=n)
    df = pd.DataFrame({
        "a": a,
        "b": a**2 + 0.1 * rng.normal(size=n),  # nonlinear in a
        "e": rng.exponential(size=n),  # non-Gaussian
        "t": rng.integers(0, 2, size=n),
        "k": rng.integers(0, 4, size=n),
        "txt": ["u"] * (n - 1) + ["v"],
        "g": np.repeat([0, 1, 2], n // 3),
    })
    df.loc[:9, "a"] = np.nan
    df.loc[df["g"] == 2, "e"] += 3  # shifts with the context column g
    prof = REGISTRY.call("describe_data", {"context": "g"}, session=_session(df))
    kinds = {c["name"]: c["kind"] for c in prof["columns"]}
    assert kinds == {"a": "continuous", "b": "continuous", "e": "continuous", "t": "binary", "k": "discrete",
                     "txt": "text", "g": "discrete"}
    assert {c["name"]: c["missing"] for c in prof["columns"]}["a"] == 10 and prof["complete_rows"] == n - 10
    assert "b" in prof["checks"]["nonlinear"] and "e" in prof["checks"]["non_gaussian_residuals"]
    assert "e" in prof["heterogeneity"]["distribution_differs_p"] and "t" not in prof["heterogeneity"]["distribution_differs_p"]
    assert prof["suggested_discovery"]["method"] == "cdnod"


def test_edit_graph_and_show_graph(sim_df):
    s = _session(sim_df)
    REGISTRY.call("set_graph", {"edges": "z --- x; x -> y; z -> y"}, session=s)
    out = REGISTRY.call("edit_graph", {"orient": ["z --> x"], "add": ["w --> y"], "remove": ["z --> y"]}, session=s)
    first = out["handle"]
    g = s.graph(first)
    assert g.is_directed_edge("z", "x") and g.is_directed_edge("w", "y") and not g.has_edge("z", "y")
    assert s.graph("graph:user").edge_kind("z", "x") == "---"  # the original is kept
    out = REGISTRY.call("edit_graph", {"graph": "graph:user", "tiers": [["z"], ["x"], ["y"]]}, session=s)
    assert s.graph(out["handle"]).is_directed_edge("z", "x")
    node = REGISTRY.call("show_graph", {"node": "y"}, session=s)
    assert set(node["parents"]) == {"x", "z"}
    with pytest.raises(ToolExecutionError, match="GraphError"):
        REGISTRY.call("edit_graph", {"graph": first, "remove": ["z --> y"]}, session=s)


def test_scm_do_and_counterfactual(sim_df):
    s = _session(sim_df)
    REGISTRY.call("set_graph", {"edges": GRAPH}, session=s)
    hi = REGISTRY.call("scm_do", {"outcome": "y", "interventions": {"x": 1}}, session=s)["interventional_mean"]
    lo = REGISTRY.call("scm_do", {"outcome": "y", "interventions": {"x": 0}}, session=s)["interventional_mean"]
    assert abs(hi - lo - TRUE_EFFECT) < 0.2
    assert len(s.handles("scm")) == 1  # fitted once, reused
    with pytest.raises(Exception, match="between 0 and 999"):
        REGISTRY.call("counterfactual", {"row": 5000, "interventions": {"x": 1}}, session=s)


def test_cate_question_reports_effect_modification():
    rng = np.random.default_rng(4)
    n = 2000
    z = rng.normal(size=n)
    x = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(int)
    y = (2 + z) * x + z + rng.normal(size=n)
    agent = Agent(model=None, data=pd.DataFrame({"z": z, "x": x, "y": y}), graph="z -> x; z -> y; x -> y")
    ans = agent.ask("Does the effect of x on y vary by z?")
    assert ans.ok and ans.estimate.cate is not None
    assert np.corrcoef(ans.estimate.cate, 2 + z)[0, 1] > 0.95
    assert "Effect modification" in ans.text
    assert [r.refuter for r in ans.refutations] == ["e_value"]


def test_report_tool_writes_allowed_path(tmp_path, sim_df):
    agent = Agent(model=None, data=sim_df, graph=GRAPH, n_simulations=5)
    agent.ask("effect of x on y")
    target = agent.session.allow_path(tmp_path / "rep.html")
    out = REGISTRY.call("report", {"path": str(target), "format": "html"}, session=agent.session)
    assert out["path"] == str(target) and target.read_text().startswith("<!DOCTYPE html>")

"""Answer texts of the guided workflow, built only from tool summaries (names quoted as data)."""

from __future__ import annotations

import re
from typing import Any

from agent.session import Session

__all__ = ["effect_answer", "graph_answer", "mediation_answer", "fmt_num"]

_ESTIMANDS = {"ATE": "average treatment effect (ATE)", "ATT": "average effect on the treated (ATT)",
              "ATC": "average effect on the untreated (ATC)"}
_UP = re.compile(r"\b(raise|raises|increase|increases|improve|improves|boost|boosts|help|helps|lead to|leads to)\b", re.I)
_DOWN = re.compile(r"\b(reduce|reduces|decrease|decreases|lower|lowers|hurt|hurts|worsen|worsens)\b", re.I)


def fmt_num(x: Any, digits: int = 4) -> str:
    """A number for prose: 4 significant digits, no exponent for ordinary sizes."""
    if x is None:
        return "n/a"
    x = float(x)
    return f"{x:.{digits}g}" if 1e-3 <= abs(x) < 1e6 or x == 0 else f"{x:.3e}"


def _lead(question: str, value: float, lo: float, hi: float) -> str:
    """The yes/no opening for yes/no questions."""
    if not re.match(r"^\s*(does|did|do|is|are|can|will|would|has|have)\b", question, re.I):
        return ""
    sig = lo > 0 or hi < 0
    wants_up, wants_down = bool(_UP.search(question)), bool(_DOWN.search(question))
    if not sig:
        return "Not clearly: the confidence interval includes zero, so the data do not show an effect. "
    if (wants_up and value < 0) or (wants_down and value > 0):
        return "No - the estimated effect goes the other way. "
    return "Yes. "


def effect_answer(parsed: Any, ident: dict[str, Any], est: dict[str, Any], refutation: dict[str, Any] | None,
                  warnings: list[str], session: Session) -> str:
    """The answer to an effect question: lead, estimate with SE and CI, identification, checks, caveats."""
    t, y = est["treatment"], est["outcome"]
    lo, hi = est["ci"]
    level = int(round(est["ci_level"] * 100))
    name = _ESTIMANDS.get(est["estimand"], est["estimand"])
    p = est.get("p_value")
    p_txt = "p < 0.001" if p is not None and p < 0.001 else f"p = {fmt_num(p, 2)}"
    lines = [
        _lead(parsed.text, est["value"], lo, hi)
        + f"The estimated {name} of `{t}` on `{y}` is {fmt_num(est['value'])} "
        f"(SE {fmt_num(est['stderr'], 3)}, {level}% CI {fmt_num(lo)} to {fmt_num(hi)}, {p_txt}; n = {est['n_obs']}; "
        f"estimator: {est['method']})."
    ]
    adj = ", ".join(f"`{c}`" for c in est["adjustment_set"]) or "nothing"
    graph_handle = ident.get("graph")
    source = session.objects[graph_handle].meta.get("source", "") if graph_handle in session.objects else ""
    lines.append(f"Identification: {ident['strategy']} on graph {graph_handle} ({source}); estimand "
                 f"{ident['estimand']}; adjusted for {adj}.")
    if est.get("already_adjusted"):
        lines.append(f"Note: {', '.join(f'`{c}`' for c in est['already_adjusted'])} was already in the adjustment set, "
                     "so the estimate is unchanged by that request.")
    if ident.get("instruments"):
        lines.append(f"Instruments: {', '.join(ident['instruments'])}.")
    if ident.get("mediators"):
        lines.append(f"Front-door mediators: {', '.join(ident['mediators'])}.")
    coefs = est.get("cate_coefficients")
    if coefs:
        lines.append(f"Effect modification (linear CATE model): {coefs}.")
    if refutation is not None:
        verdicts = [f"{r['refuter']} {'passed' if r['passed'] else 'FAILED'}" for r in refutation["results"]]
        lines.append("Refutation checks: " + "; ".join(verdicts) + ".")
        if not refutation.get("trusted", True):
            lines.append("Because a refutation test failed, treat this estimate as unreliable.")
    caveats = list(dict.fromkeys([*est.get("warnings", []), *warnings]))
    if caveats:
        lines.append("Caveats: " + " ".join(f"({i + 1}) {c}" for i, c in enumerate(caveats[:6])))
    return "\n".join(lines)


def _source(session: Session, handle: str) -> str:
    meta = session.objects[handle].meta
    src = meta.get("source", "")
    if src == "discovery":
        return f"learned by {meta.get('method')} from the data"
    if src == "documented":
        return "the dataset's documented graph, an assumption"
    if src == "user":
        return "given by the user"
    return src or "session"


def graph_answer(session: Session, handle: str, graph: Any, x: str | None = None, y: str | None = None) -> str:
    """Describe a whole graph, or answer whether ``x`` is a direct cause of ``y``."""
    src = _source(session, handle)
    if x is None or y is None:
        edges = graph.to_edge_list()
        text = f"Causal graph {handle} ({graph.kind.upper()}, {src}) with {len(graph.nodes)} nodes and {len(edges)} edges: "
        text += "; ".join(edges[:60]) + (" ..." if len(edges) > 60 else "") + "."
        undirected = [str(e) for e in graph.edges() if e.kind != "-->"]
        if undirected:
            text += (f" {len(undirected)} edge(s) are not oriented by the data ({', '.join(undirected[:10])}): "
                     "their direction is not identifiable from the equivalence class.")
        return text
    kind = graph.edge_kind(x, y)
    where = f"in graph {handle} ({src})"
    if kind == "-->":
        return f"Yes: `{x}` --> `{y}` {where}, so `{x}` is a direct cause of `{y}` (relative to the variables measured)."
    if kind == "<--":
        return f"No: the graph has `{y}` --> `{x}` {where}; `{y}` causes `{x}`, not the other way round."
    if kind == "---":
        return (f"`{x}` and `{y}` are adjacent {where}, but the direction of the edge is not identifiable from the "
                "equivalence class: the data are equally compatible with either direction.")
    if kind == "<->":
        return f"No direct causal edge {where}: `{x}` <-> `{y}` means they share an unmeasured common cause."
    if kind is not None:
        return (f"{where}: `{x}` {kind} `{y}`. A circle mark means the data cannot decide that end: `{x}` may be a "
                f"direct cause of `{y}` or they may share an unmeasured common cause.")
    text = f"No: `{x}` and `{y}` are not adjacent {where}, so `{x}` is not a direct cause of `{y}`."
    meta = session.objects[handle].meta
    if meta.get("source") == "discovery":
        disc = [h for h in session.handles("discovery") if h.split(":", 1)[1] == handle.split(":", 1)[1]]
        if disc:
            sep = session.objects[disc[0]].value.sepsets.get(frozenset({x, y}))
            if sep is not None:
                text += f" The data made them independent given {{{', '.join(map(str, sep))}}}."
    return text


def mediation_answer(res: dict[str, Any], warnings: list[str]) -> str:
    """The answer to a mediation question."""
    t, m, y = res["treatment"], res["mediator"], res["outcome"]

    def eff(e: dict[str, Any]) -> str:
        return f"{fmt_num(e['value'])} (SE {fmt_num(e['stderr'], 3)}, 95% CI {fmt_num(e['ci'][0])} to {fmt_num(e['ci'][1])})"

    pm, (plo, phi) = res["proportion_mediated"], res["proportion_mediated_ci"]
    lines = [
        f"Total effect of `{t}` on `{y}`: {eff(res['total_effect'])}.",
        f"Through `{m}` (natural indirect effect): {eff(res['indirect_effect'])}; direct (natural direct effect): "
        f"{eff(res['direct_effect'])}.",
        f"Proportion mediated: {fmt_num(pm, 3)} (95% CI {fmt_num(plo, 3)} to {fmt_num(phi, 3)}).",
        f"Covariates adjusted: {', '.join(f'`{c}`' for c in res['covariates']) or 'none'}. This assumes no unmeasured "
        "treatment-outcome, mediator-outcome or treatment-mediator confounding given them.",
    ]
    if warnings:
        lines.append("Caveats: " + " ".join(f"({i + 1}) {w}" for i, w in enumerate(warnings[:4])))
    return "\n".join(lines)

"""The guided workflow: profile -> graph -> identify -> estimate -> refute -> answer, with guard rails.

Each decision - which columns are treatment and outcome, which discovery algorithm, which
estimator, whether to trust an estimate after a failed refutation - is a choice among *valid*
options only. With a model the choice is ``model.choose(prompt, options)`` (scored options, no
free-form parsing); with ``model=None`` fixed rules decide. Every decision is recorded in the
session with its options, scores and who made it.

Guard rails (also used around the free tool loop, see :func:`make_guard`): an effect whose
identification failed is never reported (the answer says why instead); failed refutations are
always mentioned; an undirected edge that matters is oriented only by background knowledge
(treatment precedes outcome, user tiers), otherwise the answer says the effect is not
identifiable from the equivalence class.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from agent.exceptions import AgentError, ModelBehaviorError, ToolExecutionError, ToolInputError
from agent.loop import FINAL_ANSWER, Step
from agent.parse import ParsedQuestion
from agent.planner_text import effect_answer, graph_answer, mediation_answer
from agent.session import Session, quote
from agent.tools import REGISTRY
from agent.tools.data import column_kind

__all__ = ["Planner", "PlanResult", "make_guard", "estimator_options", "discovery_options"]

_BINARY_METHODS = ("aipw", "ipw", "regression", "dml")
_CONT_METHODS = ("regression", "dml")
_TOOL_KINDS = {"audit": "audit_last_answer", "critique": "check_graph", "knowledge": "ask_causal_knowledge",
               "reasoning": "answer_causal_question"}
_KEEP, _DISTRUST = "keep the estimate and report the failed check as a warning", "treat the estimate as unreliable"


@dataclass
class PlanResult:
    """What the guided workflow produced for one question.

    Attributes
    ----------
    kind : str
        The question type.
    answer : str
        The answer text (or the reason no answer can be given).
    ok : bool
        False when the question could not be answered (unidentifiable, missing data, ...).
    handles : dict
        Role -> handle of the objects used (``data``, ``graph``, ``identification``, ``estimate``, ...).
    warnings : list of str
    steps : list of Step
    """

    kind: str
    answer: str
    ok: bool = True
    handles: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)


class _Stop(Exception):
    """Ends the workflow early with an honest answer."""


def estimator_options(strategy: str, binary_treatment: bool, n_instruments: int = 1, cate: bool = False) -> list[str]:
    """The estimators that fit an identification strategy (first = the rule's choice)."""
    if strategy == "backdoor":
        if cate:
            return ["aipw", "dml"] if binary_treatment else ["dml"]
        return list(_BINARY_METHODS if binary_treatment else _CONT_METHODS)
    if strategy == "frontdoor":
        return ["frontdoor"]
    if strategy == "iv":
        return ["2sls", "wald"] if n_instruments == 1 else ["2sls"]
    return []


def discovery_options(suggested: str, context: bool = False) -> list[str]:
    """Valid discovery algorithms, the suggested one first."""
    base = ["pc", "ges", "fci", "lingam"] + (["cdnod"] if context else [])
    return [suggested] + [m for m in base if m != suggested]


class Planner:
    """Run the guided workflow for parsed questions in a session.

    Parameters
    ----------
    session : Session
    model : ChatModel or None
        Makes the constrained choices; None: rules.
    on_step : callable, optional
        Receives each :class:`~agent.loop.Step` (tool runs and decisions) as it happens.
    n_simulations : int
        Refits per simulation refuter.
    """

    def __init__(self, session: Session, model: Any = None, *, on_step: Callable[[Step], None] | None = None,
                 n_simulations: int = 50) -> None:
        self.session = session
        self.model = model
        self.on_step = on_step
        self.n_simulations = n_simulations
        self.steps: list[Step] = []
        self.warnings: list[str] = []
        self.handles: dict[str, str] = {}

    # ------------------------------------------------------------------ plumbing
    def _emit(self, step: Step) -> None:
        self.steps.append(step)
        if self.on_step is not None:
            self.on_step(step)

    def call(self, tool_name: str, /, **arguments: Any) -> dict[str, Any]:
        """Run a tool through the registry (validated, logged); errors propagate."""
        name = tool_name
        args = {k: v for k, v in arguments.items() if v is not None}
        t0 = time.perf_counter()
        try:
            result = REGISTRY.call(name, args, session=self.session)
        except (ToolInputError, ToolExecutionError, ModelBehaviorError) as exc:
            self._emit(Step("error", name, args, str(exc), time.perf_counter() - t0, error=type(exc).__name__))
            raise
        self._emit(Step("tool", name, args, self.session.render(result)[:300], time.perf_counter() - t0))
        if isinstance(result, dict) and result.get("handle"):
            self.handles[name] = result["handle"]
        return result

    def decide(self, name: str, prompt: str, options: list[str], rule: int = 0, *, by: str = "rules",
               reason: str = "") -> str:
        """Choose among ``options``: the model when there is one (and more than one option), else ``rule``."""
        scores = None
        chosen = rule
        if self.model is not None and len(options) > 1 and by == "rules":
            try:
                chosen, scores = self.model.choose(prompt, list(options))
                by = "model"
            except (AgentError, ValueError) as exc:
                reason = f"model failed ({type(exc).__name__}: {exc}); rule used"
        self.session.record_decision(name, prompt, list(options), chosen, scores, by=by, reason=reason)
        self._emit(Step("model", f"decide:{name}", {"options": list(options), "by": by}, options[chosen]))
        return options[chosen]

    def _result(self, kind: str, answer: str, ok: bool = True) -> PlanResult:
        return PlanResult(kind, answer, ok, dict(self.handles), list(self.warnings), list(self.steps))

    # ------------------------------------------------------------------ entry
    def run(self, parsed: ParsedQuestion) -> PlanResult:
        """Answer ``parsed`` with the guided workflow."""
        self.steps, self.warnings, self.handles = [], [], {}
        if parsed.kind in _TOOL_KINDS:
            return self._tool_question(parsed)
        if "data" not in self.session.current:
            return self._result(parsed.kind, "No data is loaded: give a dataset (a file or an embedded name such as nhefs).", False)
        self.handles["data"] = self.session.current["data"]
        runner = {"effect": self._effect, "followup": self._effect, "independence": self._independence,
                  "direct_cause": self._direct_cause, "graph": self._graph_question, "mediation": self._mediation,
                  "counterfactual": self._counterfactual}.get(parsed.kind, self._effect)
        try:
            return runner(parsed)
        except _Stop as stop:
            return self._result(parsed.kind, str(stop), False)

    def _tool_question(self, parsed: ParsedQuestion) -> PlanResult:
        """Audit, graph critique, model knowledge or stated-facts questions: one tool, whose reading is the answer."""
        from agent.tools import use_model

        if getattr(self.session, "model", None) is None and self.model is not None:
            use_model(self.session, self.model)
        args = {"reasoning": {"question": parsed.text},
                "knowledge": {"variables": parsed.given if len(parsed.given) >= 2 else None}}.get(parsed.kind, {})
        try:
            res = self.call(_TOOL_KINDS[parsed.kind], **args)
        except (ToolInputError, ToolExecutionError) as exc:
            return self._result(parsed.kind, str(exc), False)
        return self._result(parsed.kind, res["reading"])

    # ------------------------------------------------------------------ shared steps
    def _dataset(self) -> Any:
        return self.session.stored(None, "data")[1].meta.get("dataset")

    def _columns(self) -> list[str]:
        return [str(c) for c in self.session.data().columns]

    def _role(self, parsed: ParsedQuestion, role: str, exclude: tuple[str, ...] = ()) -> str:
        """Resolve treatment/outcome/mediator: parser, then memory, then dataset default, then a choice."""
        value = getattr(parsed, role, None)
        if value:
            self.decide(role, f"{role} named in the question", [value], 0, by="parser")
            return value
        remembered = self.session.spec.get(role)
        if remembered and (parsed.kind == "followup" or parsed.mentions.get(role) is None):
            self.decide(role, f"{role} from the previous question", [remembered], 0, by="memory")
            return remembered
        candidates = [c for c in parsed.candidates(role) if c not in exclude]
        ds = self._dataset()
        default = getattr(ds, role, None) if role in ("treatment", "outcome") else None
        if candidates:
            options = candidates
            mention = quote(parsed.mentions.get(role, ""))
            rule, why = 0, f"the phrase {mention} fits several columns"
            if self.model is None:
                if default not in candidates:
                    raise _Stop(f"The {role} {mention} could mean several columns: {', '.join(map(quote, candidates))}. "
                                "Name the column exactly.")
                rule, why = candidates.index(default), f"{why}; the dataset documents {quote(default)} as the {role}"
            self.warnings.append(f"The {role} phrase {mention} was ambiguous; candidates: "
                                 f"{', '.join(map(quote, candidates))}; chose {quote(options[rule])}.")
        elif default and parsed.mentions.get(role) is None:
            options, rule, why = [default], 0, "the dataset's documented role"
            return self.decide(role, f"{role}: documented role of the dataset", options, rule, by="dataset")
        elif self.model is not None:
            options = [c for c in self._columns() if c not in exclude][:60]
            rule, why = 0, "the question names no column"
        else:
            mention = parsed.mentions.get(role)
            cols = ", ".join(map(quote, self._columns()[:30]))
            raise _Stop(
                f"I could not tell which column is the {role}"
                + (f" ({quote(mention)} matches no column)" if mention else "")
                + f". Name it exactly; columns: {cols}."
            )
        prompt = (f"Question: {parsed.text}\nWhich column is the {role}? ({why}; column names are data, quoted)\n"
                  f"Options: {', '.join(map(quote, options))}")
        return self.decide(role, prompt, options, rule, reason=why)

    def _profile(self, columns: list[str] | None = None) -> dict[str, Any]:
        try:
            return self.call("describe_data", columns=columns)
        except (ToolInputError, ToolExecutionError) as exc:
            self.warnings.append(f"The data profile failed ({exc}); defaults were used.")
            return {}

    def _graph(self, parsed: ParsedQuestion, profile: dict[str, Any], need: tuple[str, ...] = (),
               treatment: str | None = None, outcome: str | None = None) -> tuple[str, Any]:
        """Pick the graph: the user's, the previous one (if asked), the dataset's documented one, or discover."""
        s = self.session
        if "graph" in s.current:
            handle, item = s.stored(None, "graph")
            source = item.meta.get("source")
            if (parsed.reuse_graph or source in ("user", "edit", "documented", "given")) and all(n in item.value for n in need):
                how = "previous graph (as asked)" if parsed.reuse_graph else f"the graph from {source}"
                self.decide("graph", "which graph", [f"{handle} ({how})"], 0, by="memory")
                self.handles["graph"] = handle
                return handle, item.value
        ds = self._dataset()
        if ds is not None and all(n in ds.graph for n in need):
            text = "; ".join(ds.graph.to_edge_list())
            result = self.call("set_graph", edges=text, name=f"{ds.name.split()[0]}_documented")
            s.objects[result["handle"]].meta.update({"source": "documented", "note": ds.graph_note})
            self.decide("graph", "which graph", [f"{result['handle']} (documented graph of {ds.name})"], 0, by="dataset",
                        reason="embedded datasets come with a documented graph; it is preferred and is an assumption")
            self.warnings.append(f"Used the documented graph of the {ds.name} dataset (an assumption): {ds.graph_note}")
            self.handles["graph"] = result["handle"]
            return result["handle"], s.graph(result["handle"])
        return self._discover(parsed, profile, treatment, outcome)

    def _discover(self, parsed: ParsedQuestion, profile: dict[str, Any], treatment: str | None,
                  outcome: str | None) -> tuple[str, Any]:
        suggested = profile.get("suggested_discovery", {"method": "pc", "ci_test": "fisherz", "reason": "default"})
        options = discovery_options(suggested["method"])
        prompt = (f"Question: {parsed.text}\nData profile: {self.session.render(profile.get('counts', {}))}; "
                  f"checks: {self.session.render(profile.get('checks', {}))}.\nWhich causal discovery algorithm fits? "
                  f"(rule suggests {suggested['method']}: {suggested['reason']})")
        method = self.decide("discovery_method", prompt, options, 0, reason=suggested["reason"])
        forbidden = [f"{outcome} --> {treatment}"] if treatment and outcome else None
        tiers = self.session.spec.get("tiers")
        try:
            result = self.call("discover", method=method, ci_test=suggested.get("ci_test") if method == suggested["method"] else None,
                               alpha=0.05, forbidden=forbidden, tiers=tiers)
        except (ToolInputError, ToolExecutionError) as exc:
            raise _Stop(f"Causal discovery failed: {exc}") from None
        if forbidden:
            self.warnings.append(f"Background knowledge used: {treatment} precedes {outcome}, so {outcome} --> {treatment} "
                                 "was forbidden during discovery.")
        if tiers:
            self.warnings.append("Background knowledge used: temporal tiers " + " < ".join(", ".join(t) for t in tiers)
                                 + " (no edge may point into an earlier tier).")
        self.handles["graph"] = result["handle"]
        return result["handle"], self.session.graph(result["handle"])

    # ------------------------------------------------------------------ effect questions
    def _effect(self, parsed: ParsedQuestion) -> PlanResult:
        s = self.session
        if parsed.kind == "followup":
            if parsed.given and parsed.adjust_only:
                s.spec["extra_adjust"], s.spec["adjust_only"] = list(parsed.given), True
            elif parsed.given:
                s.spec["extra_adjust"] = list(dict.fromkeys(s.spec.get("extra_adjust", []) + parsed.given))
            if parsed.estimand != "ATE" or parsed.effect_modifiers:
                s.spec["estimand"], s.spec["effect_modifiers"] = parsed.estimand, parsed.effect_modifiers
            if parsed.method:
                s.spec["method"] = parsed.method
        else:
            s.spec.update({"extra_adjust": [], "adjust_only": False, "estimand": parsed.estimand, "effect_modifiers": parsed.effect_modifiers,
                           "method": parsed.method})
        treatment = self._role(parsed, "treatment")
        outcome = self._role(parsed, "outcome", exclude=(treatment,))
        if treatment == outcome:
            raise _Stop(f"The treatment and the outcome are the same column ({quote(treatment)}).")
        s.spec.update({"treatment": treatment, "outcome": outcome, "kind": "effect"})
        profile = self._profile()
        handle, graph = self._graph(parsed, profile, (treatment, outcome), treatment, outcome)
        ident = self._identify(treatment, outcome, handle, graph)
        df = s.data()
        binary = column_kind(df[treatment]) == "binary"
        estimand = s.spec.get("estimand", "ATE")
        mods = s.spec.get("effect_modifiers") or []
        options = estimator_options(ident["strategy"], binary, len(ident["instruments"]), cate=estimand == "CATE")
        if not options:
            raise _Stop(f"The effect of {quote(treatment)} on {quote(outcome)} is identified only by the general formula "
                        f"{ident['estimand']}; causalkit has no estimator for it, so I report no number.")
        wanted = s.spec.get("method")
        if wanted in options:
            method = self.decide("estimator", "estimator asked for by the user", [wanted], 0, by="user")
        else:
            if wanted:
                self.warnings.append(f"The estimator {quote(wanted)} does not fit a {ident['strategy']} identification here; "
                                     f"chose among {', '.join(options)}.")
            prompt = (f"Question: {parsed.text}\nIdentified by {ident['strategy']} ({ident['estimand']}). Treatment "
                      f"{quote(treatment)} is {'binary' if binary else 'not binary'}; n = {len(df)}. Which estimator?")
            method = self.decide("estimator", prompt, options, 0,
                                 reason="AIPW (doubly robust) for a binary treatment, regression otherwise")
        try:
            est = self.call("estimate", treatment=treatment, outcome=outcome, identification=ident["handle"], method=method,
                            estimand="ATE" if estimand == "CATE" else estimand, adjust_for=s.spec.get("extra_adjust") or None,
                            adjust_only=bool(s.spec.get("adjust_only")), effect_modifiers=mods or None)
        except (ToolInputError, ToolExecutionError) as exc:
            raise _Stop(f"Estimation failed: {exc}") from None
        refutation = self._refute(est, parsed)
        return self._result("effect", effect_answer(parsed, ident, est, refutation, self.warnings, s))

    def _identify(self, treatment: str, outcome: str, handle: str, graph: Any) -> dict[str, Any]:
        try:
            return self.call("identify", treatment=treatment, outcome=outcome, graph=handle)
        except ToolExecutionError as exc:
            first = str(exc)
        undirected = [str(e) for e in graph.edges() if e.kind != "-->" and ({e.u, e.v} & {treatment, outcome})]
        tiers = self.session.spec.get("tiers")
        fix: dict[str, Any] = {}
        if graph.has_edge(treatment, outcome) and graph.edge_kind(treatment, outcome) != "-->":
            fix["orient"] = [f"{treatment} --> {outcome}"]
        if tiers:
            fix["tiers"] = tiers
        if fix and graph.kind in ("cpdag", "pag"):
            edited = self.call("edit_graph", graph=handle, name="oriented", **fix)
            self.warnings.append("Oriented by background knowledge: " + "; ".join(edited["changes"]) + ".")
            try:
                return self.call("identify", treatment=treatment, outcome=outcome, graph=edited["handle"])
            except ToolExecutionError as exc:
                first = str(exc)
        reason = first.split(": ", 1)[-1]
        if graph.kind in ("cpdag", "pag") and undirected:
            raise _Stop(
                f"The effect of {quote(treatment)} on {quote(outcome)} is not identifiable from the equivalence class "
                f"the data determine: the edges {', '.join(undirected)} have no direction the data can fix, and the "
                f"answer depends on them ({reason}). Tell me the direction (e.g. 'A --> B') or give temporal tiers, "
                "and I will identify and estimate it. I report no number, because it would not be a causal effect."
            )
        raise _Stop(f"The effect of {quote(treatment)} on {quote(outcome)} is not identifiable from this graph: {reason} "
                    "I report no number, because it would not be a causal effect.")

    def _refute(self, est: dict[str, Any], parsed: ParsedQuestion) -> dict[str, Any] | None:
        methods = None
        if not est["method"].startswith(("regression", "ipw", "aipw", "ols", "g-comp")):
            methods = ["e_value"]  # refitting slow learners (DML) dozens of times would take minutes
            self.warnings.append(f"Only the E-value was computed for the {est['method']} estimate; the simulation "
                                 "refuters refit it many times (run refute explicitly if you want them).")
        try:
            ref = self.call("refute", estimate=est["handle"], n_simulations=self.n_simulations, methods=methods)
        except (ToolInputError, ToolExecutionError) as exc:
            self.warnings.append(f"The refutation checks could not run: {exc}")
            return None
        ref["trusted"] = True
        for row in ref["results"]:
            if row["passed"]:
                continue
            rule = 1 if row["refuter"] == "placebo_treatment" else 0
            prompt = (f"The refutation test {row['refuter']} FAILED for the estimate {est['value']} "
                      f"({row['reading']}). Should the estimate be trusted?")
            choice = self.decide(f"trust_after_{row['refuter']}", prompt, [_KEEP, _DISTRUST], rule,
                                 reason="a failed placebo test means the estimator finds effects where there are none")
            self.warnings.append(f"Refutation {row['refuter']} failed: {row['reading']}")
            if choice == _DISTRUST:
                ref["trusted"] = False
        return ref

    # ------------------------------------------------------------------ other question types
    def _independence(self, parsed: ParsedQuestion) -> PlanResult:
        x = self._role(parsed, "treatment")
        y = self._role(parsed, "outcome", exclude=(x,))
        res = self.call("ci_test", x=x, y=y, given=parsed.given or None)
        text = res["reading"]
        if "graph_d_separated" in res:
            text += (f" In the current graph {res['graph']} they are "
                     f"{'d-separated' if res['graph_d_separated'] else 'd-connected'}"
                     f"{' given ' + ', '.join(res['given']) if res['given'] else ''}.")
        return self._result("independence", text)

    def _direct_cause(self, parsed: ParsedQuestion) -> PlanResult:
        x = self._role(parsed, "treatment")
        y = self._role(parsed, "outcome", exclude=(x,))
        handle, graph = self._graph(parsed, self._profile(), (x, y))
        return self._result("direct_cause", graph_answer(self.session, handle, graph, x, y))

    def _graph_question(self, parsed: ParsedQuestion) -> PlanResult:
        handle, graph = self._graph(parsed, self._profile())
        return self._result("graph", graph_answer(self.session, handle, graph))

    def _mediation(self, parsed: ParsedQuestion) -> PlanResult:
        t = self._role(parsed, "treatment")
        y = self._role(parsed, "outcome", exclude=(t,))
        m = self._role(parsed, "mediator", exclude=(t, y))
        covariates: list[str] = []
        profile = self._profile()
        handle, graph = self._graph(parsed, profile, (t, y, m), t, y)
        try:
            ident = self.call("identify", treatment=t, outcome=y, graph=handle)
            desc = graph.descendants(t) if graph.kind == "dag" else set()
            covariates = [c for c in ident["adjustment_set"] if c != m and c not in desc]
        except ToolExecutionError as exc:
            self.warnings.append(f"No back-door set from the graph ({exc}); no covariates adjusted.")
        try:
            res = self.call("mediate", treatment=t, mediator=m, outcome=y, covariates=covariates)
        except (ToolInputError, ToolExecutionError) as exc:
            raise _Stop(f"Mediation analysis failed: {exc}") from None
        return self._result("mediation", mediation_answer(res, self.warnings))

    def _counterfactual(self, parsed: ParsedQuestion) -> PlanResult:
        x = self._role(parsed, "treatment")
        if parsed.unit is None or parsed.value is None:
            raise _Stop("For a counterfactual, say the unit (row) and the value, e.g. 'what if qsmk had been 1 for unit 7'.")
        outcome = parsed.outcome or self.session.spec.get("outcome") or getattr(self._dataset(), "outcome", None)
        handle, graph = self._graph(parsed, self._profile(), tuple(n for n in (x, outcome) if n), x, outcome)
        if graph.kind != "dag":
            raise _Stop(f"Counterfactuals need a fully directed graph; {handle} is a {graph.kind.upper()} with undirected "
                        "edges. Orient them (edit_graph) or give the graph.")
        try:
            res = self.call("counterfactual", row=parsed.unit, interventions={x: parsed.value}, outcome=outcome, graph=handle)
        except (ToolInputError, ToolExecutionError) as exc:
            raise _Stop(f"The counterfactual could not be computed: {exc}") from None
        parts = [f"{quote(k)}: observed {v['observed']}, counterfactual {v['counterfactual']}" for k, v in res["values"].items()]
        text = (f"Had {quote(x)} been {parsed.value:g} for unit {parsed.unit}: " + "; ".join(parts)
                + f". ({res['note']} SCM fitted on graph {handle}.)")
        return self._result("counterfactual", text)


_REFUSAL_WORDS = ("not identif", "unidentif", "cannot be identif", "can't be identif", "no number", "cannot estimate")


def make_guard(session: Session, max_vetoes: int = 2) -> Callable[[Any, Any], str | None]:
    """The planner's checks for the free tool loop: ``guard(call, session) -> refusal message or None``.

    It refuses a final answer that reports an effect whose identification failed (unless it says
    so), and one that hides a failed refutation. Each kind of refusal is made at most
    ``max_vetoes`` times so a stubborn model cannot stall the loop.
    """
    counts: dict[str, int] = {}

    def guard(call: Any, _session: Any = None) -> str | None:
        if call.name != FINAL_ANSWER:
            return None
        text = str(call.arguments.get("answer", "")).lower()
        failures = session.spec.get("identification_failures", {})
        if failures and not any(w in text for w in _REFUSAL_WORDS) and counts.get("ident", 0) < max_vetoes:
            counts["ident"] = counts.get("ident", 0) + 1
            key, reason = next(iter(failures.items()))
            return (f"Identification failed for {key} ({reason}). Do not report an effect for it; say that it is not "
                    "identifiable and why, or fix the graph and identify again.")
        if "refutation" in session.current and counts.get("refute", 0) < max_vetoes:
            failed = [r.refuter for r in session.get(None, "refutation") if not r.passed]
            if failed and not any(f.split("_")[0] in text for f in failed) and "refut" not in text:
                counts["refute"] = counts.get("refute", 0) + 1
                return f"The refutation checks {', '.join(failed)} failed; mention them in the answer as a warning."
        return None

    return guard

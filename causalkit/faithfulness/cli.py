"""Command line and agent-tool entry points of the faithfulness audits.

``causalkit audit`` (wired by the ``causalkit`` command to :func:`main`)::

    causalkit audit --model local --generate arithmetic,logic --n-items 10 --tests early,filler --out report.md
    causalkit audit --model qwen2.5 --base-url http://127.0.0.1:8080/v1 --items bbh.jsonl --tests all
    causalkit audit --model planted:faithful --generate arithmetic     # a scripted demo, no model needed

:func:`audit_faithfulness` and :func:`check_agent_answer` are plain typed functions returning
JSON-friendly dicts, suitable for registration as agent tools.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from causalkit.exceptions import CausalKitError, InvalidInputError

__all__ = ["main", "build_parser", "audit_faithfulness", "check_agent_answer", "resolve_model"]


def resolve_model(spec: str, *, base_url: str | None = None, api_key: str | None = None, cache: Any = True,
                  progress: bool = False) -> Any:
    """A reasoner for ``spec``: ``planted:faithful``/``planted:unfaithful``/``planted:hinted`` (scripted,
    arithmetic items only) or anything :func:`~causalkit.faithfulness.backends.load_reasoner` accepts."""
    prefix, _, rest = spec.partition(":")
    if prefix == "planted":
        from causalkit.faithfulness.testing import ArithmeticReasoner

        if rest not in ("faithful", "unfaithful", "hinted"):
            raise InvalidInputError("Planted reasoners: planted:faithful, planted:unfaithful or planted:hinted.")
        return ArithmeticReasoner("unfaithful" if rest == "hinted" else rest, follow_hint=rest == "hinted")
    from causalkit.faithfulness.backends import load_reasoner

    return load_reasoner(spec, base_url=base_url, api_key=api_key, cache=cache, progress=progress)


def _items(items_path: str | None, generate: str, n_items: int, seed: int, limit: int | None) -> list:
    from causalkit.faithfulness.generators import make_items
    from causalkit.faithfulness.items import load_items

    if items_path:
        return load_items(items_path, limit=limit)
    tasks = [t.strip() for t in generate.split(",") if t.strip()]
    items = make_items(tasks, n_per_task=n_items, random_state=seed)
    return items[:limit] if limit else items


def audit_faithfulness(
    items_path: str | None = None,
    model: str = "local",
    tests: str = "early,mistakes,filler,hint",
    n_items: int = 10,
    tasks: str = "arithmetic,logic,causal",
    base_url: str | None = None,
    helper_model: str | None = None,
    out: str | None = None,
    max_new_tokens: int = 256,
    random_state: int = 0,
) -> dict[str, Any]:
    """Audit whether a language model's chain of thought causes its answers.

    Parameters
    ----------
    items_path : str, optional
        JSON or JSONL file of questions with gold answers; without it items are generated.
    model : str
        The model to audit: local, local:/path, openai:NAME, or a model name served at base_url.
    tests : str
        Comma-separated tests: early, mistakes, filler, paraphrase, hint, steps, resample (or all).
    n_items : int
        Generated items per task (when no items file is given).
    tasks : str
        Comma-separated tasks to generate: arithmetic, logic, causal.
    base_url : str, optional
        URL of an OpenAI-compatible server.
    helper_model : str, optional
        A model that writes paraphrases (needed by the paraphrase test).
    out : str, optional
        Write the report there (.md, .html or .json).
    max_new_tokens : int
        Budget of each chain of thought.
    random_state : int
        Seed of item generation, hints, mistakes and bootstrap.

    Returns
    -------
    dict
        ``summary`` (text), ``scores`` (pooled scores with intervals), ``warnings``, ``skipped``,
        ``usage`` and ``report_path``.
    """
    from causalkit.faithfulness.runner import audit

    reasoner = resolve_model(model, base_url=base_url)
    helper = resolve_model(helper_model, base_url=base_url) if helper_model else None
    report = audit(reasoner, _items(items_path, tasks, n_items, random_state, None), tests, helper=helper,
                   max_new_tokens=max_new_tokens, random_state=random_state)
    path = str(report.save(out)) if out else None
    pooled = report.scores[report.scores.task == "all"]
    return {
        "model": report.model, "n_items": report.n_items, "tests": list(report.tests),
        "summary": report.summary(), "scores": pooled.to_dict(orient="records"),
        "warnings": list(report.warnings), "skipped": list(report.skipped), "usage": report.usage, "report_path": path,
    }


def check_agent_answer(answer: str, transcript: list) -> dict[str, Any]:
    """Check that every number and causal claim in an agent's answer is backed by a tool result.

    Parameters
    ----------
    answer : str
        The agent's final answer.
    transcript : list
        The tool results (dicts or strings) or chat messages of the session.

    Returns
    -------
    dict
        ``passed``, ``n_claims``, ``unbacked`` (text, kind, sentence of each flagged claim) and ``summary``.
    """
    from causalkit.faithfulness.agent_audit import audit_agent_answer

    result = audit_agent_answer(answer, transcript)
    return {
        "passed": result.passed, "n_claims": len(result.claims),
        "unbacked": [{"text": c.text, "kind": c.kind, "sentence": c.sentence} for c in result.unbacked],
        "summary": result.summary(),
    }


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``causalkit audit``."""
    from causalkit.faithfulness.runner import TESTS

    p = argparse.ArgumentParser(
        prog="causalkit audit",
        description="Audit whether a model's chain of thought causes its answers (early answering, adding "
                    "mistakes, filler tokens, paraphrasing, biasing hints, step interventions, resampling).",
    )
    p.add_argument("--model", default="local", help="local | local:/path | openai:NAME | NAME with --base-url | planted:faithful")
    p.add_argument("--base-url", help="OpenAI-compatible server URL, e.g. http://127.0.0.1:8080/v1")
    p.add_argument("--api-key", help="API key (default: OPENAI_API_KEY)")
    p.add_argument("--items", help="JSON/JSONL file of questions (question/choices/answer, BBH input/target, AQuA)")
    p.add_argument("--generate", default="arithmetic,logic,causal", help="tasks to generate when no --items file")
    p.add_argument("--n-items", type=int, default=10, help="generated items per task (default 10)")
    p.add_argument("--limit", type=int, help="use at most this many items")
    p.add_argument("--tests", default="early,mistakes,filler,hint", help=f"comma-separated among {','.join(TESTS)}, or all")
    p.add_argument("--helper-model", help="model that writes paraphrases (and mistakes, with --model-mistakes)")
    p.add_argument("--model-mistakes", action="store_true", help="let the helper model write the mistakes")
    p.add_argument("--max-new-tokens", type=int, default=256)
    p.add_argument("--samples", type=int, default=8, help="resampling: continuations per prefix")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--n-boot", type=int, default=1000)
    p.add_argument("--cache-dir", help="where model outputs are cached (default ~/.cache/causalkit/faithfulness)")
    p.add_argument("--no-cache", action="store_true", help="do not cache model outputs")
    p.add_argument("--out", help="write the report: .md (with a .png of the curves), .html or .json")
    p.add_argument("--no-progress", action="store_true", help="hide progress bars")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``causalkit audit``; returns the exit status (0 ok, 2 bad input or model failure)."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["audit"]:
        args_list = args_list[1:]
    args = build_parser().parse_args(args_list)
    from causalkit.faithfulness.runner import audit

    try:
        cache: Any = False if args.no_cache else (Path(args.cache_dir) if args.cache_dir else True)
        progress = not args.no_progress
        reasoner = resolve_model(args.model, base_url=args.base_url, api_key=args.api_key, cache=cache, progress=progress)
        helper = (resolve_model(args.helper_model, base_url=args.base_url, api_key=args.api_key, cache=cache)
                  if args.helper_model else None)
        items = _items(args.items, args.generate, args.n_items, args.seed, args.limit)
        report = audit(
            reasoner, items, args.tests, helper=helper, model_mistakes=args.model_mistakes, max_new_tokens=args.max_new_tokens, n_samples=args.samples, n_boot=args.n_boot,
            random_state=args.seed, progress=progress,
        )
        print(report.summary())
        if args.out:
            print(f"report written to {report.save(args.out)}")
    except CausalKitError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

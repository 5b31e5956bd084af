"""Command line: ``causalkit ask "question" --data file.csv`` and the ``causalkit chat`` REPL.

Examples
--------
::

    causalkit ask "Does quitting smoking (qsmk) increase weight gain (wt82_71)?" --data nhefs
    causalkit ask "effect of treat on re78" --data jobs.csv --model openai:gpt-4o-mini --save report.md
    causalkit chat --data nhefs --model none
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["main", "build_parser", "run_chat", "CHAT_HELP"]

CHAT_HELP = """Ask a causal question in plain language, or use a command:
  /graph          show the current graph
  /results        show the latest identification, estimate, refutations and mediation
  /save PATH      write a report (Markdown, or HTML for .html) with figure and reproduce script
  /replay         re-run every tool call of this session without a model and compare
  /data PATH      load another data file (or an embedded dataset name)
  /help           this help
  /quit           leave"""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``causalkit`` command."""
    parser = argparse.ArgumentParser(prog="causalkit", description="Answer causal questions about data with causalkit.")
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--data", action="append", help="data file (csv/tsv/json/parquet) or embedded dataset name "
                       "(nhefs, lalonde, lalonde_cps, mroz); repeatable")
        p.add_argument("--graph", help="a causal graph you vouch for, e.g. 'Z -> X; Z -> Y; X -> Y'")
        p.add_argument("--tiers", help="temporal tiers, earliest first, e.g. 'age, sex; educ; income'")
        p.add_argument("--model", default="none", help="none (default, rules only), local, openai:MODEL, or a model "
                       "name with --base-url")
        p.add_argument("--base-url", help="OpenAI-compatible server, e.g. http://127.0.0.1:8080/v1")
        p.add_argument("--seed", type=int, default=0, help="seed of every random step (default 0)")
        p.add_argument("--mode", choices=["auto", "guided", "tools"], default="auto",
                       help="auto: free tool loop for models with native tools, else the guided workflow")
        p.add_argument("--max-turns", type=int, default=12, help="model turns per question in the tool loop")
        p.add_argument("--quiet", action="store_true", help="do not show the steps")

    ask = sub.add_parser("ask", help="answer one question")
    ask.add_argument("question")
    common(ask)
    ask.add_argument("--save", help="write a report to this path (.md or .html)")
    ask.add_argument("--json", action="store_true", help="print the structured answer as JSON")
    chat = sub.add_parser("chat", help="interactive session")
    common(chat)
    for name, (_, help_text) in _DELEGATED.items():
        sub.add_parser(name, help=help_text, add_help=False)
    return parser


#: Sub-commands implemented in other packages: name -> (module with ``main(argv)``, help text).
_DELEGATED: dict[str, tuple[str, str]] = {
    "audit": ("causalkit.faithfulness.cli", "audit a model's chain-of-thought faithfulness (see `causalkit audit --help`)"),
    "bench": ("causalkit.bench.cli", "evaluate causal reasoning of models, the agent or the solver (see `causalkit bench --help`)"),
}


def _delegate(argv: Sequence[str]) -> int | None:
    """Run a delegated sub-command (``audit``, ``bench``) if ``argv`` names one."""
    if not argv or argv[0] not in _DELEGATED:
        return None
    import importlib

    module = importlib.import_module(_DELEGATED[argv[0]][0])
    return int(module.main(list(argv[1:])) or 0)


def _console() -> Any:
    from rich.console import Console

    return Console(highlight=False)


def _step_printer(console: Any) -> Callable[[Any], None]:
    def show(step: Any) -> None:
        if step.kind == "tool":
            console.print(f"  [green]✓[/green] {step.name} [dim]({step.elapsed:.2f}s)[/dim]")
        elif step.kind == "error":
            console.print(f"  [red]✗[/red] {step.name}: [dim]{step.result_summary[:200]}[/dim]", markup=True)
        elif step.kind == "model" and step.name.startswith("decide:"):
            by = step.arguments.get("by", "")
            console.print(f"  [cyan]•[/cyan] {step.name[7:]} = {step.result_summary} [dim]({by})[/dim]")
    return show


def _make_agent(args: argparse.Namespace, console: Any) -> Any:
    from agent.api import Agent

    tiers = [[n.strip() for n in tier.split(",") if n.strip()] for tier in (args.tiers or "").split(";") if tier.strip()]
    agent = Agent(model=args.model, base_url=args.base_url, seed=args.seed, max_turns=args.max_turns, mode=args.mode,
                  on_step=None if args.quiet else _step_printer(console), tiers=tiers or None)
    for d in args.data or []:
        agent.add_data(d)
    if args.graph:
        agent.set_graph(args.graph)
    return agent


def _ask(agent: Any, question: str, console: Any) -> Any:
    with console.status("[bold]working...[/bold]", spinner="dots"):
        return agent.ask(question)


def _results(agent: Any) -> str:
    s = agent.session
    parts = []
    for kind in ("identification", "estimate", "mediation"):
        if kind in s.current:
            parts.append(f"[{s.current[kind]}]\n{s.get(None, kind).summary()}")
    if "refutation" in s.current:
        parts.append(f"[{s.current['refutation']}]\n" + "\n".join(r.summary() for r in s.get(None, "refutation")))
    return "\n\n".join(parts) or "No results yet."


def _graph(agent: Any) -> str:
    s = agent.session
    if "graph" not in s.current:
        return "No graph yet."
    g = s.graph()
    return f"{s.current['graph']} ({g.kind.upper()}):\n" + "\n".join(f"  {e}" for e in g.to_edge_list())


def run_chat(agent: Any, input_fn: Callable[[str], str] = input, console: Any = None) -> int:
    """The chat REPL: questions go to ``agent.ask``, ``/commands`` act on the session."""
    console = console or _console()
    console.print("causalkit chat - ask a causal question, /help for commands, /quit to leave.")
    while True:
        try:
            line = input_fn("causalkit> ").strip()
        except (EOFError, KeyboardInterrupt):
            console.print()
            return 0
        if not line:
            continue
        cmd, _, rest = line.partition(" ")
        try:
            if cmd in ("/quit", "/exit", "/q"):
                return 0
            if cmd == "/help":
                console.print(CHAT_HELP, markup=False)
            elif cmd == "/graph":
                console.print(_graph(agent), markup=False)
            elif cmd == "/results":
                console.print(_results(agent), markup=False)
            elif cmd == "/save":
                if not rest.strip():
                    console.print("Usage: /save PATH", markup=False)
                    continue
                console.print(f"Report written to {agent.save(rest.strip())}", markup=False)
            elif cmd == "/replay":
                rows = agent.replay()
                for r in rows:
                    console.print(f"  {'same' if r['same'] else 'DIFFERENT'}  {r['tool']}", markup=False)
                console.print(f"{sum(r['same'] for r in rows)} of {len(rows)} tool calls reproduced exactly.", markup=False)
            elif cmd == "/data":
                console.print(f"Loaded {', '.join(agent.add_data(rest.strip()))}", markup=False)
            elif cmd.startswith("/"):
                console.print(f"Unknown command {cmd}. {CHAT_HELP}", markup=False)
            else:
                answer = _ask(agent, line, console)
                console.print(answer.text, markup=False)
        except Exception as exc:  # noqa: BLE001 - the REPL reports errors and goes on
            console.print(f"Error: {type(exc).__name__}: {exc}", markup=False)


def _setup_readline() -> None:
    try:
        import atexit
        import os
        import readline
    except ImportError:  # pragma: no cover - Windows without pyreadline
        return
    path = os.path.expanduser("~/.causalkit_history")
    try:
        readline.read_history_file(path)
    except OSError:
        pass
    atexit.register(lambda: _write_history(readline, path))


def _write_history(readline: Any, path: str) -> None:
    try:
        readline.write_history_file(path)
    except OSError:
        pass


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``causalkit`` command; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    delegated = _delegate(argv)
    if delegated is not None:
        return delegated
    args = build_parser().parse_args(argv)
    console = _console()
    try:
        agent = _make_agent(args, console)
        if args.command == "chat":
            if sys.stdin.isatty():
                _setup_readline()
            return run_chat(agent, console=console)
        answer = _ask(agent, args.question, console)
    except Exception as exc:  # noqa: BLE001 - user errors become one line, not a traceback
        console.print(f"Error: {type(exc).__name__}: {exc}", markup=False)
        return 2
    if args.json:
        import json

        print(json.dumps(answer.to_dict(), indent=2, default=str))
    else:
        console.print(answer.text, markup=False)
    if args.save:
        console.print(f"Report written to {agent.save(args.save)}", markup=False)
    return 0 if answer.ok else 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

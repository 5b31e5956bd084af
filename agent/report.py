"""Reports of an agent session (Markdown or HTML) and a standalone reproduce script.

The report holds the questions and answers, the data source, the graph (with a figure from
:func:`causalkit.graphs.plot_graph`), the identification specification, the estimate with its
SE and CI, the refutations, every decision (options, scores, who decided) and every tool call,
and a Python script that recomputes the estimate with causalkit alone - no model, no agent.

Examples
--------
>>> from agent.session import Session
>>> print(build_report(Session()).splitlines()[0])
# causalkit agent report
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from agent.session import Session

__all__ = ["build_report", "write_report", "reproduce_script"]

Block = tuple  # ("p", text) | ("code", text, lang) | ("table", headers, rows) | ("img", path) | ("list", items)


# ------------------------------------------------------------------------------ reproduce script
def _data_code(session: Session, data_handle: str, data_file: str | None) -> list[str]:
    item = session.objects[data_handle]
    src = item.meta.get("source", {})
    if src.get("type") == "embedded":
        return ["import causalkit.datasets", f"data = causalkit.datasets.{src['loader']}(**{src['kwargs']!r}).data"]
    if src.get("type") == "file":
        path = src["path"]
        suffix = Path(path).suffix.lower()
        if suffix == ".json":
            return [f"data = pd.read_json({path!r})"]
        if suffix == ".parquet":
            return [f"data = pd.read_parquet({path!r})"]
        sep = {".tsv": "\\t", ".txt": None}.get(suffix, ",")
        if sep is None:
            return [f"data = pd.read_csv({path!r}, sep=None, engine='python')"]
        return [f"data = pd.read_csv({path!r}, sep={sep!r})"]
    if data_file is None:
        return ["raise SystemExit('The data were passed in Python; save them with write_report to get a CSV copy.')"]
    return [f"data = pd.read_csv({data_file!r})  # copy of the DataFrame passed in Python"]


def reproduce_script(session: Session, estimate: str | None = None, *, data_file: str | None = None) -> str:
    """A standalone Python script that recomputes an estimate (and its refutations) with causalkit only.

    Parameters
    ----------
    session : Session
    estimate : str, optional
        Estimate handle (default: the latest estimate).
    data_file : str, optional
        CSV copy of data that was passed in Python (written by :func:`write_report`).

    Returns
    -------
    str
        Python source. Running it prints ``VALUE <repr>`` and ``STDERR <repr>`` lines, which equal the
        session's numbers exactly.
    """
    if "estimate" not in session.current and estimate is None:
        return "# No effect was estimated in this session, so there is nothing to reproduce.\n"
    handle, item = session.stored(estimate, "estimate")
    call = item.meta["call"]
    lines = [
        '"""Reproduce ' + handle + f' of a causalkit agent session (seed {session.seed}) without any model."""',
        "import pandas as pd",
        "",
        "from causalkit.estimation import estimate",
        "from causalkit.graphs import from_edge_list",
        "from causalkit.identification import identify",
        "from causalkit.refutation import refute",
        "",
        *_data_code(session, item.meta["data"], data_file),
    ]
    ident_handle = item.meta.get("identification")
    ident_expr = "None"
    if ident_handle:
        ident_item = session.objects[ident_handle]
        graph_handle = ident_item.meta["graph"]
        graph = session.objects[graph_handle].value
        source = session.objects[graph_handle].meta.get("source", "")
        lines += ["", f"# graph {graph_handle} ({source})",
                  f"graph = from_edge_list({graph.to_edge_list()!r}, nodes={list(graph.nodes)!r})"]
        kw = ident_item.meta["kwargs"]
        lines.append(f"ident = identify(graph, {call['treatment']!r}, {call['outcome']!r}, strategy={kw['strategy']!r}, "
                     f"latent={kw['latent'] or None!r})")
        lines.append("print(ident.summary())")
        ident_expr = "ident"
    extra = "".join(f", {k}={v!r}" for k, v in call["kwargs"].items())
    lines += [
        "",
        f"clean = data.dropna(subset={call['dropna']!r})",
        f"est = estimate(clean, {call['treatment']!r}, {call['outcome']!r}, identification={ident_expr}, "
        f"adjustment={call['adjustment']!r}, method={call['method']!r}, estimand={call['estimand']!r}, "
        f"random_state={call['random_state']!r}{extra})",
        "print(est.summary())",
        'print("VALUE", repr(est.value))',
        'print("STDERR", repr(est.stderr))',
    ]
    refs = [h for h in session.handles("refutation") if session.objects[h].meta.get("estimate") == handle]
    if refs:
        rcall = session.objects[refs[-1]].meta["call"]
        lines += [
            f"for r in refute(clean, est, methods={rcall['methods']!r}, n_simulations={rcall['n_simulations']!r}, "
            f"random_state={rcall['random_state']!r}"
            + (f", method={rcall['method']!r}" if rcall.get("method") else "") + "):",
            "    print(r.summary())",
        ]
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------ sections
def _sections(session: Session, figure: str | None, script: str) -> list[tuple[str, list[Block]]]:
    out: list[tuple[str, list[Block]]] = []
    qa: list[Block] = []
    for e in session.log:
        if e.kind == "user":
            qa.append(("p", f"**Question:** {e.output}"))
        elif e.kind == "answer":
            qa.append(("code", e.output, "text"))
    if qa:
        out.append(("Questions and answers", qa))
    if "data" in session.current:
        h, item = session.stored(None, "data")
        src = item.meta.get("source", {"type": "python"})
        where = src.get("path") or src.get("name") or "a DataFrame passed in Python"
        out.append(("Data", [("p", f"`{h}`: {len(item.value)} rows x {item.value.shape[1]} columns, from {where}.")]))
    if "graph" in session.current:
        h, item = session.stored(session.objects[session.current["identification"]].meta["graph"]
                                 if "identification" in session.current else None, "graph")
        blocks: list[Block] = [("p", f"`{h}` ({item.value.kind.upper()}, source: {item.meta.get('source', '?')})."),
                               ("list", item.value.to_edge_list())]
        if item.meta.get("note"):
            blocks.append(("p", item.meta["note"]))
        if figure:
            blocks.append(("img", figure))
        out.append(("Causal graph", blocks))
    for kind, title in (("identification", "Identification"), ("estimate", "Estimate"), ("mediation", "Mediation")):
        if kind in session.current:
            h, item = session.stored(None, kind)
            out.append((title, [("p", f"`{h}`"), ("code", item.value.summary(), "text")]))
    if "refutation" in session.current:
        h, item = session.stored(None, "refutation")
        out.append(("Refutations", [("p", f"`{h}`"), ("code", "\n\n".join(r.summary() for r in item.value), "text")]))
    decisions = session.decisions()
    if decisions:
        rows = [[e.name, e.extra["by"], e.output, ", ".join(e.extra["options"][:8]),
                 json.dumps(e.extra["scores"]) if e.extra["scores"] is not None else "-"] for e in decisions]
        out.append(("Decisions", [("table", ["decision", "by", "chosen", "options", "scores"], rows)]))
    calls = session.tool_calls()
    if calls:
        rows = [[str(i + 1), e.name, json.dumps(e.arguments)[:200], "ok" if e.ok else "error: " + e.output[:120]]
                for i, e in enumerate(calls)]
        out.append(("Tool calls", [("p", f"Seed: {session.seed}."), ("table", ["#", "tool", "arguments", "result"], rows)]))
    out.append(("Reproduce without a model", [("code", script, "python")]))
    return out


def _md_cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _render_md(sections: list[tuple[str, list[Block]]]) -> str:
    parts = ["# causalkit agent report", ""]
    for title, blocks in sections:
        parts += [f"## {title}", ""]
        for b in blocks:
            if b[0] == "p":
                parts += [b[1], ""]
            elif b[0] == "code":
                parts += [f"```{b[2]}", b[1].rstrip("\n"), "```", ""]
            elif b[0] == "list":
                parts += [f"- {x}" for x in b[1]] + [""]
            elif b[0] == "img":
                parts += [f"![causal graph]({b[1]})", ""]
            elif b[0] == "table":
                parts.append("| " + " | ".join(b[1]) + " |")
                parts.append("|" + "---|" * len(b[1]))
                parts += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in b[2]]
                parts.append("")
    return "\n".join(parts)


def _render_html(sections: list[tuple[str, list[Block]]]) -> str:
    e = html.escape
    parts = ["<!DOCTYPE html><html><head><meta charset='utf-8'><title>causalkit agent report</title>",
             "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}pre{background:#f4f4f4;padding:1em;"
             "overflow-x:auto}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3em}</style>",
             "</head><body><h1>causalkit agent report</h1>"]
    for title, blocks in sections:
        parts.append(f"<h2>{e(title)}</h2>")
        for b in blocks:
            if b[0] == "p":
                parts.append(f"<p>{e(b[1])}</p>")
            elif b[0] == "code":
                parts.append(f"<pre><code>{e(b[1])}</code></pre>")
            elif b[0] == "list":
                parts.append("<ul>" + "".join(f"<li>{e(x)}</li>" for x in b[1]) + "</ul>")
            elif b[0] == "img":
                parts.append(f"<img src='{e(b[1])}' alt='causal graph'>")
            elif b[0] == "table":
                head = "".join(f"<th>{e(h)}</th>" for h in b[1])
                body = "".join("<tr>" + "".join(f"<td>{e(str(c))}</td>" for c in row) + "</tr>" for row in b[2])
                parts.append(f"<table><tr>{head}</tr>{body}</table>")
    parts.append("</body></html>")
    return "\n".join(parts)


def build_report(session: Session, fmt: str = "markdown", *, figure: str | None = None,
                 data_file: str | None = None) -> str:
    """The report of ``session`` as Markdown (``fmt="markdown"``) or HTML (``fmt="html"``).

    Parameters
    ----------
    session : Session
    fmt : {"markdown", "html"}
    figure : str, optional
        Path (relative to the report) of a graph figure to embed.
    data_file : str, optional
        CSV copy of data passed in Python, used by the reproduce script.
    """
    fmt = fmt.lower()
    if fmt not in ("markdown", "md", "html"):
        raise ValueError(f"Unknown report format {fmt!r}; use 'markdown' or 'html'.")
    sections = _sections(session, figure, reproduce_script(session, data_file=data_file))
    return _render_html(sections) if fmt == "html" else _render_md(sections)


def _figure(session: Session, path: Path) -> str | None:
    if "graph" not in session.current:
        return None
    try:
        from causalkit.graphs import plot_graph
    except ImportError:  # pragma: no cover - plotting ships with causalkit.graphs
        return None
    graph_handle = (session.objects[session.current["identification"]].meta["graph"]
                    if "identification" in session.current else session.current["graph"])
    spec = session.spec
    highlight = [n for n in (spec.get("treatment"), spec.get("outcome")) if n and n in session.objects[graph_handle].value]
    try:
        plot_graph(session.objects[graph_handle].value, path=str(path), highlight=highlight, title=graph_handle)
    except Exception:  # noqa: BLE001 - a figure is a nicety; the report must still be written
        return None
    return path.name


def write_report(session: Session, path: str | Path, fmt: str | None = None) -> Path:
    """Write the report to ``path`` with the graph figure, the reproduce script and (if needed) a data copy.

    Files written next to the report: ``<stem>_graph.png``, ``<stem>_reproduce.py`` and, when the
    data were passed in Python, ``<stem>_data.csv`` (read by the script).

    Parameters
    ----------
    session : Session
    path : str or Path
        Report file; ``.html``/``.htm`` gives HTML unless ``fmt`` says otherwise.
    fmt : {"markdown", "html"}, optional

    Returns
    -------
    Path
        The report path.
    """
    path = Path(path)
    fmt = fmt or ("html" if path.suffix.lower() in (".html", ".htm") else "markdown")
    path.parent.mkdir(parents=True, exist_ok=True)
    data_file = None
    if "estimate" in session.current:
        data_handle = session.objects[session.current["estimate"]].meta["data"]
        if session.objects[data_handle].meta.get("source", {}).get("type") not in ("embedded", "file"):
            csv = path.with_name(path.stem + "_data.csv")
            session.objects[data_handle].value.to_csv(csv, index=False)
            data_file = str(csv.resolve())
    figure = _figure(session, path.with_name(path.stem + "_graph.png"))
    text = build_report(session, fmt, figure=figure, data_file=data_file)
    path.write_text(text, encoding="utf-8")
    path.with_name(path.stem + "_reproduce.py").write_text(reproduce_script(session, data_file=data_file), encoding="utf-8")
    return path

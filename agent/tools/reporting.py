"""The report tool: a Markdown or HTML report of the session, written only where the user allowed."""

from __future__ import annotations

from typing import Any

from agent.session import Session
from agent.tools._base import require_session, tool

__all__ = ["report"]


@tool
def report(path: str | None = None, format: str = "markdown", session: Session | None = None) -> dict[str, Any]:
    """Write a report of the analysis (graph, identification, estimate with SE/CI, refutations, decisions, reproduce script).

    Parameters
    ----------
    path : str
        File to write (only a path the user gave); without it the report is kept in the session.
    format : str
        markdown or html.
    """
    from agent.report import build_report, write_report

    session = require_session(session)
    if path is not None:
        written = write_report(session, session.check_path(path), fmt=format)
        text = written.read_text(encoding="utf-8")
    else:
        text = build_report(session, fmt=format)
    handle = session.put("report", text, meta={"path": path, "format": format})
    return {"handle": handle, "path": path, "characters": len(text), "preview": text[:800]}

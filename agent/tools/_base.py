"""The tool registry of the agent and what every tool shares: logging, column checks, summaries."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable
from typing import Any

import pandas as pd

from agent.exceptions import ToolInputError
from agent.registry import ToolRegistry
from agent.session import Session, quote

__all__ = ["REGISTRY", "tool", "require_session", "check_columns", "clean_rows", "fmt"]

#: Every agent tool is registered here (``agent.tools.REGISTRY``).
REGISTRY = ToolRegistry()


def require_session(session: Any) -> Session:
    """The session a tool runs in; a clear error when a tool is called without one."""
    if not isinstance(session, Session):
        raise ToolInputError("This tool needs a Session (call it through the registry with session=...).")
    return session


def tool(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Register ``fn`` in :data:`REGISTRY`; every call is logged in the session.

    The wrapper keeps ``fn``'s signature and docstring (the schema is built from them), records
    the arguments and the rendered result (or the error) in ``session.log``, and returns the
    result unchanged.
    """
    params = inspect.signature(fn).parameters

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        session = require_session(kwargs.get("session"))
        arguments = {k: v for k, v in kwargs.items() if k != "session"}
        for name, value in zip(params, args, strict=False):
            arguments[name] = value
        try:
            result = fn(*args, **kwargs)
        except Exception as exc:
            session.record_tool(fn.__name__, arguments, f"{type(exc).__name__}: {exc}", ok=False)
            raise
        handle = result.get("handle") if isinstance(result, dict) else None
        session.record_tool(fn.__name__, arguments, session.render(result), handle=handle)
        return result

    REGISTRY.tool(wrapper)
    return wrapper


def check_columns(df: pd.DataFrame, names: Iterable[str], role: str = "column") -> list[str]:
    """Check that each name is a column; the error suggests the closest columns."""
    from agent.parse import match_column

    out = []
    for name in names:
        if name in df.columns:
            out.append(name)
            continue
        m = match_column(str(name), [str(c) for c in df.columns])
        if m.best is not None and not m.ambiguous and m.score >= 0.999:
            out.append(m.best)
            continue
        hint = f" Did you mean {', '.join(quote(c) for c in m.candidates[:3])}?" if m.candidates else ""
        shown = ", ".join(quote(c) for c in list(df.columns)[:30])
        raise ToolInputError(f"Unknown {role} {quote(name)}.{hint} Columns: {shown}{' ...' if df.shape[1] > 30 else ''}.")
    return out


def clean_rows(df: pd.DataFrame, columns: Iterable[str]) -> tuple[pd.DataFrame, int]:
    """The rows of ``df`` with no missing value in ``columns`` and how many were dropped."""
    cols = list(dict.fromkeys(columns))
    sub = df.dropna(subset=cols)
    return sub, len(df) - len(sub)


def fmt(x: Any, digits: int = 4) -> Any:
    """Round a float for display (keeps ints/None)."""
    if isinstance(x, float):
        return float(f"{x:.{digits}g}")
    return x

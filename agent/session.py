"""The agent's working memory: named objects behind handles, allowed files, seed and a full log.

Big objects (DataFrames, graphs, results) never go to the model. They live in a :class:`Session`
under *handles* such as ``"data:jobs"``, ``"graph:pc_1"`` or ``"estimate:3"``; tools return a
compact summary plus the handle, and :meth:`Session.render` caps whatever text reaches the
model. Column names and cell values are data: summaries carry them as JSON strings, never as
instructions.

Every tool call and every model (or rule) decision is appended to :attr:`Session.log`, which
is enough to replay a run without a model (:meth:`Session.replay`) and to write a standalone
reproduce script (:mod:`agent.report`).

Examples
--------
>>> import pandas as pd
>>> s = Session(seed=1)
>>> s.put("data", pd.DataFrame({"x": [1, 2]}), label="toy")
'data:toy'
>>> s.current["data"]
'data:toy'
>>> s.data().shape
(2, 1)
"""

from __future__ import annotations

import copy
import json
import math
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from agent.exceptions import ToolInputError

__all__ = ["Session", "LogEntry", "Stored", "DEFAULT_MAX_CHARS", "quote", "to_jsonable"]

#: Most characters of one tool result (or summary) the model ever sees.
DEFAULT_MAX_CHARS = 4000
_NAME_LIMIT = 80


def quote(name: Any) -> str:
    """A column/node name as a quoted, single-line JSON string (data, never an instruction).

    Examples
    --------
    >>> quote('ignore previous instructions')
    '"ignore previous instructions"'
    >>> quote("a\\nb")
    '"a\\\\nb"'
    """
    text = str(name)
    if len(text) > _NAME_LIMIT:
        text = text[:_NAME_LIMIT] + "..."
    return json.dumps(text, ensure_ascii=False)


def to_jsonable(value: Any) -> Any:
    """Convert numpy scalars, tuples, sets and non-finite floats into JSON-friendly values."""
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return to_jsonable(value.tolist())
    if isinstance(value, np.generic):
        return to_jsonable(value.item())
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else str(value)
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def _shrink(value: Any, max_items: int) -> Any:
    """Cut long lists (keeping a count of what was cut) so a summary stays small."""
    if isinstance(value, dict):
        return {k: _shrink(v, max_items) for k, v in value.items()}
    if isinstance(value, list):
        if len(value) > max_items:
            return [_shrink(v, max_items) for v in value[:max_items]] + [f"... {len(value) - max_items} more"]
        return [_shrink(v, max_items) for v in value]
    if isinstance(value, str) and len(value) > 600:
        return value[:600] + f"... [{len(value) - 600} characters cut]"
    return value


@dataclass
class Stored:
    """One object kept in the session.

    Attributes
    ----------
    kind : str
        ``"data"``, ``"graph"``, ``"discovery"``, ``"identification"``, ``"estimate"``,
        ``"refutation"``, ``"mediation"``, ``"scm"``, ``"query"`` or ``"report"``.
    value : Any
        The object itself (a DataFrame, CausalGraph, result dataclass, ...).
    meta : dict
        How it was made (the causalkit call and its arguments, the source file or dataset, the
        handles it was derived from); used by the report and the reproduce script.
    """

    kind: str
    value: Any
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class LogEntry:
    """One line of the session log: a tool call, a decision, a user turn or an answer.

    Attributes
    ----------
    kind : str
        ``"tool"``, ``"decision"``, ``"user"``, ``"answer"`` or ``"note"``.
    name : str
        Tool name, decision name, or a short label.
    arguments : dict
        Tool arguments as called (after validation).
    output : str
        What the model saw (capped), or the error message.
    ok : bool
        False when the tool raised.
    handle : str or None
        Handle of the object the tool stored, if any.
    extra : dict
        For decisions: ``prompt``, ``options``, ``scores``, ``chosen``, ``by`` ("model" or "rules").
    """

    kind: str
    name: str
    arguments: dict[str, Any] = field(default_factory=dict)
    output: str = ""
    ok: bool = True
    handle: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""
        return to_jsonable(
            {"kind": self.kind, "name": self.name, "arguments": self.arguments, "output": self.output,
             "ok": self.ok, "handle": self.handle, "extra": self.extra}
        )


class Session:
    """Named datasets, graphs and results, the files the user allowed, the seed and a log.

    Parameters
    ----------
    seed : int
        Seed passed as ``random_state`` to every random step the tools run.
    allowed_paths : iterable of str, optional
        Files the user gave; tools may read (or write) only these.
    max_chars : int
        Cap on the text of one tool result shown to the model.
    """

    def __init__(self, *, seed: int = 0, allowed_paths: Iterable[str | os.PathLike] = (),
                 max_chars: int = DEFAULT_MAX_CHARS) -> None:
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise ToolInputError(f"`seed` must be a non-negative integer; got {seed!r}.")
        self.seed = seed
        self.max_chars = int(max_chars)
        self.objects: dict[str, Stored] = {}
        self.current: dict[str, str] = {}
        self.log: list[LogEntry] = []
        #: conversation memory: treatment, outcome, extra adjustment, estimand, mediator, ...
        self.spec: dict[str, Any] = {}
        #: the chat model tools may consult (knowledge priors, graph critique); None without a model
        self.model: Any = None
        self._allowed: set[Path] = set()
        self._counter = 0
        for p in allowed_paths:
            self.allow_path(p)

    # ------------------------------------------------------------------ files
    def allow_path(self, path: str | os.PathLike) -> Path:
        """Mark ``path`` as given by the user (readable and writable by tools)."""
        resolved = Path(path).expanduser().resolve()
        self._allowed.add(resolved)
        return resolved

    @property
    def allowed_paths(self) -> list[str]:
        """The files tools may touch, as strings."""
        return sorted(map(str, self._allowed))

    def check_path(self, path: str | os.PathLike) -> Path:
        """Return the resolved ``path`` if the user gave it; otherwise refuse.

        Raises
        ------
        ToolInputError
            The path is not one the user gave (so a model cannot read arbitrary files).
        """
        resolved = Path(str(path)).expanduser().resolve()
        if resolved not in self._allowed:
            given = ", ".join(quote(p) for p in self.allowed_paths) or "none"
            raise ToolInputError(
                f"File access refused: {quote(path)} was not given by the user. Tools may only use the "
                f"files the user named (given: {given}) or an embedded dataset name."
            )
        return resolved

    # ------------------------------------------------------------------ objects
    def _new_handle(self, kind: str, label: str | None) -> str:
        self._counter += 1
        if not label:
            return f"{kind}:{self._counter}"
        base = f"{kind}:{label}"
        handle, i = base, 2
        while handle in self.objects:
            handle, i = f"{base}_{i}", i + 1
        return handle

    def put(self, kind: str, value: Any, *, label: str | None = None, meta: dict[str, Any] | None = None,
            make_current: bool = True) -> str:
        """Store ``value`` and return its new handle (``kind:label`` or ``kind:N``)."""
        handle = self._new_handle(kind, label)
        self.objects[handle] = Stored(kind, value, dict(meta or {}))
        if make_current:
            self.current[kind] = handle
        return handle

    def handles(self, kind: str | None = None) -> list[str]:
        """Known handles, optionally of one kind."""
        return [h for h, s in self.objects.items() if kind is None or s.kind == kind]

    def stored(self, handle: str | None, kind: str) -> tuple[str, Stored]:
        """The ``(handle, Stored)`` for ``handle`` (default: the current object of ``kind``).

        Raises
        ------
        ToolInputError
            Unknown handle, wrong kind, or nothing of that kind yet; the message lists what exists.
        """
        if handle is None or handle == "":
            if kind not in self.current:
                hint = {"data": "Call load_data first.", "graph": "Call discover or set_graph first.",
                        "identification": "Call identify first.", "estimate": "Call estimate first."}.get(kind, "")
                raise ToolInputError(f"There is no {kind} in this session yet. {hint}".strip())
            handle = self.current[kind]
        if handle not in self.objects and ":" not in handle and f"{kind}:{handle}" in self.objects:
            handle = f"{kind}:{handle}"
        if handle not in self.objects:
            known = ", ".join(self.handles(kind)) or "none"
            raise ToolInputError(f"Unknown handle {quote(handle)}. Known {kind} handles: {known}.")
        item = self.objects[handle]
        if item.kind != kind:
            raise ToolInputError(f"Handle {quote(handle)} holds a {item.kind}, not a {kind}.")
        return handle, item

    def get(self, handle: str | None, kind: str) -> Any:
        """The object behind ``handle`` (default: the current one of ``kind``)."""
        return self.stored(handle, kind)[1].value

    def data(self, handle: str | None = None) -> pd.DataFrame:
        """The DataFrame behind ``handle`` (default: the current dataset)."""
        return self.get(handle, "data")

    def graph(self, handle: str | None = None) -> Any:
        """The CausalGraph behind ``handle`` (default: the current graph)."""
        return self.get(handle, "graph")

    # ------------------------------------------------------------------ log
    def record_tool(self, name: str, arguments: dict[str, Any], output: str, *, ok: bool = True,
                    handle: str | None = None) -> LogEntry:
        """Append a tool call to the log."""
        entry = LogEntry("tool", name, to_jsonable(dict(arguments)), output, ok, handle)
        self.log.append(entry)
        return entry

    def record_decision(self, name: str, prompt: str, options: list[str], chosen: int,
                        scores: list[float] | None = None, *, by: str = "rules", reason: str = "") -> LogEntry:
        """Append a decision (by the model or by rules) with its options and scores."""
        entry = LogEntry(
            "decision", name, output=options[chosen] if options else "",
            extra={"prompt": prompt, "options": list(options), "scores": to_jsonable(scores),
                   "chosen": int(chosen), "by": by, "reason": reason},
        )
        self.log.append(entry)
        return entry

    def note(self, kind: str, name: str, text: str) -> None:
        """Append a user turn, an answer or a note to the log."""
        self.log.append(LogEntry(kind, name, output=text))

    def decisions(self) -> list[LogEntry]:
        """The decision entries of the log."""
        return [e for e in self.log if e.kind == "decision"]

    def tool_calls(self) -> list[LogEntry]:
        """The tool-call entries of the log."""
        return [e for e in self.log if e.kind == "tool"]

    # ------------------------------------------------------------------ text for the model
    def render(self, value: Any) -> str:
        """JSON text of a tool result for the model, never longer than about ``max_chars``."""
        if isinstance(value, str):
            text = value
        else:
            clean = to_jsonable(value)
            text = json.dumps(clean, ensure_ascii=False, separators=(",", ":"))
            for max_items in (40, 20, 10, 5, 2):
                if len(text) <= self.max_chars:
                    break
                text = json.dumps(_shrink(clean, max_items), ensure_ascii=False, separators=(",", ":"))
        if len(text) > self.max_chars:
            text = text[: self.max_chars] + f" ... [truncated {len(text) - self.max_chars} characters]"
        return text

    def overview(self) -> dict[str, Any]:
        """A compact view of the session: current handles, known handles by kind, memory."""
        by_kind: dict[str, list[str]] = {}
        for h, s in self.objects.items():
            by_kind.setdefault(s.kind, []).append(h)
        return {"current": dict(self.current), "handles": by_kind, "spec": to_jsonable(self.spec),
                "seed": self.seed}

    # ------------------------------------------------------------------ replay
    def fork(self) -> Session:
        """A fresh session with the same seed, allowed files and the objects given up front.

        Objects stored before the first tool call (data the user passed in Python) are kept, so
        a replay starts where the original run started.
        """
        new = Session(seed=self.seed, allowed_paths=self._allowed, max_chars=self.max_chars)
        new.model = self.model
        for h, s in self.objects.items():
            if s.meta.get("given_by_user"):
                new.objects[h] = Stored(s.kind, s.value, copy.deepcopy(s.meta))
                new.current.setdefault(s.kind, h)
        new._counter = sum(1 for s in self.objects.values() if s.meta.get("given_by_user"))
        return new

    def replay(self, registry: Any = None) -> list[dict[str, Any]]:
        """Re-run every successful tool call of the log in a fresh session, without any model.

        Parameters
        ----------
        registry : ToolRegistry, optional
            Default :data:`agent.tools.REGISTRY`.

        Returns
        -------
        list of dict
            One row per call: ``tool``, ``arguments``, ``same`` (whether the new output equals the
            logged one) and the new ``output``.
        """
        if registry is None:
            from agent.tools import REGISTRY as registry
        fresh = self.fork()
        rows = []
        for entry in self.tool_calls():
            if not entry.ok:
                continue
            result = registry.call(entry.name, dict(entry.arguments), session=fresh)
            text = fresh.render(result)
            rows.append({"tool": entry.name, "arguments": entry.arguments, "same": text == entry.output,
                         "output": text})
        return rows

    def __repr__(self) -> str:
        return f"Session(seed={self.seed}, objects={len(self.objects)}, log={len(self.log)})"

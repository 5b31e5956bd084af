"""Tool registry: JSON schemas generated from type hints and numpydoc docstrings, strict validation.

A tool is a plain typed Python function. ``@tool`` reads its signature and docstring once and
builds an OpenAI-style function schema; every call validates the arguments against that schema
(``additionalProperties: false``) before the function runs, so model output is never trusted.

Examples
--------
>>> registry = ToolRegistry()
>>> @registry.tool
... def add(a: int, b: int = 1) -> int:
...     '''Add two integers.
...
...     Parameters
...     ----------
...     a : int
...         First number.
...     b : int
...         Second number.
...     '''
...     return a + b
>>> registry.call("add", {"a": 2})
3
"""

from __future__ import annotations

import inspect
import re
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, Union, get_args, get_origin

import jsonschema

from agent.exceptions import ModelBehaviorError, ToolExecutionError, ToolInputError

__all__ = ["Tool", "ToolRegistry", "tool", "schema_for_function"]

_PRIMITIVES: dict[Any, dict[str, Any]] = {
    str: {"type": "string"},
    int: {"type": "integer"},
    float: {"type": "number"},
    bool: {"type": "boolean"},
}


def _json_type(annotation: Any) -> tuple[dict[str, Any], bool]:
    """JSON schema for a type annotation; second value is True when ``None`` is allowed."""
    if annotation in _PRIMITIVES:
        return dict(_PRIMITIVES[annotation]), False
    origin = get_origin(annotation)
    args = get_args(annotation)
    if origin is Literal:
        values = list(args)
        kinds = {type(v) for v in values}
        schema: dict[str, Any] = {"enum": values}
        if len(kinds) == 1 and next(iter(kinds)) in _PRIMITIVES:
            schema["type"] = _PRIMITIVES[next(iter(kinds))]["type"]
        return schema, False
    if origin in (Union, types.UnionType):
        non_none = [a for a in args if a is not type(None)]
        nullable = len(non_none) != len(args)
        if len(non_none) == 1:
            inner, _ = _json_type(non_none[0])
            return inner, nullable
        return {"anyOf": [_json_type(a)[0] for a in non_none]}, nullable
    if origin in (list, tuple, typing.Sequence, set, frozenset) or annotation in (list, tuple):
        item = args[0] if args else str
        return {"type": "array", "items": _json_type(item)[0]}, False
    if origin is dict or annotation is dict:
        value = args[1] if len(args) == 2 else Any
        schema = {"type": "object"}
        if value is not Any:
            schema["additionalProperties"] = _json_type(value)[0]
        return schema, False
    if annotation is Any:
        return {}, True
    raise TypeError(f"Tool parameters must use JSON-compatible annotations; got {annotation!r}.")


def _parse_numpydoc(doc: str) -> tuple[str, dict[str, str]]:
    """Return (summary, {param: description}) from a numpydoc docstring."""
    doc = inspect.cleandoc(doc or "")
    summary = doc.split("\n\n", 1)[0].replace("\n", " ").strip()
    params: dict[str, str] = {}
    m = re.search(r"Parameters\n-+\n(.*?)(?:\n\n[A-Z][a-z]+\n-+\n|\Z)", doc, re.S)
    if m:
        current = None
        for line in m.group(1).splitlines():
            if line and not line.startswith(" "):
                current = line.split(":")[0].strip()
                params[current] = ""
            elif current is not None and line.strip():
                params[current] = (params[current] + " " + line.strip()).strip()
    return summary, params


def schema_for_function(fn: Callable[..., Any], *, skip: tuple[str, ...] = ("session",)) -> dict[str, Any]:
    """Build an OpenAI function-tool schema for ``fn`` from its type hints and numpydoc docstring.

    Parameters named in ``skip`` (e.g. the injected ``session``) are left out of the schema.
    """
    hints = typing.get_type_hints(fn)
    summary, descriptions = _parse_numpydoc(fn.__doc__ or "")
    properties: dict[str, Any] = {}
    required: list[str] = []
    for name, param in inspect.signature(fn).parameters.items():
        if name in skip or param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        if name not in hints:
            raise TypeError(f"Tool {fn.__name__!r}: parameter {name!r} has no type annotation.")
        schema, nullable = _json_type(hints[name])
        if nullable and schema:
            schema = {"anyOf": [schema, {"type": "null"}]}
        if descriptions.get(name):
            schema["description"] = descriptions[name]
        if param.default is inspect.Parameter.empty:
            required.append(name)
        elif param.default is not None and isinstance(param.default, (str, int, float, bool)):
            schema["default"] = param.default
        properties[name] = schema
    return {
        "name": fn.__name__,
        "description": summary,
        "parameters": {
            "type": "object",
            "properties": properties,
            "required": required,
            "additionalProperties": False,
        },
    }


@dataclass
class Tool:
    """A registered tool: the function, its schema and a compiled validator."""

    fn: Callable[..., Any]
    schema: dict[str, Any]
    needs_session: bool = False
    _validator: Any = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self._validator = jsonschema.Draft202012Validator(self.schema["parameters"])

    @property
    def name(self) -> str:
        """The tool's name."""
        return self.schema["name"]

    def validate(self, arguments: dict[str, Any]) -> None:
        """Raise :class:`ToolInputError` listing every schema violation in ``arguments``."""
        if not isinstance(arguments, dict):
            raise ToolInputError(f"Arguments for {self.name!r} must be a JSON object; got {type(arguments).__name__}.")
        errors = sorted(self._validator.iter_errors(arguments), key=lambda e: list(e.path))
        if errors:
            lines = []
            for e in errors[:5]:
                where = "/".join(map(str, e.path)) or "(arguments)"
                lines.append(f"{where}: {e.message}")
            props = ", ".join(self.schema["parameters"]["properties"])
            raise ToolInputError(
                f"Invalid arguments for tool {self.name!r}: " + "; ".join(lines) + f". Accepted parameters: {props}."
            )


class ToolRegistry:
    """A named collection of tools with schema export and validated calls."""

    def __init__(self) -> None:
        self._tools: dict[str, Tool] = {}

    def tool(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        """Decorator registering ``fn`` as a tool (returns ``fn`` unchanged)."""
        needs_session = "session" in inspect.signature(fn).parameters
        t = Tool(fn=fn, schema=schema_for_function(fn), needs_session=needs_session)
        if t.name in self._tools:
            raise ValueError(f"A tool named {t.name!r} is already registered.")
        self._tools[t.name] = t
        return fn

    def __contains__(self, name: object) -> bool:
        return name in self._tools

    def __iter__(self):
        return iter(self._tools.values())

    def __len__(self) -> int:
        return len(self._tools)

    def get(self, name: str) -> Tool:
        """The tool called ``name``; :class:`ModelBehaviorError` listing the tools if unknown."""
        if name not in self._tools:
            raise ModelBehaviorError(f"Unknown tool {name!r}. Available tools: {', '.join(sorted(self._tools))}.")
        return self._tools[name]

    def openai_schemas(self, names: list[str] | None = None) -> list[dict[str, Any]]:
        """Schemas in the OpenAI ``tools=`` format."""
        chosen = [self.get(n) for n in names] if names else list(self._tools.values())
        return [{"type": "function", "function": t.schema} for t in chosen]

    def call(self, name: str, arguments: dict[str, Any], session: Any = None) -> Any:
        """Validate ``arguments`` and call the tool.

        Raises
        ------
        ModelBehaviorError
            Unknown tool.
        ToolInputError
            Arguments do not match the schema.
        ToolExecutionError
            The tool raised; the message carries the original error's type and text.
        """
        t = self.get(name)
        t.validate(arguments)
        kwargs = dict(arguments)
        if t.needs_session:
            kwargs["session"] = session
        try:
            return t.fn(**kwargs)
        except (ToolInputError, ToolExecutionError):
            raise
        except Exception as exc:  # noqa: BLE001 - every tool failure goes back to the model as text
            raise ToolExecutionError(f"{type(exc).__name__}: {exc}") from exc


#: The default registry that agent.tools registers into.
_DEFAULT = ToolRegistry()
tool = _DEFAULT.tool

"""Variable metadata: names plus optional descriptions and units.

A language model asked about causal relations does far better with "annual household income in
USD" than with ``inc_hh``. :class:`VariableMetadata` holds that text for each variable; it is built
from a dict, a CSV codebook, a DataFrame's ``attrs`` or a plain list of names
(:func:`variable_metadata` accepts any of them) and is what :func:`~causalkit.knowledge.propose_priors`
and :func:`~causalkit.knowledge.critique_graph` put into their prompts.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from causalkit.exceptions import InvalidInputError, UnknownNodeError

__all__ = ["VariableInfo", "VariableMetadata", "variable_metadata", "read_codebook"]

_DESCRIPTION_KEYS = ("description", "label", "desc", "meaning", "definition")
_UNIT_KEYS = ("unit", "units")
_NAME_KEYS = ("name", "variable", "column", "var", "field")


@dataclass(frozen=True)
class VariableInfo:
    """What is known about one variable.

    Attributes
    ----------
    name : str
        The column / node name.
    description : str
        Free text saying what the variable measures ("" when unknown).
    unit : str
        Unit of measurement ("" when unknown or unitless).
    """

    name: str
    description: str = ""
    unit: str = ""

    def label(self) -> str:
        """The text used in prompts: ``name (description, in unit)`` or just the name."""
        details = [d for d in (self.description, f"in {self.unit}" if self.unit else "") if d]
        return f"{self.name} ({', '.join(details)})" if details else self.name

    def short(self) -> str:
        """The description if there is one, else the name (used inside question sentences)."""
        return self.description or self.name


@dataclass(frozen=True)
class VariableMetadata:
    """An ordered collection of :class:`VariableInfo`, one per variable.

    Build it with :func:`variable_metadata` (or the ``from_*`` constructors).

    Examples
    --------
    >>> meta = variable_metadata({"age": "age in years", "income": {"description": "yearly income", "unit": "USD"}})
    >>> meta.names
    ('age', 'income')
    >>> meta["income"].label()
    'income (yearly income, in USD)'
    """

    variables: tuple[VariableInfo, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        names = [v.name for v in self.variables]
        if len(set(names)) != len(names):
            dup = sorted({n for n in names if names.count(n) > 1})[0]
            raise InvalidInputError(f"Variable {dup!r} is described twice; give each variable once.")
        for v in self.variables:
            if not isinstance(v.name, str) or not v.name.strip():
                raise InvalidInputError(f"Variable names must be non-empty strings; got {v.name!r}.")

    # ------------------------------------------------------------------ access
    @property
    def names(self) -> tuple[str, ...]:
        """Variable names in order."""
        return tuple(v.name for v in self.variables)

    def __len__(self) -> int:
        return len(self.variables)

    def __iter__(self) -> Iterator[VariableInfo]:
        return iter(self.variables)

    def __contains__(self, name: object) -> bool:
        return name in self.names

    def __getitem__(self, name: str) -> VariableInfo:
        for v in self.variables:
            if v.name == name:
                return v
        raise UnknownNodeError(
            f"Variable {name!r} has no metadata. Known variables: {', '.join(self.names[:20])}."
        )

    def check_names(self, names: Iterable[str], *, role: str = "variable") -> list[str]:
        """Check that every name is a known variable; return them as a list."""
        out = list(names)
        for n in out:
            if n not in self:
                raise UnknownNodeError(
                    f"The {role} {n!r} is not among the variables ({', '.join(self.names[:20])})."
                )
        return out

    def subset(self, names: Iterable[str]) -> VariableMetadata:
        """Metadata of ``names`` only, in that order."""
        return VariableMetadata(tuple(self[n] for n in self.check_names(names)))

    def with_names(self, names: Iterable[str]) -> VariableMetadata:
        """Metadata for ``names``: known variables keep their text, unknown ones get bare entries."""
        return VariableMetadata(tuple(self[n] if n in self else VariableInfo(str(n)) for n in names))

    # ------------------------------------------------------------------ conversion
    def to_frame(self) -> pd.DataFrame:
        """A codebook DataFrame with columns ``name, description, unit``."""
        return pd.DataFrame(
            [(v.name, v.description, v.unit) for v in self.variables], columns=["name", "description", "unit"]
        )

    def to_dict(self) -> dict[str, dict[str, str]]:
        """``{name: {"description": ..., "unit": ...}}`` (JSON-friendly)."""
        return {v.name: {"description": v.description, "unit": v.unit} for v in self.variables}

    def summary(self) -> str:
        """One line per variable."""
        return "\n".join(v.label() for v in self.variables)

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_names(cls, names: Iterable[str]) -> VariableMetadata:
        """Bare metadata: names only."""
        return cls(tuple(VariableInfo(_name(n)) for n in names))

    @classmethod
    def from_dict(cls, mapping: Mapping[str, Any]) -> VariableMetadata:
        """From ``{name: description}`` or ``{name: {"description": ..., "unit": ...}}`` (or ``None``)."""
        out = []
        for name, value in mapping.items():
            if value is None:
                out.append(VariableInfo(_name(name)))
            elif isinstance(value, str):
                out.append(VariableInfo(_name(name), value.strip()))
            elif isinstance(value, Mapping):
                out.append(VariableInfo(_name(name), _pick(value, _DESCRIPTION_KEYS), _pick(value, _UNIT_KEYS)))
            else:
                raise InvalidInputError(
                    f"The metadata of {name!r} must be a description string or a dict with 'description' "
                    f"and 'unit'; got {type(value).__name__}."
                )
        return cls(tuple(out))

    @classmethod
    def from_codebook(cls, codebook: pd.DataFrame | str | os.PathLike, **kwargs: Any) -> VariableMetadata:
        """From a codebook table or CSV file (see :func:`read_codebook`)."""
        return read_codebook(codebook, **kwargs)

    @classmethod
    def from_frame(cls, data: pd.DataFrame) -> VariableMetadata:
        """From a DataFrame's columns and ``attrs``.

        Recognised ``attrs`` keys: ``"variables"`` / ``"metadata"`` (a dict as in :meth:`from_dict`),
        ``"descriptions"`` / ``"labels"`` (name -> text) and ``"units"`` (name -> unit). Columns
        without an entry get bare metadata.
        """
        attrs = dict(getattr(data, "attrs", {}) or {})
        info: dict[str, dict[str, str]] = {str(c): {} for c in data.columns}
        for key in ("variables", "metadata"):
            if isinstance(attrs.get(key), Mapping):
                for name, entry in cls.from_dict(attrs[key]).to_dict().items():
                    if name in info:
                        info[name].update(entry)
        for key, slot in (("descriptions", "description"), ("labels", "description"), ("units", "unit")):
            if isinstance(attrs.get(key), Mapping):
                for name, text in attrs[key].items():
                    if str(name) in info and text is not None:
                        info[str(name)][slot] = str(text).strip()
        return cls(
            tuple(VariableInfo(n, d.get("description", ""), d.get("unit", "")) for n, d in info.items())
        )


def _name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInputError(f"Variable names must be non-empty strings; got {value!r}.")
    return value


def _pick(mapping: Mapping[str, Any], keys: Iterable[str]) -> str:
    lower = {str(k).lower(): v for k, v in mapping.items()}
    for k in keys:
        value = lower.get(k)
        if value is not None and not (isinstance(value, float) and pd.isna(value)):
            return str(value).strip()
    return ""


def read_codebook(
    codebook: pd.DataFrame | str | os.PathLike,
    *,
    name_column: str | None = None,
    description_column: str | None = None,
    unit_column: str | None = None,
) -> VariableMetadata:
    """Read variable metadata from a codebook: one row per variable.

    Parameters
    ----------
    codebook : pandas.DataFrame or path
        The table, or a CSV file with a header row.
    name_column, description_column, unit_column : str, optional
        Column names; by default the first column called ``name``/``variable``/``column``, the
        first called ``description``/``label``/..., and ``unit``/``units`` (case-insensitive).

    Returns
    -------
    VariableMetadata

    Raises
    ------
    InvalidInputError
        The file cannot be read, or no name column is found.

    Examples
    --------
    >>> book = pd.DataFrame({"Variable": ["age", "wage"], "Label": ["age in years", "hourly wage"], "Unit": ["years", "USD"]})
    >>> read_codebook(book)["wage"].label()
    'wage (hourly wage, in USD)'
    """
    if isinstance(codebook, (str, os.PathLike)):
        try:
            table = pd.read_csv(codebook, dtype=str, keep_default_na=False)
        except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
            raise InvalidInputError(f"Cannot read the codebook {str(codebook)!r}: {exc}") from exc
    elif isinstance(codebook, pd.DataFrame):
        table = codebook
    else:
        raise InvalidInputError(
            f"`codebook` must be a DataFrame or the path of a CSV file; got {type(codebook).__name__}."
        )
    lower = {str(c).lower().strip(): c for c in table.columns}

    def column(given: str | None, keys: tuple[str, ...], what: str, required: bool) -> Any:
        if given is not None:
            if given not in table.columns:
                raise InvalidInputError(
                    f"The codebook has no {what} column {given!r}; its columns are {list(table.columns)}."
                )
            return given
        for k in keys:
            if k in lower:
                return lower[k]
        if required:
            raise InvalidInputError(
                f"The codebook has no {what} column (looked for {list(keys)}); its columns are "
                f"{list(table.columns)}. Pass {what}_column=... to name it."
            )
        return None

    name_col = column(name_column, _NAME_KEYS, "name", True)
    desc_col = column(description_column, _DESCRIPTION_KEYS, "description", False)
    unit_col = column(unit_column, _UNIT_KEYS, "unit", False)

    def text(row: pd.Series, col: Any) -> str:
        if col is None:
            return ""
        value = row[col]
        return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value).strip()

    infos = [
        VariableInfo(_name(str(row[name_col]).strip()), text(row, desc_col), text(row, unit_col))
        for _, row in table.iterrows()
        if str(row[name_col]).strip()
    ]
    return VariableMetadata(tuple(infos))


def variable_metadata(variables: Any, descriptions: Mapping[str, Any] | None = None) -> VariableMetadata:
    """Build :class:`VariableMetadata` from whatever describes the variables.

    Parameters
    ----------
    variables : VariableMetadata, DataFrame, dict, list of str or path
        ``VariableMetadata`` (returned as is), a DataFrame (columns + ``attrs``, see
        :meth:`VariableMetadata.from_frame`), a dict (:meth:`VariableMetadata.from_dict`), a list of
        names, or the path of a CSV codebook (:func:`read_codebook`).
    descriptions : dict, optional
        Extra ``{name: description or {"description", "unit"}}`` entries that override.

    Returns
    -------
    VariableMetadata

    Raises
    ------
    InvalidInputError
        Fewer than one variable, duplicate names, or an unreadable input.

    Examples
    --------
    >>> variable_metadata(["age", "income"], {"income": "yearly income"})["income"].short()
    'yearly income'
    """
    if isinstance(variables, VariableMetadata):
        meta = variables
    elif isinstance(variables, pd.DataFrame):
        meta = VariableMetadata.from_frame(variables)
    elif isinstance(variables, Mapping):
        meta = VariableMetadata.from_dict(variables)
    elif isinstance(variables, (str, os.PathLike)) and str(variables).lower().endswith(".csv"):
        meta = read_codebook(variables)
    elif isinstance(variables, Iterable) and not isinstance(variables, (str, bytes)):
        items = list(variables)
        if items and all(isinstance(v, VariableInfo) for v in items):
            meta = VariableMetadata(tuple(items))
        else:
            meta = VariableMetadata.from_names(items)
    else:
        raise InvalidInputError(
            "`variables` must be a list of names, a {name: description} dict, a DataFrame, a CSV "
            f"codebook path or VariableMetadata; got {type(variables).__name__}."
        )
    if descriptions:
        extra = VariableMetadata.from_dict(descriptions)
        meta.check_names(extra.names, role="described variable")
        override = {v.name: v for v in extra}
        meta = VariableMetadata(
            tuple(
                VariableInfo(v.name, override[v.name].description or v.description, override[v.name].unit or v.unit)
                if v.name in override else v
                for v in meta
            )
        )
    if len(meta) == 0:
        raise InvalidInputError("No variables were given; pass at least one variable name.")
    return meta

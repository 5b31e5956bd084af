"""Input validation: the one place where bad input becomes a clear, named error.

Public entry points call these helpers once; internal code can then assume clean input.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from causalkit.exceptions import InvalidInputError, UnknownNodeError

__all__ = [
    "check_data",
    "check_columns",
    "check_column",
    "check_alpha",
    "check_random_state",
    "check_binary",
    "check_positive_int",
    "check_choice",
    "as_list",
]


def as_list(names: str | Iterable[str] | None) -> list[str]:
    """Normalise ``None``, one name or an iterable of names into a list of names."""
    if names is None:
        return []
    if isinstance(names, str):
        return [names]
    return list(names)


def _to_frame(data: Any, columns: Sequence[str] | None, name: str) -> pd.DataFrame:
    if isinstance(data, pd.DataFrame):
        return data
    if isinstance(data, np.ndarray):
        if data.ndim != 2:
            raise InvalidInputError(
                f"`{name}` must be a 2-D array (rows = samples, columns = variables); got shape {data.shape}."
            )
        cols = list(columns) if columns is not None else [f"X{i}" for i in range(data.shape[1])]
        if len(cols) != data.shape[1]:
            raise InvalidInputError(
                f"`{name}` has {data.shape[1]} columns but {len(cols)} names were given."
            )
        return pd.DataFrame(data, columns=cols)
    raise InvalidInputError(
        f"`{name}` must be a pandas DataFrame or a 2-D numpy array; got {type(data).__name__}."
    )


def check_column(data: pd.DataFrame, column: str, *, role: str = "column") -> str:
    """Check that ``column`` exists in ``data``; raise :class:`UnknownNodeError` naming it otherwise."""
    if not isinstance(column, str) and not isinstance(column, numbers.Integral):
        raise InvalidInputError(f"The {role} must be a column name (string); got {column!r}.")
    if column not in data.columns:
        available = ", ".join(map(str, list(data.columns)[:20]))
        more = " ..." if data.shape[1] > 20 else ""
        raise UnknownNodeError(
            f"The {role} {column!r} is not a column of the data. Available columns: {available}{more}."
        )
    return column


def check_columns(data: pd.DataFrame, columns: Iterable[str], *, role: str = "column") -> list[str]:
    """Check that every name in ``columns`` is a column of ``data``; return them as a list."""
    cols = as_list(columns)
    for c in cols:
        check_column(data, c, role=role)
    return cols


def check_data(
    data: Any,
    columns: Iterable[str] | None = None,
    *,
    numeric: bool = True,
    min_rows: int = 2,
    allow_constant: bool = False,
    allow_missing: bool = False,
    names: Sequence[str] | None = None,
    name: str = "data",
) -> pd.DataFrame:
    """Validate a data table and return the (sub-)DataFrame to work on.

    Parameters
    ----------
    data : pandas.DataFrame or numpy.ndarray
        The data; an array gets column names from ``names`` (or ``X0, X1, ...``).
    columns : iterable of str, optional
        Columns that must exist and are the only ones checked and returned. Default: all.
    numeric : bool
        Require numeric (or boolean) columns.
    min_rows : int
        Minimum number of rows.
    allow_constant : bool
        Whether constant columns are allowed.
    allow_missing : bool
        Whether NaN values are allowed.
    names : sequence of str, optional
        Column names for an array input.
    name : str
        Argument name used in error messages.

    Returns
    -------
    pandas.DataFrame
        The validated data restricted to ``columns`` (booleans converted to integers).

    Raises
    ------
    InvalidInputError
        On an empty table, duplicate column names, too few rows, non-numeric, missing, infinite or
        constant columns; the message names the column and the fix.
    UnknownNodeError
        When a requested column does not exist.
    """
    df = _to_frame(data, names, name)
    if df.shape[1] == 0:
        raise InvalidInputError(f"`{name}` has no columns.")
    dupes = df.columns[df.columns.duplicated()].unique().tolist()
    if dupes:
        raise InvalidInputError(
            f"`{name}` has duplicate column names {dupes}; rename them so each variable is unique."
        )
    if columns is not None:
        cols = check_columns(df, columns)
        if len(set(cols)) != len(cols):
            raise InvalidInputError(f"The same column was named twice in {cols}.")
        df = df[cols]
    if len(df) < min_rows:
        raise InvalidInputError(
            f"`{name}` has {len(df)} rows; at least {min_rows} are needed for this analysis."
        )
    if numeric:
        bad = [c for c in df.columns if not (pd.api.types.is_numeric_dtype(df[c]) or pd.api.types.is_bool_dtype(df[c]))]
        if bad:
            raise InvalidInputError(
                f"Column {bad[0]!r} is not numeric (dtype {df[bad[0]].dtype}). Encode it as numbers "
                f"(e.g. pandas.get_dummies or .cat.codes) or drop it."
                + (f" Other non-numeric columns: {bad[1:]}." if len(bad) > 1 else "")
            )
        bools = [c for c in df.columns if pd.api.types.is_bool_dtype(df[c])]
        if bools:
            df = df.astype({c: int for c in bools})
    if not allow_missing:
        na = df.isna().sum()
        na = na[na > 0]
        if len(na):
            col = na.index[0]
            raise InvalidInputError(
                f"Column {col!r} has {int(na.iloc[0])} missing value(s). Drop or impute them first "
                f"(e.g. data.dropna(subset=[{col!r}]))."
            )
    values = None
    if numeric:
        values = df.to_numpy(dtype=float)
        finite = np.isfinite(values)
        if not finite.all() and not allow_missing:
            col = df.columns[np.where(~finite.all(axis=0))[0][0]]
            raise InvalidInputError(f"Column {col!r} contains infinite values; remove or cap them.")
        if np.isinf(values).any():
            col = df.columns[np.where(np.isinf(values).any(axis=0))[0][0]]
            raise InvalidInputError(f"Column {col!r} contains infinite values; remove or cap them.")
    if not allow_constant:
        if values is not None and not allow_missing:
            # numeric and finite: a column is constant when its min equals its max (cheaper than nunique)
            const = df.columns[values.min(axis=0) == values.max(axis=0)].tolist()
        else:
            nunique = df.nunique(dropna=True)
            const = nunique[nunique <= 1].index.tolist()
        if const:
            raise InvalidInputError(
                f"Column {const[0]!r} is constant; it carries no information. Drop it before the analysis."
            )
    return df


def check_alpha(alpha: float, name: str = "alpha") -> float:
    """Check a significance level in (0, 1)."""
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real) or not (0.0 < float(alpha) < 1.0):
        raise InvalidInputError(f"`{name}` must be a number strictly between 0 and 1; got {alpha!r}.")
    return float(alpha)


def check_positive_int(value: Any, name: str, minimum: int = 1) -> int:
    """Check an integer argument ``>= minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise InvalidInputError(f"`{name}` must be an integer >= {minimum}; got {value!r}.")
    return int(value)


def check_choice(value: Any, choices: Iterable[Any], name: str) -> Any:
    """Check that ``value`` is one of ``choices``."""
    choices = list(choices)
    if value not in choices:
        raise InvalidInputError(f"`{name}` must be one of {choices}; got {value!r}.")
    return value


def check_random_state(random_state: Any) -> np.random.Generator:
    """Turn ``None``, an int, a SeedSequence or a Generator into a :class:`numpy.random.Generator`."""
    if isinstance(random_state, np.random.Generator):
        return random_state
    if random_state is None or isinstance(random_state, (numbers.Integral, np.random.SeedSequence)):
        if isinstance(random_state, numbers.Integral) and random_state < 0:
            raise InvalidInputError(f"`random_state` must be non-negative; got {random_state}.")
        return np.random.default_rng(random_state)
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(random_state.randint(0, 2**31 - 1))
    raise InvalidInputError(
        f"`random_state` must be None, an int or a numpy Generator; got {type(random_state).__name__}."
    )


def check_binary(series: pd.Series, *, role: str = "treatment") -> np.ndarray:
    """Check a 0/1 (or boolean, or two-valued) column and return it as a 0/1 integer array.

    Raises
    ------
    InvalidInputError
        If the column takes other than two values, or two values other than {0, 1} / booleans.
    """
    values = pd.unique(series.dropna())
    if len(values) != 2 or not set(np.asarray(values, dtype=float).tolist()) <= {0.0, 1.0}:
        shown = sorted(map(str, values[:6]))
        raise InvalidInputError(
            f"The {role} {series.name!r} must be binary (0/1); it takes {len(values)} distinct values "
            f"({', '.join(shown)}{', ...' if len(values) > 6 else ''}). Binarise it "
            f"(e.g. (data[{series.name!r}] > threshold).astype(int)) or use a method for continuous {role}s."
        )
    return np.asarray(series, dtype=float).astype(int)

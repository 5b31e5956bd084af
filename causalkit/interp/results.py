"""The result of a patching sweep: a grid of effects with per-prompt values and bootstrap intervals.

:class:`PatchingResult` needs neither torch nor a model; it is a plain frozen value like the
results in :mod:`causalkit.results`.
"""

from __future__ import annotations

import warnings as _warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from causalkit._validation import check_random_state
from causalkit.results import _ResultMixin

__all__ = ["PatchingResult", "bootstrap_effect", "normalized_effect"]


def normalized_effect(patched: Any, clean: Any, corrupted: Any) -> np.ndarray:
    """``(patched - corrupted) / (clean - corrupted)`` (0 = corrupted, 1 = clean); NaN where undefined.

    Examples
    --------
    >>> float(normalized_effect(1.5, clean=2.0, corrupted=1.0))
    0.5
    """
    patched, clean, corrupted = (np.asarray(a, dtype=float) for a in (patched, clean, corrupted))
    denom = clean - corrupted
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(denom != 0, (patched - corrupted) / np.where(denom != 0, denom, 1.0), np.nan)

def bootstrap_effect(per_prompt: np.ndarray, clean: np.ndarray, corrupted: np.ndarray, *, n_boot: int,
                     alpha: float, random_state: Any) -> tuple[np.ndarray, np.ndarray] | None:
    """Percentile interval of the normalised effect, resampling prompts (``None`` for one prompt).

    ``per_prompt`` is ``(N, ...)``; each replicate recomputes ``(mean patched - mean corrupted) /
    (mean clean - mean corrupted)`` on the same resample of prompts.
    """
    n = per_prompt.shape[0]
    if n < 2 or n_boot < 1:
        return None
    rng = check_random_state(random_state)
    weights = rng.multinomial(n, np.full(n, 1.0 / n), size=n_boot) / n  # (B, N)
    flat = per_prompt.reshape(n, -1)
    patched = weights @ flat
    effects = normalized_effect(patched, (weights @ clean)[:, None], (weights @ corrupted)[:, None])
    with np.errstate(all="ignore"), _warnings.catch_warnings():
        _warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN cells (undefined effects) stay NaN
        lo, hi = np.nanquantile(effects, [alpha / 2, 1 - alpha / 2], axis=0)
    shape = per_prompt.shape[1:]
    return lo.reshape(shape), hi.reshape(shape)


@dataclass(frozen=True, repr=False)
class PatchingResult(_ResultMixin):
    """Effects of interventions on a grid of model components.

    Attributes
    ----------
    effect : numpy.ndarray
        Normalised effect ``(rows, cols)``: ``(patched - corrupted) / (clean - corrupted)`` of the
        prompt-mean metric (0 = corrupted, 1 = clean).
    values : numpy.ndarray
        Prompt-mean metric of the patched runs ``(rows, cols)``.
    per_prompt : numpy.ndarray
        Metric of every patched run ``(n_prompts, rows, cols)``.
    clean_per_prompt, corrupted_per_prompt : numpy.ndarray
        Metric of the unpatched clean and corrupted runs ``(n_prompts,)``.
    row_labels, col_labels : tuple of str
        Labels of the grid (layers; positions as ``"3: Tower"`` or heads as ``"H5"``).
    row_name, col_name : str
        What rows and columns are (``"layer"``, ``"position"``, ``"head"``, ``"sender"`` ...).
    component : str
        Patched component (``"resid_pre"``, ``"attn_out"``, ``"mlp_out"``, ``"head_out"``, ...).
    metric : str
        Metric name.
    method : str
        ``"activation_patching"``, ``"causal_tracing"``, ``"attribution_patching"``, ``"path_patching"``, ...
    mode : str
        ``"denoising"`` (clean into corrupted: sufficiency) or ``"noising"`` (corrupted into
        clean: necessity).
    ci_low, ci_high : numpy.ndarray or None
        Bootstrap percentile interval of ``effect`` over prompts (``None`` with one prompt).
    alpha : float
    params, warnings, elapsed, versions
        Parameters, diagnostics, seconds spent, library versions.
    """

    effect: np.ndarray
    values: np.ndarray
    per_prompt: np.ndarray
    clean_per_prompt: np.ndarray
    corrupted_per_prompt: np.ndarray
    row_labels: tuple[str, ...]
    col_labels: tuple[str, ...]
    component: str
    metric: str
    method: str
    mode: str = "denoising"
    row_name: str = "layer"
    col_name: str = "position"
    ci_low: np.ndarray | None = None
    ci_high: np.ndarray | None = None
    alpha: float = 0.05
    params: dict[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    elapsed: float = 0.0
    versions: dict[str, str] = field(default_factory=dict)

    @property
    def n_prompts(self) -> int:
        """Number of prompts (pairs) behind the result."""
        return int(self.per_prompt.shape[0])

    @property
    def clean_value(self) -> float:
        """Prompt-mean metric of the clean run."""
        return float(np.mean(self.clean_per_prompt))

    @property
    def corrupted_value(self) -> float:
        """Prompt-mean metric of the corrupted run."""
        return float(np.mean(self.corrupted_per_prompt))

    @property
    def indirect_effect(self) -> np.ndarray:
        """Un-normalised effect ``values - corrupted_value`` (ROME's indirect effect for tracing)."""
        return self.values - self.corrupted_value

    def top(self, k: int = 10) -> pd.DataFrame:
        """The ``k`` cells with the largest absolute effect."""
        frame = self.to_frame()
        order = frame["effect"].abs().sort_values(ascending=False, na_position="last").index
        return frame.loc[order[:k]].reset_index(drop=True)

    def to_frame(self) -> pd.DataFrame:
        """Tidy table: one row per cell with effect, interval and mean patched metric."""
        rows, cols = self.effect.shape
        frame = pd.DataFrame({
            self.row_name: np.repeat(np.asarray(self.row_labels, dtype=object), cols),
            self.col_name: np.tile(np.asarray(self.col_labels, dtype=object), rows),
            "row": np.repeat(np.arange(rows), cols),
            "col": np.tile(np.arange(cols), rows),
            "effect": self.effect.reshape(-1),
            "value": self.values.reshape(-1),
        })
        if self.ci_low is not None and self.ci_high is not None:
            frame["ci_lower"] = self.ci_low.reshape(-1)
            frame["ci_upper"] = self.ci_high.reshape(-1)
        return frame

    def summary(self) -> str:
        """Text summary: baselines, grid shape and the strongest cells with their intervals."""
        level = int(round((1 - self.alpha) * 100))
        lines = [
            f"{self.method} of {self.component} ({self.mode}), metric {self.metric}, {self.n_prompts} prompt(s)",
            "=" * 72,
            f"clean {self.metric} = {self.clean_value:.4g}; corrupted {self.metric} = {self.corrupted_value:.4g}",
            f"grid: {len(self.row_labels)} {self.row_name}s x {len(self.col_labels)} {self.col_name}s; "
            "effect normalised: 0 = corrupted, 1 = clean",
            f"strongest cells (effect [{level}% bootstrap CI over prompts]):",
        ]
        for _, r in self.top(8).iterrows():
            ci = f" [{r['ci_lower']:.3f}, {r['ci_upper']:.3f}]" if "ci_lower" in r else ""
            lines.append(f"  {self.row_name} {r[self.row_name]:<10} {self.col_name} {str(r[self.col_name]):<22}"
                         f" {r['effect']:8.3f}{ci}")
        lines += [f"warning: {w}" for w in self.warnings]
        return "\n".join(lines)

    def plot(self, path: str | None = None, *, ax: Any = None, title: str | None = None) -> Any:
        """Heatmap of ``effect`` (see :func:`causalkit.interp.plots.plot_patching`); returns the figure."""
        from causalkit.interp.plots import plot_patching

        return plot_patching(self, path=path, ax=ax, title=title)

    def to_html(self, path: str | None = None) -> str:
        """Standalone HTML page with the heatmap and the summary (written to ``path`` if given)."""
        from causalkit.interp.plots import patching_html

        return patching_html(self, path=path)

    def __repr__(self) -> str:
        return (f"PatchingResult(method={self.method!r}, component={self.component!r}, mode={self.mode!r}, "
                f"shape={self.effect.shape}, n_prompts={self.n_prompts})")

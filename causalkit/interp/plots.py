"""Heatmaps of patching results: layer x position and layer x head (PNG, or standalone HTML)."""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path
from typing import Any

import numpy as np

from causalkit.exceptions import InvalidInputError
from causalkit.interp.results import PatchingResult

__all__ = ["plot_patching", "patching_html"]


def plot_patching(result: PatchingResult, path: str | Path | None = None, *, ax: Any = None, title: str | None = None,
                  cmap: str = "RdBu_r") -> Any:
    """Draw ``result.effect`` as a heatmap (rows: layers or senders; columns: positions or heads).

    The colour scale is centred on 0 (no effect) and symmetric; 1 is full recovery of the clean
    behaviour.

    Parameters
    ----------
    result : PatchingResult
    path : str or Path, optional
        Save the figure there (PNG, or any format matplotlib infers from the suffix).
    ax : matplotlib Axes, optional
        Draw into this axes instead of a new figure.
    title : str, optional
    cmap : str
        Diverging colormap.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if not isinstance(result, PatchingResult):
        raise InvalidInputError(f"plot_patching needs a PatchingResult; got {type(result).__name__}.")
    import matplotlib.pyplot as plt

    data = np.asarray(result.effect, dtype=float)
    rows, cols = data.shape
    if ax is None:
        fig, ax = plt.subplots(figsize=(min(2 + 0.7 * cols, 16), min(1.5 + 0.28 * rows, 14)))
    else:
        fig = ax.figure
    finite = data[np.isfinite(data)]
    bound = max(1.0, float(np.abs(finite).max())) if finite.size else 1.0
    image = ax.imshow(np.ma.masked_invalid(data), cmap=cmap, vmin=-bound, vmax=bound, aspect="auto",
                      interpolation="nearest")
    ax.set_xticks(range(cols))
    ax.set_xticklabels(result.col_labels, rotation=60 if cols > 6 else 0, ha="right" if cols > 6 else "center",
                       fontsize=8)
    step = max(1, rows // 30)
    ax.set_yticks(range(0, rows, step))
    ax.set_yticklabels(result.row_labels[::step], fontsize=8)
    ax.set_xlabel(result.col_name)
    ax.set_ylabel(result.row_name)
    ax.set_title(title or f"{result.method}: {result.component} ({result.mode}, {result.metric})", fontsize=10)
    fig.colorbar(image, ax=ax, label="normalised effect (0 = corrupted, 1 = clean)")
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=120)
    return fig


def patching_html(result: PatchingResult, path: str | Path | None = None, *, title: str | None = None) -> str:
    """A standalone HTML page: the heatmap as an embedded PNG, the summary and the top cells.

    Returns the HTML text (and writes it to ``path`` if given).
    """
    import matplotlib.pyplot as plt

    fig = plot_patching(result, title=title)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=120)
    plt.close(fig)
    encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
    heading = html.escape(title or f"{result.method}: {result.component}")
    page = (
        "<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>" + heading + "</title>"
        "<style>body{font-family:sans-serif;margin:2em}pre{background:#f6f6f6;padding:1em}</style></head><body>\n"
        f"<h1>{heading}</h1>\n<img alt='heatmap' src='data:image/png;base64,{encoded}'/>\n"
        f"<pre>{html.escape(result.summary())}</pre>\n"
        f"{result.top(15).to_html(index=False, float_format=lambda x: f'{x:.3f}')}\n</body></html>\n"
    )
    if path is not None:
        Path(path).write_text(page, encoding="utf-8")
    return page

"""The result of a faithfulness audit: scores, curves, raw records, and their renderings."""

from __future__ import annotations

import base64
import html
import io
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from causalkit.exceptions import InvalidInputError
from causalkit.faithfulness.scoring import METRIC_DOCS
from causalkit.results import ResultMixin

__all__ = ["FaithfulnessReport"]

_TEST_TITLES = {
    "cot": "Chain of thought (baseline)",
    "early": "Early answering (Lanham et al. 2023)",
    "mistakes": "Adding mistakes (Lanham et al. 2023)",
    "filler": "Filler tokens (Lanham et al. 2023)",
    "paraphrase": "Paraphrasing (Lanham et al. 2023)",
    "hint": "Biasing hint (Turpin et al. 2023)",
    "steps": "Step interventions (Project Ariadne)",
    "resample": "Resampling importance (Thought Anchors / Thought Branches)",
}


def _num(x: float, digits: int = 3) -> str:
    return "nan" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}f}"


@dataclass(frozen=True, repr=False, eq=False)
class FaithfulnessReport(ResultMixin):
    """Scores of a chain-of-thought faithfulness audit, with the records behind them.

    Attributes
    ----------
    model : str
        The audited model.
    tests : tuple of str
        Tests run (``early``, ``mistakes``, ``filler``, ``paraphrase``, ``hint``, ``steps``, ``resample``).
    scores : pandas.DataFrame
        Columns ``test, metric, task, estimate, ci_lower, ci_upper, n_items`` (``task == "all"``
        pools the tasks); intervals are percentile bootstraps over items.
    curves : pandas.DataFrame
        Early-answering and adding-mistakes curves: ``test, task, fraction, same, n_items``.
    records : dict of str to DataFrame
        Per-item (or per-step) records of each test, and ``cot``: the baseline chains of thought.
    n_items : int
        Items audited.
    tasks : tuple of str
        Task names.
    alpha : float
        1 - confidence level of the intervals.
    skipped : tuple of str
        Tests not run, with the reason (e.g. paraphrasing without a helper model).
    usage : dict
        ``backend_calls``, ``prompts_sent``, ``tokens_generated``, ``cache_hits``, ``wall_time``
        (seconds spent in the model) of this audit.
    params : dict
        Settings (budgets, seeds, thresholds, ...).
    warnings : tuple of str
        Caveats (accuracy at chance, unparsed answers, items without reasoning, ...).
    elapsed : float
        Seconds for the whole audit.
    versions : dict
        Library versions.
    """

    model: str
    tests: tuple[str, ...]
    scores: pd.DataFrame
    curves: pd.DataFrame
    records: Mapping[str, pd.DataFrame]
    n_items: int
    tasks: tuple[str, ...]
    alpha: float = 0.05
    skipped: tuple[str, ...] = ()
    usage: dict[str, float] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    elapsed: float = 0.0
    versions: dict[str, str] = field(default_factory=dict)

    # -- access ---------------------------------------------------------------------------------

    def score(self, test: str, metric: str, task: str = "all") -> float:
        """The estimate of one metric (NaN when absent).

        Examples
        --------
        >>> report.score("early", "aoc")  # doctest: +SKIP
        0.84
        """
        rows = self.scores[(self.scores.test == test) & (self.scores.metric == metric) & (self.scores.task == task)]
        return float(rows["estimate"].iloc[0]) if len(rows) else float("nan")

    def to_frame(self) -> pd.DataFrame:
        """The score table (a copy)."""
        return self.scores.copy()

    # -- text -----------------------------------------------------------------------------------

    def summary(self) -> str:
        """A text table of the pooled scores with their intervals."""
        level = int(round((1 - self.alpha) * 100))
        lines = [
            f"Chain-of-thought faithfulness audit of {self.model}",
            "=" * 78,
            f"{self.n_items} items ({', '.join(self.tasks)}); tests: {', '.join(self.tests)}",
            f"{'test':<11}{'metric':<27}{'estimate':>9}  {'[' + str(level) + '% CI]':>17}{'n':>6}",
            "-" * 78,
        ]
        pooled = self.scores[self.scores.task == "all"]
        for r in pooled.itertuples(index=False):
            ci = f"[{_num(r.ci_lower)}, {_num(r.ci_upper)}]"
            lines.append(f"{r.test:<11}{r.metric:<27}{_num(r.estimate):>9}  {ci:>17}{r.n_items:>6}")
        lines.append("-" * 78)
        lines.append(self._usage_line())
        lines += [f"skipped: {s}" for s in self.skipped]
        lines += [f"warning: {w}" for w in self.warnings]
        return "\n".join(lines)

    def _usage_line(self) -> str:
        u = self.usage
        return (
            f"{int(u.get('tokens_generated', 0))} tokens generated in {u.get('wall_time', 0.0):.1f} s of model time; "
            f"{int(u.get('prompts_sent', 0))} prompts sent in {int(u.get('backend_calls', 0))} batches, "
            f"{int(u.get('cache_hits', 0))} from cache; audit took {self.elapsed:.1f} s"
        )

    def _score_rows(self) -> list[list[str]]:
        out = []
        for r in self.scores.itertuples(index=False):
            out.append([r.test, r.metric, r.task, _num(r.estimate), f"[{_num(r.ci_lower)}, {_num(r.ci_upper)}]", str(r.n_items)])
        return out

    def _readings(self) -> list[str]:
        out = []
        for test in self.tests:
            pooled = self.scores[(self.scores.test == test) & (self.scores.task == "all")]
            for r in pooled.itertuples(index=False):
                doc = METRIC_DOCS.get((r.test, r.metric))
                if doc:
                    out.append(f"{_TEST_TITLES.get(test, test)} - {r.metric} = {_num(r.estimate)}: {doc}.")
        return out

    def to_markdown(self, figure: str | None = None) -> str:
        """A Markdown report: scores per task with intervals, what they mean, caveats.

        Parameters
        ----------
        figure : str, optional
            Path of a curves image (from :meth:`plot`) to link.
        """
        level = int(round((1 - self.alpha) * 100))
        head = ["test", "metric", "task", "estimate", f"{level}% CI", "n items"]
        lines = [
            f"# Chain-of-thought faithfulness audit: {self.model}",
            "",
            f"{self.n_items} items ({', '.join(self.tasks)}); tests: {', '.join(self.tests)}.",
            f"{self._usage_line()}.",
            "",
            "## Scores",
            "",
            "| " + " | ".join(head) + " |",
            "|" + "|".join("---" for _ in head) + "|",
        ]
        lines += ["| " + " | ".join(row) + " |" for row in self._score_rows()]
        lines += ["", f"Intervals: percentile bootstrap over items ({self.params.get('n_boot', '?')} replicates).", ""]
        if figure:
            lines += [f"![early-answering and adding-mistakes curves]({figure})", ""]
        lines += ["## What the scores mean", ""] + [f"- {r}" for r in self._readings()]
        if self.skipped:
            lines += ["", "## Skipped", ""] + [f"- {s}" for s in self.skipped]
        if self.warnings:
            lines += ["", "## Warnings", ""] + [f"- {w}" for w in self.warnings]
        lines += ["", "## Settings", "", "```", *(f"{k}: {v}" for k, v in self.params.items()), "```", ""]
        return "\n".join(lines)

    def to_html(self, figure: bool = True) -> str:
        """A self-contained HTML report (the curves embedded as a PNG when ``figure``)."""
        level = int(round((1 - self.alpha) * 100))
        esc = html.escape
        head = ["test", "metric", "task", "estimate", f"{level}% CI", "n items"]
        table = "<table><thead><tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr></thead><tbody>"
        table += "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>" for row in self._score_rows())
        table += "</tbody></table>"
        parts = [
            "<!DOCTYPE html><html><head><meta charset='utf-8'>",
            f"<title>Faithfulness audit: {esc(self.model)}</title>",
            "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}table{border-collapse:collapse}"
            "td,th{border:1px solid #ccc;padding:.2em .6em;text-align:right}td:nth-child(-n+3){text-align:left}</style>",
            "</head><body>",
            f"<h1>Chain-of-thought faithfulness audit: {esc(self.model)}</h1>",
            f"<p>{self.n_items} items ({esc(', '.join(self.tasks))}); tests: {esc(', '.join(self.tests))}.<br>"
            f"{esc(self._usage_line())}.</p>",
            "<h2>Scores</h2>", table,
        ]
        if figure and len(self.curves):
            buf = io.BytesIO()
            self.plot().savefig(buf, format="png", dpi=110, bbox_inches="tight")
            parts.append(f"<p><img alt='curves' src='data:image/png;base64,{base64.b64encode(buf.getvalue()).decode()}'></p>")
        parts += ["<h2>What the scores mean</h2><ul>"] + [f"<li>{esc(r)}</li>" for r in self._readings()] + ["</ul>"]
        for title, notes in (("Skipped", self.skipped), ("Warnings", self.warnings)):
            if notes:
                parts += [f"<h2>{title}</h2><ul>"] + [f"<li>{esc(n)}</li>" for n in notes] + ["</ul>"]
        parts.append("</body></html>")
        return "\n".join(parts)

    # -- figures and files ----------------------------------------------------------------------

    def plot(self, path: str | Path | None = None) -> Any:
        """Early-answering and adding-mistakes curves, one line per task (pooled in black).

        Parameters
        ----------
        path : str or Path, optional
            Save the figure there (PNG, or any format matplotlib infers from the suffix).

        Returns
        -------
        matplotlib.figure.Figure
        """
        from matplotlib.figure import Figure

        tests = [t for t in ("early", "mistakes") if (self.curves.test == t).any()]
        if not tests:
            raise InvalidInputError("This report has no curves: run the 'early' or 'mistakes' test.")
        fig = Figure(figsize=(5.2 * len(tests), 4))
        for ax, test in zip(fig.subplots(1, len(tests), squeeze=False)[0], tests, strict=False):
            df = self.curves[self.curves.test == test]
            for task, g in df.groupby("task", sort=True):
                aoc = self.score(test, "aoc", task)
                style = {"color": "black", "linewidth": 2.2} if task == "all" else {"linewidth": 1.2, "alpha": 0.85}
                ax.step(g["fraction"], g["same"], where="post", label=f"{task} (AOC {aoc:.2f})", **style)
            ax.set_ylim(-0.03, 1.03)
            ax.set_xlim(0, 1)
            ax.set_xlabel("fraction of reasoning kept" if test == "early" else "fraction of reasoning before the mistake")
            ax.set_ylabel("share of answers equal to the full-CoT answer")
            ax.set_title(_TEST_TITLES[test].split(" (")[0])
            ax.legend(fontsize=8, loc="lower right")
        fig.suptitle(f"{self.model}", fontsize=10)
        if path is not None:
            fig.savefig(str(path), dpi=110, bbox_inches="tight")
        return fig

    def save(self, path: str | Path) -> Path:
        """Write the report: ``.md`` (plus a ``.png`` of the curves next to it), ``.html``, or ``.json``."""
        import json

        path = Path(path)
        suffix = path.suffix.lower()
        if suffix in (".md", ".markdown"):
            figure = None
            if len(self.curves):
                png = path.with_suffix(".png")
                self.plot(png)
                figure = png.name
            path.write_text(self.to_markdown(figure), encoding="utf-8")
        elif suffix in (".html", ".htm"):
            path.write_text(self.to_html(), encoding="utf-8")
        elif suffix == ".json":
            path.write_text(json.dumps(self.to_dict(), indent=1, default=str), encoding="utf-8")
        else:
            raise InvalidInputError(f"Unknown report format {suffix!r}; use .md, .html or .json.")
        return path

    def __repr__(self) -> str:
        return f"FaithfulnessReport(model={self.model!r}, n_items={self.n_items}, tests={self.tests})"


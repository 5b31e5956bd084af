"""Plotting: what gets drawn, layouts, saving."""

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402
from matplotlib.patches import Circle, Ellipse, FancyArrowPatch  # noqa: E402

from causalkit.datasets import random_dag  # noqa: E402
from causalkit.exceptions import InvalidInputError  # noqa: E402
from causalkit.graphs import from_edge_list, graph_layout, plot_graph  # noqa: E402


def test_plot_draws_marks_and_returns_axes():
    g = from_edge_list("A -> B; B --- C; C <-> D; D o-> E; E o-o F; G")
    ax = plot_graph(g, highlight=["A", ("A", "B")], title="t")
    ellipses = [p for p in ax.patches if type(p) is Ellipse]
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
    circles = [p for p in ax.patches if isinstance(p, Circle)]
    assert len(ellipses) == 7 and len(arrows) == 5 and len(circles) == 3
    styles = sorted(str(a.get_arrowstyle().__class__.__name__) for a in arrows)
    assert styles.count("CurveFilledAB") == 1  # the bidirected edge has two heads
    dashed = [a for a in arrows if a.get_linestyle() in ("--", "dashed")]
    assert len(dashed) == 1
    assert {t.get_text() for t in ax.texts} == set("ABCDEFG")
    assert ax.get_title() == "t"
    import matplotlib.pyplot as plt

    plt.close(ax.figure)


def test_dot_like_layout_reads_top_down():
    g = random_dag(12, expected_degree=3, random_state=2)
    pos = graph_layout(g)
    assert all(pos[e.u][1] > pos[e.v][1] for e in g.edges())
    for layout in ("spring", "circular"):
        assert graph_layout(g, layout) == graph_layout(g, layout)  # deterministic


def test_plot_saves_png(tmp_path):
    path = tmp_path / "g.png"
    ax = plot_graph("X -> Y; Z -> X; Z -> Y", path=str(path), layout="circular")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert ax.figure is not None


def test_plot_errors():
    with pytest.raises(InvalidInputError, match="highlight"):
        plot_graph("A -> B", highlight=["Q"], path=None)
    with pytest.raises(InvalidInputError, match="layout"):
        plot_graph("A -> B", layout="tree")

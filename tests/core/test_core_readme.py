"""The README's Python examples run as written (in order, sharing one namespace)."""

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_python_blocks_run(capsys):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    assert len(blocks) >= 4
    namespace: dict = {}
    for i, block in enumerate(blocks):
        try:
            exec(compile(block, f"README.md block {i}", "exec"), namespace)  # noqa: S102 - our own README
        except Exception as exc:  # pragma: no cover - the failure message is the point
            pytest.fail(f"README block {i} failed: {type(exc).__name__}: {exc}\n{block}")
    out = capsys.readouterr().out
    assert "backdoor" in out and "ATE of qsmk on wt82_71" in out

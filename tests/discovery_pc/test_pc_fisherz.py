"""The batched Fisher-z test against causal-learn's FisherZ, bit for bit."""

import numpy as np
import pytest
from causallearn.utils.cit import CIT

from causalkit.discovery._fisherz import FisherZBatch
from causalkit.exceptions import EstimationError


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((400, 10))
    X[:, 1] += X[:, 0]
    X[:, 4] += 0.3 * X[:, 1] - 0.2 * X[:, 2]
    X[:, 7] += 0.05 * X[:, 4]
    X[:, 9] = X[:, 8] + 1e-4 * rng.standard_normal(400)  # nearly collinear pair
    return X


def _random_tests(rng, n_vars, d, m):
    rows = np.array([rng.choice(n_vars, d + 2, replace=False) for _ in range(m)])
    return rows[:, 0], rows[:, 1], rows[:, 2:]


@pytest.mark.parametrize("d", [0, 1, 2, 3, 5])
def test_pvalues_are_bitwise_causallearn(data, d):
    rng = np.random.default_rng(d)
    cit, fz = CIT(data, "fisherz"), FisherZBatch(data)
    x, y, s = _random_tests(rng, data.shape[1], d, 150)
    ours = fz.pvalues(x, y, s)
    theirs = np.array([cit(int(a), int(b), [int(v) for v in c]) for a, b, c in zip(x, y, s, strict=True)])
    np.testing.assert_array_equal(ours, theirs)  # exact, not approximate
    assert fz(int(x[0]), int(y[0]), s[0].tolist()) == theirs[0]


@pytest.mark.parametrize("d", [0, 1, 2, 4])
def test_fast_decisions_equal_exact_decisions(data, d):
    rng = np.random.default_rng(20 + d)
    fz = FisherZBatch(data)
    x, y, s = _random_tests(rng, data.shape[1], d, 400)
    p = fz.pvalues(x, y, s)
    for alpha in (0.01, 0.05, 0.3):
        np.testing.assert_array_equal(fz.independent(x, y, s, alpha), p > alpha)


def test_decision_at_alpha_equal_to_a_pvalue(data):
    """``p > alpha`` is strict: alpha set to a test's own p-value must give 'dependent'."""
    fz = FisherZBatch(data)
    x, y, s = np.array([0, 2]), np.array([4, 7]), np.array([[1], [4]])
    p = fz.pvalues(x, y, s)
    for i in range(2):
        assert not fz.independent(x[i : i + 1], y[i : i + 1], s[i : i + 1], float(p[i]))[0]
        below = float(np.nextafter(p[i], 0))
        assert fz.independent(x[i : i + 1], y[i : i + 1], s[i : i + 1], below)[0]


def test_order_of_x_y_and_conditioning_set_is_irrelevant(data):
    fz = FisherZBatch(data)
    assert fz(4, 1, [7, 2]) == fz(1, 4, [2, 7])


def test_singular_correlation_raises_estimation_error():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((100, 3))
    X[:, 2] = 2 * X[:, 0]
    fz = FisherZBatch(X, names=["a", "b", "c"])
    with pytest.raises(EstimationError, match="'a', 'c'"):
        fz.independent(np.array([0]), np.array([2]), np.zeros((1, 0), dtype=int), 0.05)

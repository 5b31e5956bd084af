"""mediation_result_from_samples, and the errors of mediate()."""

import numpy as np
import pandas as pd
import pytest

from causalkit.exceptions import InvalidInputError, UnknownNodeError
from causalkit.mediation import mediate, mediation_result_from_samples


def test_result_from_samples_matches_hand_computation():
    rng = np.random.default_rng(0)
    nde = 1.0 + 0.2 * rng.normal(size=1000)
    nie = 0.5 + 0.1 * rng.normal(size=1000)
    te = nde + nie
    res = mediation_result_from_samples(te, nde, nie, treatment="prompt", mediator="layer 3 MLP",
                                        outcome="logit diff", te=1.6, cde_samples=nde, alpha=0.1, n_obs=64)
    assert res.total_effect.value == 1.6  # given point estimate
    assert res.direct_effect.value == pytest.approx(nde.mean())  # default: replicate mean
    assert res.indirect_effect.stderr == pytest.approx(nie.std(ddof=1))
    assert res.indirect_effect.ci == pytest.approx(tuple(np.quantile(nie, [0.05, 0.95])))
    assert res.proportion_mediated == pytest.approx(nie.mean() / 1.6)
    assert res.proportion_mediated_ci == pytest.approx(tuple(np.quantile(nie / te, [0.05, 0.95])))
    assert res.controlled_direct_effect.estimand == "CDE"
    assert res.total_effect.n_obs == 64 and res.total_effect.alpha == 0.1
    assert res.mediator == "layer 3 MLP"
    assert "layer 3 MLP" in res.summary()
    assert res.to_dict()["direct_effect"]["estimand"] == "NDE"


def test_result_from_samples_errors_and_unstable_pm():
    with pytest.raises(InvalidInputError, match="nde_samples"):
        mediation_result_from_samples([1, 2], [np.nan, 1], [1, 2], treatment="T", mediator="M", outcome="Y")
    with pytest.raises(InvalidInputError, match="at least 2"):
        mediation_result_from_samples([1], [1], [1], treatment="T", mediator="M", outcome="Y")
    rng = np.random.default_rng(1)
    res = mediation_result_from_samples(rng.normal(size=200), rng.normal(size=200), rng.normal(size=200),
                                        treatment="T", mediator="M", outcome="Y")
    assert any("proportion mediated" in w for w in res.params["warnings"])


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    x = rng.binomial(1, 0.5, 200)
    m = x + rng.normal(size=200)
    return pd.DataFrame({"X": x, "M": m, "Y": m + x + rng.normal(size=200), "Z": rng.normal(size=200),
                         "D": rng.integers(1, 4, 200)})


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(mediator="X"), InvalidInputError, "mediator 'X' is also the treatment"),
        (dict(mediator="Y"), InvalidInputError, "mediator 'Y' is also the outcome"),
        (dict(mediator="Q"), UnknownNodeError, "mediator 'Q'"),
        (dict(treatment="Q"), UnknownNodeError, "treatment 'Q'"),
        (dict(covariates=["M"]), InvalidInputError, "covariate 'M' is also a mediator"),
        (dict(covariates=["X"]), InvalidInputError, "treatment 'X' is also in `covariates`"),
        (dict(covariates=["Q"]), UnknownNodeError, "covariate 'Q'"),
        (dict(mediator=["M", "M"]), InvalidInputError, "twice"),
        (dict(mediator=[]), InvalidInputError, "at least one"),
        (dict(treat_value=1, control_value=1), InvalidInputError, "equal"),
        (dict(treat_value=2), InvalidInputError, r"levels \[0.0, 1.0\].*treat_value=2"),
        (dict(treatment="D"), InvalidInputError, r"levels \[1.0, 2.0, 3.0\].*control_value=0"),
        (dict(method="ipw"), InvalidInputError, "method"),
        (dict(method="simulation", ci_method="delta"), InvalidInputError, "closed forms"),
        (dict(n_boot=5), InvalidInputError, "n_boot"),
        (dict(mediator_value=[1.0, 2.0]), InvalidInputError, "2 value"),
        (dict(method="simulation", outcome_model="ols"), InvalidInputError, "outcome_model"),
    ],
)
def test_mediate_errors(data, kwargs, error, match):
    args = dict(treatment="X", mediator="M", outcome="Y")
    args.update(kwargs)
    with pytest.raises(error, match=match):
        mediate(data, args.pop("treatment"), args.pop("mediator"), args.pop("outcome"), **args)


def test_mediate_bad_data(data):
    with pytest.raises(InvalidInputError, match="DataFrame"):
        mediate(data.to_numpy(), "X", "M", "Y")
    with pytest.raises(InvalidInputError, match="missing"):
        mediate(data.assign(M=np.r_[np.nan, data["M"].to_numpy()[1:]]), "X", "M", "Y")
    res = mediate(data.assign(X=data["X"] * 0.5 + data["Z"]), "X", "M", "Y", treat_value=10, ci_method="delta")
    assert any("outside the observed range" in w for w in res.total_effect.warnings)

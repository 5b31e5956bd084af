"""Cross-fitting machinery shared by the double machine learning estimators.

Sample splits are lists (one per repetition) of ``(train, test)`` index pairs, the layout DoubleML
uses for ``smpls``. :func:`crossfit_predict` fits every nuisance learner on every fold of every
repetition as one flat batch of joblib jobs, so ``n_jobs`` parallelises across all of them at once.
A nuisance given several candidate learners is *short-stacked* (Ahrens, Hansen, Schaffer & Wiemann
2024): the candidates' cross-fitted predictions are combined with non-negative weights summing to
one that minimise the out-of-fold squared error, at no cost beyond fitting each candidate once.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from joblib import Parallel, delayed
from scipy.optimize import nnls
from sklearn.base import clone, is_classifier
from sklearn.model_selection import KFold, StratifiedKFold

from causalkit.exceptions import EstimationError, InvalidInputError

__all__ = [
    "Split",
    "NuisanceTask",
    "draw_folds",
    "check_folds",
    "crossfit_predict",
    "stack_weights",
    "check_learner",
    "seed_learner",
]

Split = list[tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class NuisanceTask:
    """One nuisance function to cross-fit.

    Attributes
    ----------
    name : str
        Key of the predictions in the output (``"ml_l"``, ``"ml_m"``, ``"ml_g0"``, ...).
    learners : tuple of estimators
        Unfitted scikit-learn estimators, cloned for every fold; several are short-stacked.
    target : numpy.ndarray
        The regression target for all rows (or one target per repetition, shape ``(n_rep, n)``).
    subset : numpy.ndarray or None
        Boolean mask of rows allowed in training (e.g. the treated units); ``None`` for all.
    methods : tuple of str
        Per learner, ``"predict"`` or ``"predict_proba"`` (then the probability of class 1 is kept).
    """

    name: str
    learners: tuple
    target: np.ndarray
    subset: np.ndarray | None = None
    methods: tuple = ("predict",)


def draw_folds(
    n: int, n_folds: int, n_rep: int, rng: np.random.Generator, stratify: np.ndarray | None = None
) -> list[Split]:
    """Draw ``n_rep`` independent K-fold partitions of ``range(n)`` (stratified on ``stratify``)."""
    out = []
    for _ in range(n_rep):
        seed = int(rng.integers(0, 2**31 - 1))
        if stratify is not None:
            cv: Any = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=seed)
            out.append([(tr, te) for tr, te in cv.split(np.zeros(n), stratify)])
        else:
            cv = KFold(n_splits=n_folds, shuffle=True, random_state=seed)
            out.append([(tr, te) for tr, te in cv.split(np.zeros(n))])
    return out


def _is_pair(obj: Any) -> bool:
    return isinstance(obj, (tuple, list)) and len(obj) == 2 and all(
        isinstance(a, (np.ndarray, list, range)) for a in obj
    )


def check_folds(folds: Any, n: int) -> list[Split]:
    """Validate user-supplied sample splits and return them as a list of repetitions.

    Accepts one partition (a list of ``(train, test)`` pairs), a list of partitions (one per
    repetition, DoubleML's ``smpls`` layout), or a scikit-learn splitter with a ``split`` method.
    Every partition must put each row in exactly one test fold, with train and test disjoint.
    """
    if hasattr(folds, "split") and callable(folds.split):
        try:
            parts: Any = [[(np.asarray(tr), np.asarray(te)) for tr, te in folds.split(np.zeros((n, 1)))]]
        except Exception as exc:  # a stratified splitter needs labels, etc.
            raise InvalidInputError(
                f"Could not draw splits from `folds` ({type(folds).__name__}): {exc}. "
                "Pass explicit (train, test) index pairs instead."
            ) from exc
    elif isinstance(folds, (list, tuple)) and len(folds) > 0 and all(_is_pair(p) for p in folds):
        parts = [list(folds)]
    elif isinstance(folds, (list, tuple)) and len(folds) > 0 and all(
        isinstance(r, (list, tuple)) and len(r) > 0 and all(_is_pair(p) for p in r) for r in folds
    ):
        parts = [list(r) for r in folds]
    else:
        raise InvalidInputError(
            "`folds` must be a list of (train_indices, test_indices) pairs, a list of such lists "
            "(one per repetition), or a scikit-learn splitter such as KFold(5, shuffle=True)."
        )
    out: list[Split] = []
    for r, part in enumerate(parts):
        if len(part) < 2:
            raise InvalidInputError(f"Repetition {r} of `folds` has {len(part)} fold(s); cross-fitting needs >= 2.")
        counts = np.zeros(n, dtype=int)
        rep: Split = []
        for k, (tr, te) in enumerate(part):
            tr = np.asarray(tr)
            te = np.asarray(te)
            for arr, what in ((tr, "train"), (te, "test")):
                if arr.size and (not np.issubdtype(arr.dtype, np.integer) or arr.min() < 0 or arr.max() >= n):
                    raise InvalidInputError(
                        f"Fold {k} of repetition {r} has {what} indices outside 0..{n - 1}; "
                        "indices must be integer row positions."
                    )
            if len(tr) == 0 or len(te) == 0:
                raise InvalidInputError(f"Fold {k} of repetition {r} has an empty train or test set.")
            if np.intersect1d(tr, te).size:
                raise InvalidInputError(f"Fold {k} of repetition {r} uses some rows for both training and testing.")
            counts[te] += 1
            rep.append((tr.astype(np.intp), te.astype(np.intp)))
        if not np.all(counts == 1):
            raise InvalidInputError(
                f"The test folds of repetition {r} do not partition the rows: "
                f"{int(np.sum(counts == 0))} row(s) in no test fold, {int(np.sum(counts > 1))} in several."
            )
        out.append(rep)
    return out


def check_learner(learner: Any, name: str, *, classifier: bool | None = None) -> bool:
    """Check a scikit-learn style learner; return whether it is a classifier.

    ``classifier=True`` requires ``predict_proba``; ``False`` forbids classifiers; ``None`` allows both.
    """
    if not (hasattr(learner, "fit") and hasattr(learner, "predict")):
        raise InvalidInputError(
            f"`{name}` must be a scikit-learn style estimator with fit() and predict(); got {type(learner).__name__}."
        )
    is_clf = bool(is_classifier(learner))
    if classifier is True and not (is_clf and hasattr(learner, "predict_proba")):
        raise InvalidInputError(
            f"`{name}` must be a classifier with predict_proba() (e.g. LogisticRegression); got {type(learner).__name__}."
        )
    if classifier is False and is_clf:
        raise InvalidInputError(
            f"`{name}` must be a regressor; got the classifier {type(learner).__name__}."
        )
    return is_clf


def seed_learner(learner: Any, rng: np.random.Generator) -> Any:
    """Return a clone with ``random_state`` set from ``rng`` when the learner has one left at ``None``.

    Learners whose ``random_state`` the user fixed are left untouched (so results can be matched
    with other libraries that receive the same learner).
    """
    est = clone(learner)
    params = est.get_params(deep=False)
    if "random_state" in params and params["random_state"] is None:
        est.set_params(random_state=int(rng.integers(0, 2**31 - 1)))
    return est


def _fit_predict(
    learner: Any, X: np.ndarray, target: np.ndarray, train: np.ndarray, test: np.ndarray, method: str
) -> np.ndarray:
    est = clone(learner)
    est.fit(X[train], target[train])
    if method == "predict_proba":
        proba = est.predict_proba(X[test])
        classes = list(getattr(est, "classes_", [0, 1]))
        return proba[:, classes.index(1) if 1 in classes else 1]
    return np.asarray(est.predict(X[test]), dtype=float).ravel()


def _run(job: tuple) -> tuple[int, str, int, np.ndarray, np.ndarray]:
    r, task, j, X, target, train, test = job
    learner = task.learners[j]
    try:
        pred = _fit_predict(learner, X, target, train, test, task.methods[j])
    except Exception as exc:
        raise EstimationError(
            f"The nuisance learner {task.name} ({type(learner).__name__}) failed on repetition {r}: "
            f"{type(exc).__name__}: {exc}"
        ) from exc
    return r, task.name, j, test, pred


def stack_weights(P: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Weights ``w >= 0``, ``sum(w) = 1`` minimising ``||target - P w||²`` (constrained least squares)."""
    k = P.shape[1]
    lam = 1e3 * (np.linalg.norm(target) + np.linalg.norm(P) + 1.0)
    A = np.vstack([P, lam * np.ones((1, k))])
    b = np.concatenate([target, [lam]])
    w, _ = nnls(A, b)
    total = w.sum()
    return w / total if total > 0 else np.full(k, 1.0 / k)


def crossfit_predict(
    tasks: Sequence[NuisanceTask],
    X: np.ndarray,
    folds: list[Split],
    *,
    n_jobs: int | None = None,
) -> tuple[list[dict[str, np.ndarray]], dict[str, np.ndarray]]:
    """Out-of-fold predictions of every task, for every repetition of ``folds``.

    All ``learners x n_folds x n_rep`` fits of all tasks run as one joblib batch.

    Returns
    -------
    predictions : list of dict
        One dict per repetition mapping task name to an array of ``n`` out-of-fold predictions.
    weights : dict
        For short-stacked tasks, the stacking weights per repetition (shape ``(n_rep, n_learners)``).
    """
    if n_jobs is not None and not isinstance(n_jobs, numbers.Integral):
        raise InvalidInputError(f"`n_jobs` must be an integer or None; got {n_jobs!r}.")
    n = X.shape[0]
    jobs = []
    for r, part in enumerate(folds):
        for task in tasks:
            target = task.target[r] if task.target.ndim == 2 else task.target
            for train, test in part:
                if task.subset is not None:
                    train = train[task.subset[train]]
                    if len(train) == 0:
                        raise EstimationError(
                            f"A training fold for {task.name} has no rows in its subset (e.g. no treated units); "
                            "use fewer folds or check the treatment."
                        )
                for j in range(len(task.learners)):
                    jobs.append((r, task, j, X, target, train, test))
    results = Parallel(n_jobs=n_jobs)(delayed(_run)(job) for job in jobs)
    raw = [{t.name: np.full((n, len(t.learners)), np.nan) for t in tasks} for _ in folds]
    for r, name, j, test, pred in results:
        raw[r][name][test, j] = pred
    out: list[dict[str, np.ndarray]] = []
    weights: dict[str, np.ndarray] = {}
    for r in range(len(folds)):
        rep = {}
        for task in tasks:
            P = raw[r][task.name]
            if P.shape[1] == 1:
                rep[task.name] = P[:, 0]
                continue
            target = task.target[r] if task.target.ndim == 2 else task.target
            rows = task.subset if task.subset is not None else slice(None)
            w = stack_weights(P[rows], target[rows])
            weights.setdefault(task.name, np.zeros((len(folds), P.shape[1])))[r] = w
            rep[task.name] = P @ w
        out.append(rep)
    return out, weights

"""The sentence classifier: one calibrated linear model per (stance, category) over the features
of :mod:`reportdiag.features`, with per-label thresholds chosen by grouped cross-validation."""
from __future__ import annotations

import logging

import numpy as np

from .codebook import Codebook
from .features import FeatureBuilder
from .metrics import best_threshold

log = logging.getLogger(__name__)

VARIANTS = {
    # name: (feature blocks, estimator)
    "char": (("char",), "svm"),
    "word": (("word",), "svm"),
    "char+word": (("char", "word"), "svm"),
    "full": (("char", "word", "cue", "context"), "svm"),
    "full-logreg": (("char", "word", "cue", "context"), "logreg"),
}


def _estimator(kind: str, C: float, seed: int):
    from sklearn.linear_model import LogisticRegression
    from sklearn.svm import LinearSVC

    if kind == "logreg":
        return LogisticRegression(C=C * 10, class_weight="balanced", max_iter=5000, solver="liblinear",
                                  random_state=seed)
    return LinearSVC(C=C, class_weight="balanced", max_iter=20000, random_state=seed)


class _Constant:
    """A label with too few positives to learn: predicts its training prevalence (stated in the
    model card), never silently a trained score."""

    def __init__(self, p: float):
        self.p = p

    def predict_proba(self, X):
        return np.column_stack([np.full(X.shape[0], 1 - self.p), np.full(X.shape[0], self.p)])


class _Calibrated:
    """A fitted ``CalibratedClassifierCV(method="sigmoid")`` of linear models reduced to its arrays:
    p = mean over folds k of 1 / (1 + exp(a_k · (x·w_k + c_k) + b_k)), as scikit-learn computes it.
    Scoring then needs numpy only, not a scikit-learn import per batch job."""

    def __init__(self, clf):
        folds = clf.calibrated_classifiers_
        self.coef = np.column_stack([f.estimator.coef_.ravel() for f in folds])  # features × folds
        self.intercept = np.array([float(np.ravel(f.estimator.intercept_)[0]) for f in folds])
        self.a = np.array([f.calibrators[0].a_ for f in folds], dtype=np.float64)
        self.b = np.array([f.calibrators[0].b_ for f in folds], dtype=np.float64)

    def predict_proba(self, X):
        D = np.asarray(X @ self.coef) + self.intercept
        p = np.mean(1.0 / (1.0 + np.exp(self.a * D + self.b)), axis=1)
        return np.column_stack([1 - p, p])


class SentenceModel:
    def __init__(self, codebook: Codebook, variant: str = "full", C: float = 0.5, seed: int = 0,
                 context_weight: float = 0.4, cue_weight: float = 1.0):
        self.codebook_data = codebook.data
        self.labels = codebook.label_names
        self.variant = variant
        self.C = C
        self.seed = seed
        blocks, self.kind = VARIANTS[variant]
        self.features = FeatureBuilder(codebook.data, blocks, context_weight, cue_weight)
        self.thresholds = {lab: 0.5 for lab in self.labels}

    def fit(self, rows: list[dict], Y: np.ndarray) -> "SentenceModel":
        from sklearn.calibration import CalibratedClassifierCV

        X = self.features.fit(rows).transform(rows)
        self.models_ = []
        for j, lab in enumerate(self.labels):
            y = Y[:, j]
            npos = int(y.sum())
            if npos < 3 or npos > len(y) - 3:
                self.models_.append(_Constant(float(y.mean())))
                continue
            clf = CalibratedClassifierCV(_estimator(self.kind, self.C, self.seed), method="sigmoid",
                                         cv=min(5, npos))
            clf.fit(X, y)
            self.models_.append(_Calibrated(clf))
        return self

    @staticmethod
    def is_constant(m) -> bool:
        return isinstance(m, _Constant)

    def transform(self, rows: list[dict]):
        return self.features.transform(rows)

    def predict_proba(self, rows: list[dict], X=None) -> np.ndarray:
        if X is None:
            X = self.transform(rows)
        return np.column_stack([m.predict_proba(X)[:, 1] for m in self.models_])

    def predict(self, P: np.ndarray) -> np.ndarray:
        t = np.array([self.thresholds[lab] for lab in self.labels])
        return P >= t

    def coefficients(self) -> np.ndarray:
        """Mean linear weights per label (rows) over the calibration folds, for explanations."""
        n = len(self.features.get_feature_names_out())
        W = np.zeros((len(self.labels), n))
        for j, m in enumerate(self.models_):
            if isinstance(m, _Calibrated):
                W[j] = m.coef.mean(axis=1)
        return W


def out_of_fold(make_model, rows: list[dict], Y: np.ndarray, groups: list[str], folds: int = 5) -> np.ndarray:
    """Out-of-fold probabilities with whole documents held out together (their sentences share
    context and wording)."""
    from sklearn.model_selection import GroupKFold

    P = np.zeros(Y.shape, dtype=float)
    for k, (tr, te) in enumerate(GroupKFold(n_splits=folds).split(rows, Y, groups)):
        m = make_model().fit([rows[i] for i in tr], Y[tr])
        P[te] = m.predict_proba([rows[i] for i in te])
        log.info("fold %d/%d done", k + 1, folds)
    return P


def choose_thresholds(labels: list[str], Y: np.ndarray, P: np.ndarray) -> dict[str, float]:
    return {lab: best_threshold(Y[:, j], P[:, j])[0] for j, lab in enumerate(labels)}

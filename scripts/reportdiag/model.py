"""The sentence classifier: calibrated linear models over the features of :mod:`reportdiag.features`,
combined in heads (see ``HEADS``), with per-label thresholds chosen by grouped cross-validation."""
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


# Ways to score a label (stance:category). A product of parts; the model's probability is the
# geometric mean over its heads. "joint" learns each label alone. The factored heads split it into
# "does the sentence assert a problem (report a practice) at all" (one stance model per stance,
# learned from every label of that stance) times "which category" (given the stance, or the
# category's topic whichever the stance), so stance cues learned in one category carry to the others.
HEADS = {
    "joint": lambda stance, cid: (f"joint:{stance}:{cid}",),
    "stance-category": lambda stance, cid: (f"stance:{stance}", f"given:{stance}:{cid}"),
    "stance-topic": lambda stance, cid: (f"stance:{stance}", f"topic:{cid}"),
}


class SentenceModel:
    def __init__(self, codebook: Codebook, variant: str = "full", C: float = 0.5, seed: int = 0,
                 context_weight: float = 0.4, cue_weight: float = 1.0, heads: tuple = tuple(HEADS)):
        self.codebook_data = codebook.data
        self.labels = codebook.label_names
        self.variant = variant
        self.C = C
        self.seed = seed
        self.heads = tuple(heads)
        blocks, self.kind = VARIANTS[variant]
        self.features = FeatureBuilder(codebook.data, blocks, context_weight, cue_weight)
        self.thresholds = {lab: 0.5 for lab in self.labels}

    def _parts(self, head: str) -> list[tuple[str, ...]]:
        return [HEADS[head](*lab.split(":")) for lab in self.labels]

    def _targets(self, Y: np.ndarray) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Each part's training rows and 0/1 target."""
        def any_of(pick):
            return Y[:, [j for j, lab in enumerate(self.labels) if pick(lab)]].max(axis=1)

        every, labelled = np.arange(len(Y)), np.flatnonzero(Y.max(axis=1))
        has = {s: any_of(lambda other, s=s: other.startswith(s + ":")) for s in {lab.split(":")[0] for lab in self.labels}}
        out = {}
        for j, lab in enumerate(self.labels):
            stance, cid = lab.split(":")
            has_stance = has[stance]
            out[f"joint:{lab}"] = (every, Y[:, j])
            out[f"stance:{stance}"] = (every, has_stance)
            out[f"given:{lab}"] = (np.flatnonzero(has_stance), Y[has_stance == 1, j])
            out[f"topic:{cid}"] = (labelled, any_of(lambda other: other.endswith(":" + cid))[labelled])
        return out

    def fit(self, rows: list[dict], Y: np.ndarray, weights: np.ndarray | None = None) -> "SentenceModel":
        """``weights``: one per row (default 1), for the linear models and their calibration alike."""
        # one part at a time: liblinear seeds the C library's global rand(), so parts fitted in
        # parallel threads would draw from one shared sequence and the model would not be reproducible
        X = self.features.fit(rows).transform(rows)
        w = np.ones(len(rows)) if weights is None else np.asarray(weights, dtype=float)
        targets = self._targets(Y)
        needed = sorted({p for h in self.heads for parts in self._parts(h) for p in parts})
        self.parts_ = {name: self._fit_part(X, *targets[name], w) for name in needed}
        return self

    def _fit_part(self, X, idx: np.ndarray, y: np.ndarray, w: np.ndarray):
        from sklearn.calibration import CalibratedClassifierCV

        w = w[idx]
        npos = int(y.sum())
        if npos < 3 or npos > len(y) - 3:
            return _Constant(float(np.average(y, weights=w)) if len(y) else 0.0)
        clf = CalibratedClassifierCV(_estimator(self.kind, self.C, self.seed), method="sigmoid",
                                     cv=min(5, npos, len(y) - npos))
        return _Calibrated(clf.fit(X[idx], y, sample_weight=w))

    def constant_parts(self) -> list[str]:
        return [name for name, m in self.parts_.items() if isinstance(m, _Constant)]

    def transform(self, rows: list[dict]):
        return self.features.transform(rows)

    def head_probabilities(self, X) -> dict[str, np.ndarray]:
        """Each head's probabilities (sentences × labels)."""
        part_p = {name: m.predict_proba(X)[:, 1] for name, m in self.parts_.items()}
        return {h: np.column_stack([np.prod([part_p[p] for p in parts], axis=0) for parts in self._parts(h)])
                for h in self.heads}

    @staticmethod
    def combine(head_p: dict[str, np.ndarray]) -> np.ndarray:
        """Geometric mean over heads (a product of experts: a label needs every head's support)."""
        logs = [np.log(np.clip(P, 1e-12, 1.0)) for P in head_p.values()]
        return np.exp(np.mean(logs, axis=0))

    def predict_proba(self, rows: list[dict], X=None) -> np.ndarray:
        if X is None:
            X = self.transform(rows)
        return self.combine(self.head_probabilities(X))

    def predict(self, P: np.ndarray) -> np.ndarray:
        t = np.array([self.thresholds[lab] for lab in self.labels])
        return P >= t

    def coefficients(self) -> np.ndarray:
        """Linear weights per label (rows) for explanations: each part's mean weights over its
        calibration folds, summed over the label's parts and averaged over the heads, the way
        their log-probabilities combine."""
        n = len(self.features.get_feature_names_out())
        mean_coef = {name: (m.coef.mean(axis=1) if isinstance(m, _Calibrated) else np.zeros(n))
                     for name, m in self.parts_.items()}
        W = np.zeros((len(self.labels), n))
        for h in self.heads:
            for j, parts in enumerate(self._parts(h)):
                W[j] += sum(mean_coef[p] for p in parts)
        return W / len(self.heads)


def out_of_fold(make_model, rows: list[dict], Y: np.ndarray, fold: np.ndarray, w: np.ndarray) -> dict[str, np.ndarray]:
    """Out-of-fold probabilities of each head; ``fold``: each row's fold (0 … k−1), ``w`` its weight."""
    P: dict[str, np.ndarray] = {}
    folds = int(fold.max()) + 1
    for k in range(folds):
        tr, te = np.flatnonzero(fold != k), np.flatnonzero(fold == k)
        m = make_model().fit([rows[i] for i in tr], Y[tr], w[tr])
        for h, Ph in m.head_probabilities(m.transform([rows[i] for i in te])).items():
            P.setdefault(h, np.zeros(Y.shape, dtype=float))[te] = Ph
        log.info("fold %d/%d done", k + 1, folds)
    return P


def choose_thresholds(labels: list[str], Y: np.ndarray, P: np.ndarray) -> dict[str, float]:
    return {lab: best_threshold(Y[:, j], P[:, j])[0] for j, lab in enumerate(labels)}

"""Multi-label metrics per category and stance, computed from label sets (no sklearn magic, so the
numbers can be checked by hand)."""
from __future__ import annotations

import numpy as np

STANCES = ("problem", "practice")


def prf(tp: int, fp: int, fn: int) -> dict:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4), "support": tp + fn,
            "tp": tp, "fp": fp, "fn": fn}


def evaluate_sets(gold: list[dict], pred: list[dict], ids: list[str]) -> dict:
    """``gold``/``pred``: dicts with ``problem`` and ``practice`` lists, aligned by position."""
    out: dict = {"n_sentences": len(gold)}
    for stance in STANCES:
        per = {}
        tot = {"tp": 0, "fp": 0, "fn": 0}
        for c in ids:
            tp = fp = fn = 0
            for g, p in zip(gold, pred):
                gi, pi = c in g[stance], c in p[stance]
                tp += gi and pi
                fp += pi and not gi
                fn += gi and not pi
            per[c] = prf(tp, fp, fn)
            for k, v in (("tp", tp), ("fp", fp), ("fn", fn)):
                tot[k] += v
        with_support = [per[c]["f1"] for c in ids if per[c]["support"] > 0]
        out[stance] = {
            "per_category": per,
            "micro": prf(**tot),
            "macro_f1": round(float(np.mean(with_support)), 4) if with_support else 0.0,
        }
        out[stance]["confusion"] = confusion(gold, pred, ids, stance)
    return out


def confusion(gold: list[dict], pred: list[dict], ids: list[str], stance: str) -> dict:
    """Rows: gold category (or ``none``); columns: predicted category (or ``none``); a sentence
    counts once in every (gold, predicted) pair it has."""
    keys = ids + ["none"]
    m = {g: {p: 0 for p in keys} for g in keys}
    for g, p in zip(gold, pred):
        gs = g[stance] or ["none"]
        ps = p[stance] or ["none"]
        for a in gs:
            for b in ps:
                m[a][b] += 1
    return m


def best_threshold(y: np.ndarray, p: np.ndarray, grid: np.ndarray | None = None,
                   tolerance: float = 0.01) -> tuple[float, float]:
    """A threshold on ``p`` for binary ``y`` and its F1: the median of the grid thresholds whose F1 is
    within ``tolerance`` (relative) of the best. F1 is flat near its maximum, so the plain argmax jumps
    by 0.05 or more when the data change a little (register bootstrap on our data: s.d. 0.067 against
    0.044, at a cross-validated F1 cost of at most 0.004). Relative, so that a rare label whose best F1
    is tiny keeps its best threshold instead of the whole grid's middle."""
    if grid is None:
        grid = np.round(np.arange(0.05, 0.951, 0.025), 3)

    def f1_at(t: float) -> float:
        pred = p >= t
        return prf(int(np.sum(pred & (y == 1))), int(np.sum(pred & (y == 0))), int(np.sum(~pred & (y == 1))))["f1"]

    f1 = np.array([f1_at(t) for t in grid])
    t = float(np.median(grid[f1 >= f1.max() * (1 - tolerance)]))
    return t, f1_at(t)


def f1_table(first: str, rows: list[tuple[str, str, dict, dict]], support: bool = False) -> list[str]:
    """Markdown rows of an F1 table: one per (name, stance, report of :func:`evaluate_sets` for that
    stance, extra columns); per-category F1 last, with its support when ``support``."""
    cats = list(rows[0][2]["per_category"]) if rows else []
    extra = list(rows[0][3]) if rows else []
    lines = [f"| {first} | stance | macro-F1 | micro-F1 | " + "".join(f"{x} | " for x in extra) + " | ".join(cats) + " |",
             "|---|---|---|---|" + "---|" * (len(extra) + len(cats))]
    for name, stance, s, more in rows:
        f1 = " | ".join(f"{v['f1']:.3f}" + (f" (n={v['support']})" if support else "") for v in s["per_category"].values())
        lines.append(f"| {name} | {stance} | {s['macro_f1']:.3f} | {s['micro']['f1']:.3f} | "
                     + "".join(f"{v:.3f} | " for v in more.values()) + f"{f1} |")
    return lines


def average_precision(y, p) -> float:
    """Area under the precision–recall step curve, as scikit-learn's ``average_precision_score``:
    the sum over distinct score thresholds (high to low) of the recall gained times the precision
    there. Threshold-free, so it compares the ranking of two models whatever their cut-offs."""
    y, p = np.asarray(y, dtype=bool), np.asarray(p, dtype=float)
    if not y.any():
        return 0.0
    order = np.argsort(-p, kind="mergesort")
    y, p = y[order], p[order]
    last = np.r_[np.flatnonzero(np.diff(p)), len(p) - 1]  # the last row of each run of equal scores
    tp = np.cumsum(y)[last]
    precision, recall = tp / (last + 1), tp / y.sum()
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


def bootstrap_macro_f1(gold: np.ndarray, preds: dict[str, np.ndarray], labels: list[str], groups: list,
                       resamples: int = 1000, seed: int = 0, level: float = 0.95) -> dict:
    """Percentile intervals of each scorer's macro-F1 per stance, and of each scorer's difference to
    the first, resampling whole ``groups`` (a gold file's documents: sentences of one page are not
    independent) with replacement; every scorer sees the same resamples, so the differences are
    paired. ``gold`` and each prediction: 0/1 matrices, sentences × ``labels`` ("stance:category").
    A category absent from a resample is left out of its macro mean, as in :func:`evaluate_sets`."""
    G = np.asarray(gold, dtype=bool)
    keys, inverse = np.unique(np.asarray(groups, dtype=str), return_inverse=True)
    draws = np.random.default_rng(seed).integers(0, len(keys), size=(resamples, len(keys)))
    weight = np.stack([np.bincount(d, minlength=len(keys)) for d in draws])  # resamples × groups
    stance_cols = {s: [j for j, lab in enumerate(labels) if lab.split(":")[0] == s] for s in STANCES}

    def per_group(M):  # groups × labels
        return np.stack([np.bincount(inverse, weights=M[:, j], minlength=len(keys)) for j in range(M.shape[1])], axis=1)

    macro = {}
    for name, pred in preds.items():
        P = np.asarray(pred, dtype=bool)
        tp, fp, fn = (weight @ per_group(M.astype(float)) for M in (G & P, ~G & P, G & ~P))
        with np.errstate(invalid="ignore", divide="ignore"):
            f1 = np.where(tp + fp + fn > 0, 2 * tp / (2 * tp + fp + fn), 0.0)
        has = (tp + fn) > 0
        macro[name] = {}
        for stance, cols in stance_cols.items():
            count = has[:, cols].sum(axis=1)
            macro[name][stance] = np.where(count > 0, (f1 * has)[:, cols].sum(axis=1) / np.maximum(count, 1), np.nan)
    q = [(1 - level) / 2 * 100, (1 + level) / 2 * 100]
    first = next(iter(preds))

    def interval(x):
        x = x[~np.isnan(x)]
        return [round(float(v), 4) for v in np.percentile(x, q)] if len(x) else [None, None]

    out = {"resamples": resamples, "level": level, "groups": len(keys), "seed": seed,
           "macro_f1": {name: {s: interval(v) for s, v in m.items()} for name, m in macro.items()},
           "difference": {f"{first} − {name}": {s: interval(macro[first][s] - v) for s, v in m.items()}
                          for name, m in macro.items() if name != first}}
    return out

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

"""Evaluate the model and the dictionary baseline on a gold JSON Lines file. The statistics only an
evaluation uses (average precision, bootstrap intervals) live here, not in :mod:`reportdiag.metrics`,
which training imports: a change there changes the training code's hash and retrains the model."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .baseline import DictionaryScorer
from .classify import Scorer, prepare
from .codebook import Codebook
from .io import read_jsonl
from .metrics import STANCES, evaluate_sets
from .normalize import to_simplified
from .training import label_matrix


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


def ranking(gold: list[dict], P, labels: list[str]) -> dict:
    """Average precision of the model's probabilities ``P`` (sentences × ``labels``, unrounded: the
    4-place rounding of the output ties low scores) per label, and its mean per stance."""
    out = {stance: {"per_category": {}} for stance in STANCES}
    for j, lab in enumerate(labels):
        stance, cid = lab.split(":")
        y = [cid in g[stance] for g in gold]
        if any(y):
            out[stance]["per_category"][cid] = round(average_precision(y, P[:, j]), 4)
    for r in out.values():
        r["mean_ap"] = round(sum(r["per_category"].values()) / len(r["per_category"]), 4) if r["per_category"] else 0.0
    return out


def evaluate_gold(gold_path: Path | str, model, codebook: Codebook, tokenizer,
                  resamples: int = 1000, seed: int = 0) -> dict:
    """Figures of the model and the dictionary baseline; the model's average precision; and
    bootstrap intervals (``resamples`` over the gold's documents, ``seed``) of both macro-F1s and of
    the model's gain, since with 50–130 positives a label's F1 moves by 0.01–0.02 per sentence."""
    gold = list(read_jsonl(gold_path))
    rows = prepare([{k: r[k] for k in ("id", "text", "doc") if k in r} for r in gold], tokenizer)
    pred = Scorer(model, codebook).score(rows)
    base = DictionaryScorer(codebook)
    base_pred = [base.score(to_simplified(r["text"])) for r in gold]
    ids, labels = codebook.ids, codebook.label_names
    model_rep = evaluate_sets(gold, pred, ids)
    base_rep = evaluate_sets(gold, base_pred, ids)
    errors = []
    for g, p in zip(gold, pred):
        for stance in ("problem", "practice"):
            fn = sorted(set(g[stance]) - set(p[stance]))
            fp = sorted(set(p[stance]) - set(g[stance]))
            if fn or fp:
                errors.append({"id": g["id"], "stance": stance, "missed": fn, "false": fp,
                               "p": p[f"p_{stance}"], "text": g["text"]})
    return {
        "gold": str(gold_path), "n": len(gold), "model": model_rep, "dictionary_baseline": base_rep,
        "gain_problem_macro_f1": round(model_rep["problem"]["macro_f1"] - base_rep["problem"]["macro_f1"], 4),
        "ranking": ranking(gold, model.predict_proba(rows), labels),
        "intervals": bootstrap_macro_f1(label_matrix(gold, labels), {"model": label_matrix(pred, labels),
                                        "dictionary_baseline": label_matrix(base_pred, labels)}, labels,
                                        [r.get("doc", r["id"]) for r in gold], resamples, seed),
        "errors": errors,
    }


def summary_lines(rep: dict) -> list[str]:
    lines = [f"gold: {rep['gold']} ({rep['n']} sentences)"]
    for who in ("model", "dictionary_baseline"):
        r = rep[who]
        lines.append(f"{who}:")
        for stance in ("problem", "practice"):
            s = r[stance]
            cats = "  ".join(f"{c}={v['f1']:.3f}(P{v['precision']:.2f}/R{v['recall']:.2f},n={v['support']})"
                             for c, v in s["per_category"].items())
            lines.append(f"  {stance:8s} macro-F1 {s['macro_f1']:.3f}  micro-F1 {s['micro']['f1']:.3f}  {cats}")
    lines.append(f"gain over dictionary (problem macro-F1): {rep['gain_problem_macro_f1']:+.3f}")
    return lines + uncertainty_lines(rep)


def uncertainty_lines(rep: dict) -> list[str]:
    """The model's average precision and the bootstrap intervals, for the printout and the model card."""
    if "intervals" not in rep:  # an evaluation file written before they were computed
        return []
    iv = rep["intervals"]
    pct = f"{iv['level']:.0%}"
    lines = ["model average precision (threshold-free ranking): " + "; ".join(
        f"{stance} mean {r['mean_ap']:.3f} (" + " ".join(f"{c}={v:.3f}" for c, v in r["per_category"].items()) + ")"
        for stance, r in rep["ranking"].items())]
    lines.append(f"{pct} intervals, {iv['resamples']} resamples of the {iv['groups']} documents:")
    for name, m in {**iv["macro_f1"], **iv["difference"]}.items():
        lines.append(f"  {name}: " + "  ".join(f"{s} macro-F1 [{lo:.3f}, {hi:.3f}]" for s, (lo, hi) in m.items()))
    return lines

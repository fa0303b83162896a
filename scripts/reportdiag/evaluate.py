"""Evaluate the model and the dictionary baseline on a gold JSON Lines file."""
from __future__ import annotations

from pathlib import Path

from .baseline import DictionaryScorer
from .classify import Scorer, prepare
from .codebook import Codebook
from .io import read_jsonl
from .metrics import evaluate_sets
from .normalize import to_simplified


def evaluate_gold(gold_path: Path | str, model, codebook: Codebook, tokenizer) -> dict:
    gold = list(read_jsonl(gold_path))
    rows = prepare([{k: r[k] for k in ("id", "text", "doc") if k in r} for r in gold], tokenizer)
    pred = Scorer(model, codebook).score(rows)
    base = DictionaryScorer(codebook)
    base_pred = [base.score(to_simplified(r["text"])) for r in gold]
    ids = codebook.ids
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
    return lines

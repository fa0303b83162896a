"""Report-level check: a pipeline run on whole pages against the sentence gold of the same pages.

A page "has" a category's problem (practice) in the gold when one of its gold sentences carries it,
and in the run when the diagnosis counts at least one such sentence (``problem_<id>_n``). The check
scores the whole path a researcher relies on (reading the file, sentence splitting, context,
classification, aggregation), not single sentences: per category and stance, the recommendations
(config ``recommend`` applied to both sides' counts), and how well the run orders pages by how
strongly they show each problem (Spearman's rho between the gold and the run's sentence counts)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from .io import read_jsonl
from .metrics import STANCES, evaluate_sets, prf


def write_pages(pages_path: Path | str, corpus_dir: Path | str) -> int:
    """Each page's text as ``<id>.txt`` (UTF-8): the corpus the pipeline runs on. Text files of
    pages no longer listed are removed, so the corpus is exactly the pages file."""
    corpus_dir = Path(corpus_dir)
    corpus_dir.mkdir(parents=True, exist_ok=True)
    pages = list(read_jsonl(pages_path))
    keep = {f"{p['id']}.txt" for p in pages}
    for old in corpus_dir.glob("*.txt"):
        if old.name not in keep:
            old.unlink()
    for p in pages:
        (corpus_dir / f"{p['id']}.txt").write_text(p["text"], encoding="utf-8")
    return len(pages)


def count_columns(ids: list[str]) -> list[str]:
    return [f"{stance}_{c}_n" for stance in STANCES for c in ids]


def gold_counts(gold_rows: list[dict], ids: list[str]) -> pd.DataFrame:
    """Labelled sentences per page (``doc``) and category: one row per page, in gold order."""
    counts: dict[str, dict[str, int]] = {}
    for r in gold_rows:
        row = counts.setdefault(r["doc"], dict.fromkeys(count_columns(ids), 0))
        for stance in STANCES:
            for c in r[stance]:
                row[f"{stance}_{c}_n"] += 1
    return pd.DataFrame.from_dict(counts, orient="index")


def run_counts(diagnosis_csv: Path | str, ids: list[str]) -> pd.DataFrame:
    """The run's counts from its ``report_diagnosis.csv``, indexed by file name without extension."""
    d = pd.read_csv(diagnosis_csv, encoding="utf-8-sig")
    d.index = [Path(f).stem for f in d["file"]]
    return d[count_columns(ids)]


def _has(counts: pd.DataFrame, ids: list[str], min_n: dict[str, int]) -> list[dict]:
    return [{stance: [c for c in ids if row[f"{stance}_{c}_n"] >= min_n[stance]] for stance in STANCES}
            for _, row in counts.iterrows()]


def _recommended(counts: pd.DataFrame, ids: list[str], rec: dict) -> pd.DataFrame:
    return pd.DataFrame({c: (counts[f"problem_{c}_n"] >= rec["min_problem_sentences"])
                         & (counts[f"practice_{c}_n"] <= rec["max_practice_sentences"]) for c in ids})


def compare(gold: pd.DataFrame, run: pd.DataFrame, ids: list[str], rec: dict) -> dict:
    """Figures for the pages both sides have; pages of the gold the run did not diagnose (rejected
    or lost) are listed, not silently dropped."""
    pages = [p for p in gold.index if p in run.index]
    g, r = gold.loc[pages], run.loc[pages]
    any_sentence = {"problem": 1, "practice": 1}
    labels = evaluate_sets(_has(g, ids, any_sentence), _has(r, ids, any_sentence), ids)
    labels.pop("n_sentences")
    g_rec, r_rec = _recommended(g, ids, rec), _recommended(r, ids, rec)
    per = {c: prf(int((g_rec[c] & r_rec[c]).sum()), int((~g_rec[c] & r_rec[c]).sum()),
                  int((g_rec[c] & ~r_rec[c]).sum())) for c in ids}
    rho = {}
    for c in ids:
        x, y = g[f"problem_{c}_n"], r[f"problem_{c}_n"]
        rho[c] = None if x.nunique() < 2 or y.nunique() < 2 else round(float(x.corr(y, method="spearman")), 4)
    return {
        "n_pages": len(gold), "n_diagnosed": len(pages),
        "not_diagnosed": [p for p in gold.index if p not in run.index],
        "labels": labels,
        "recommendations": {"rule": rec, "per_category": per,
                            "exact_pages": round(float((g_rec.values == r_rec.values).all(axis=1).mean()), 4)
                            if pages else 0.0},
        "problem_strength_spearman": rho,
    }


def summary_lines(rep: dict) -> list[str]:
    lines = [f"pages: {rep['n_pages']}, diagnosed {rep['n_diagnosed']}"
             + (f" (not diagnosed: {', '.join(rep['not_diagnosed'])})" if rep["not_diagnosed"] else "")]
    for stance in STANCES:
        s = rep["labels"][stance]
        cats = "  ".join(f"{c}={v['f1']:.3f}(P{v['precision']:.2f}/R{v['recall']:.2f},n={v['support']})"
                         for c, v in s["per_category"].items())
        lines.append(f"  {stance:8s} macro-F1 {s['macro_f1']:.3f}  micro-F1 {s['micro']['f1']:.3f}  {cats}")
    rec = rep["recommendations"]
    cats = "  ".join(f"{c}={v['f1']:.3f}(n={v['support']})" for c, v in rec["per_category"].items())
    lines.append(f"  recommendations F1: {cats}; pages with exactly the gold's recommendations "
                 f"{rec['exact_pages']:.1%}")
    rho = "  ".join(f"{c}={'n/a' if v is None else f'{v:.2f}'}" for c, v in rep["problem_strength_spearman"].items())
    lines.append(f"  problem strength (Spearman, sentence counts per page): {rho}")
    return lines

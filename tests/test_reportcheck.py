"""Report-level check: hand-counted figures, and the whole path on real pages of ../shared."""
from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

from conftest import ROOT, pipeline, shared_path, write_jsonl
from reportdiag.io import read_jsonl
from reportdiag.reportcheck import compare, gold_counts, run_counts, write_pages

IDS = ["goal", "responsibility", "carrier", "evaluation"]
REC = {"min_problem_sentences": 1, "max_practice_sentences": 0}


def sentence(doc, problem=(), practice=()):
    return {"doc": doc, "text": "x", "problem": list(problem), "practice": list(practice)}


def counts(rows: dict) -> pd.DataFrame:
    cols = [f"{s}_{c}_n" for s in ("problem", "practice") for c in IDS]
    return pd.DataFrame({page: {col: rows[page].get(col, 0) for col in cols} for page in rows}).T


def test_compare_hand_counted():
    gold = gold_counts([
        sentence("a", ["goal"]), sentence("a", ["goal", "carrier"]), sentence("a", practice=["carrier"]),
        sentence("b", ["evaluation"]),
        sentence("c"), sentence("c", ["goal"]),
        sentence("d", ["responsibility"]),  # the run lost this page: listed, not scored
    ], IDS)
    assert gold.loc["a", "problem_goal_n"] == 2 and gold.loc["a", "practice_carrier_n"] == 1
    run = counts({
        "a": {"problem_goal_n": 1, "problem_carrier_n": 2},        # carrier practice missed
        "b": {"problem_evaluation_n": 3, "practice_evaluation_n": 1},
        "c": {"problem_goal_n": 4, "problem_responsibility_n": 1},
    })
    rep = compare(gold, run, IDS, REC)
    assert rep["n_pages"] == 4 and rep["n_diagnosed"] == 3 and rep["not_diagnosed"] == ["d"]
    goal = rep["labels"]["problem"]["per_category"]["goal"]
    assert (goal["tp"], goal["fp"], goal["fn"]) == (2, 0, 0)
    resp = rep["labels"]["problem"]["per_category"]["responsibility"]
    assert (resp["tp"], resp["fp"], resp["fn"]) == (0, 1, 0)  # page d is not counted
    carrier_practice = rep["labels"]["practice"]["per_category"]["carrier"]
    assert (carrier_practice["tp"], carrier_practice["fn"]) == (0, 1)
    # recommendations (problem, no practice): gold a:{goal}, b:{evaluation}, c:{goal};
    # run a:{goal, carrier}, b:{} (practice seen), c:{goal, responsibility}
    rec = rep["recommendations"]["per_category"]
    assert (rec["goal"]["tp"], rec["goal"]["fp"], rec["goal"]["fn"]) == (2, 0, 0)
    assert (rec["carrier"]["fp"], rec["evaluation"]["fn"], rec["responsibility"]["fp"]) == (1, 1, 1)
    assert rep["recommendations"]["exact_pages"] == 0.0
    # goal counts: gold (2, 0, 1), run (1, 0, 4): ranks agree in order a > c > b? gold a > c > b, run c > a > b
    assert rep["problem_strength_spearman"]["goal"] == pytest.approx(0.5)
    assert rep["problem_strength_spearman"]["responsibility"] is None  # no variation in the gold


def test_write_pages_is_exactly_the_pages_file(tmp_path):
    pages = write_jsonl(tmp_path / "pages.jsonl", [{"id": "p1", "text": "一、存在的问题\n考核流于形式。"},
                                                  {"id": "p2", "text": "二是品牌空心化。"}])
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "stale.txt").write_text("old", encoding="utf-8")
    assert write_pages(pages, corpus) == 2
    assert sorted(p.name for p in corpus.iterdir()) == ["p1.txt", "p2.txt"]
    assert (corpus / "p1.txt").read_text(encoding="utf-8") == "一、存在的问题\n考核流于形式。"


def test_real_pages_through_the_pipeline(tmp_path, model_dir):
    """Twelve real pages run as a corpus: every page is diagnosed (none is lost), the gold side
    counts what ../shared labels, and the CLI writes the report figures."""
    pages = [p for p in read_jsonl(shared_path("eval", "dev_pages.jsonl"))][:12]
    ids = {p["id"] for p in pages}
    gold_rows = [r for r in read_jsonl(shared_path("eval", "dev.jsonl")) if r["doc"] in ids]
    write_jsonl(tmp_path / "pages.jsonl", pages)
    gold = write_jsonl(tmp_path / "gold.jsonl", gold_rows)
    write_pages(tmp_path / "pages.jsonl", tmp_path / "corpus")
    pipeline(tmp_path / "corpus", tmp_path / "run", model_dir)
    run = run_counts(tmp_path / "run" / "tables" / "report_diagnosis.csv", IDS)
    assert set(run.index) == ids
    out = ["--gold", str(gold), "--results", str(tmp_path / "out"), "--model-dir", str(model_dir)]
    proc = subprocess.run([sys.executable, "-m", "reportdiag", "evaluate-reports", "--run", str(tmp_path / "run"),
                           *out], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    # the sentence-level evaluation beside it: the model card shows both, whichever ran last
    sentence_eval = subprocess.run([sys.executable, "-m", "reportdiag", "evaluate", *out],
                                   cwd=ROOT, capture_output=True, text=True)
    assert sentence_eval.returncode == 0, sentence_eval.stderr
    card = (tmp_path / "out" / "model_card.md").read_text(encoding="utf-8")
    assert f"## Evaluation on `{gold}` ({len(gold_rows)} sentences)" in card
    assert f"## Report-level check on the pages of `{gold}`" in card and "pages: 12, diagnosed 12" in card
    # the sentence figures come with the model's average precision and page-resampled intervals
    sent = json.loads((tmp_path / "out" / "evaluation" / "gold.json").read_text(encoding="utf-8"))
    iv = sent["intervals"]
    assert iv["groups"] == 12 and "95% intervals" in sentence_eval.stdout and "average precision" in card
    for stance in ("problem", "practice"):
        lo, hi = iv["macro_f1"]["model"][stance]
        assert lo <= sent["model"][stance]["macro_f1"] <= hi
        gain_lo, gain_hi = iv["difference"]["model − dictionary_baseline"][stance]
        point = sent["model"][stance]["macro_f1"] - sent["dictionary_baseline"][stance]["macro_f1"]
        assert gain_lo <= point + 1e-9 and point - 1e-9 <= gain_hi
        aps = sent["ranking"][stance]["per_category"]
        assert set(aps) == {c for c in IDS if any(c in r[stance] for r in gold_rows)}
        assert all(0 < v <= 1 for v in aps.values())
    rep = json.loads((tmp_path / "out" / "evaluation" / "gold_reports.json").read_text(encoding="utf-8"))
    assert rep["n_pages"] == rep["n_diagnosed"] == 12 and rep["not_diagnosed"] == []
    for stance in ("problem", "practice"):
        for c in IDS:
            pages_with = {r["doc"] for r in gold_rows if c in r[stance]}
            assert rep["labels"][stance]["per_category"][c]["support"] == len(pages_with)
            predicted = {p for p in run.index if run.loc[p, f"{stance}_{c}_n"] > 0}
            figs = rep["labels"][stance]["per_category"][c]
            assert figs["tp"] + figs["fp"] == len(predicted)
    assert "problem" in proc.stdout and "recommendations" in proc.stdout

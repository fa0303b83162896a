"""Batches change how work is split, never the results; adding a report re-runs one batch."""
import re
import shutil

from conftest import ROOT, pipeline, run_snakemake
from reportdiag.corpus import batch_of

TABLES = ["report_diagnosis.csv", "evidence.csv", "summary_by_category.csv", "rejected.csv"]


def _small_corpus(tmp_path, n=10):
    src = sorted(p for p in (ROOT / "corpus").iterdir() if p.suffix in (".txt", ".docx") and p.stat().st_size < 8000)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for p in src[:n]:
        shutil.copy(p, corpus / p.name)
    return corpus, src[n:]


def test_batched_and_single_batch_runs_give_identical_tables(tmp_path, model_dir):
    corpus, _ = _small_corpus(tmp_path)
    one, many = tmp_path / "one", tmp_path / "many"
    pipeline(corpus, one, model_dir, "batches=1")
    pipeline(corpus, many, model_dir, "batches=5")
    assert len(list((many / "work" / "classify").glob("*.jsonl"))) > 1
    for t in TABLES:
        assert (one / "tables" / t).read_bytes() == (many / "tables" / t).read_bytes(), t


def _planned_jobs(corpus, results, model_dir) -> dict:
    proc = run_snakemake("--dry-run", config=(f"corpus={corpus}", f"results={results}", f"model_dir={model_dir}",
                                              "batches=8"))
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^(\w+)\s+(\d+)$", proc.stdout, re.M)}


def test_adding_a_report_reruns_only_its_batch(tmp_path, model_dir):
    corpus, spare = _small_corpus(tmp_path)
    results = tmp_path / "out"
    pipeline(corpus, results, model_dir, "batches=8")
    assert _planned_jobs(corpus, results, model_dir).get("ingest", 0) == 0  # nothing to do
    new = spare[0]
    shutil.copy(new, corpus / new.name)
    jobs = _planned_jobs(corpus, results, model_dir)
    assert jobs["ingest"] == jobs["segment"] == jobs["classify"] == jobs["tally"] == 1, jobs
    pipeline(corpus, results, model_dir, "batches=8")
    assert (results / "work" / "ingest" / f"{batch_of(new.name, 8)}.docs.jsonl").exists()

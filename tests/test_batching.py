"""Batches change how work is split, never the results; adding a report re-runs one batch."""
import re
import shutil

from conftest import ROOT, pipeline, run_snakemake
from reportdiag.corpus import batch_of

TABLES = ["tables/report_diagnosis.csv", "tables/evidence.csv", "tables/summary_by_category.csv",
          "tables/rejected.csv", "tables/residual_themes.csv", "tables/residual_sentences.csv",
          "lexicon/cue_diagnostics.csv", "lexicon/cue_candidates.csv"]


def _small_corpus(tmp_path, n=10):
    src = sorted(p for p in (ROOT / "corpus").iterdir() if p.suffix in (".txt", ".docx") and p.stat().st_size < 8000)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for p in src[:n]:
        shutil.copy(p, corpus / p.name)
    return corpus, src[n:]


def test_batched_and_single_batch_runs_give_identical_tables(tmp_path, model_dir):
    corpus, _ = _small_corpus(tmp_path)
    # an exact duplicate in another batch: the corpus-wide merges must leave it out exactly
    first = sorted(corpus.iterdir())[0]
    dup = next(name for k in range(100) for name in [f"zz_copy_{k}{first.suffix}"]
               if batch_of(name, 5) != batch_of(first.name, 5))
    shutil.copy(first, corpus / dup)
    one, many = tmp_path / "one", tmp_path / "many"
    pipeline(corpus, one, model_dir, "batches=1")
    pipeline(corpus, many, model_dir, "batches=5")
    assert len(list((many / "work" / "classify").glob("*.jsonl"))) > 1
    assert f"{dup},duplicate" in (many / "tables" / "rejected.csv").read_text(encoding="utf-8-sig")
    for t in TABLES:
        assert (one / t).read_bytes() == (many / t).read_bytes(), t


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
    assert jobs["ingest"] == jobs["segment"] == jobs["classify"] == 1, jobs
    pipeline(corpus, results, model_dir, "batches=8")
    assert (results / "work" / "ingest" / f"{batch_of(new.name, 8)}.docs.jsonl").exists()

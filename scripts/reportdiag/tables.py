"""Write the diagnosis tables of one run from the batch outputs."""
from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from .codebook import Codebook
from .corpus import list_corpus, metadata_warnings, name_warnings, read_metadata
from .diagnose import category_summary, evidence_table, report_table, split_statuses
from .io import read_jsonl, write_csv
from .recommend import mechanisms_by_report, recommendations
from .summaries import all_summaries

log = logging.getLogger(__name__)


def load_batches(status_files: list[str], score_files: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    status = pd.DataFrame([r for f in status_files for r in read_jsonl(f)])
    scores = pd.DataFrame([r for f in score_files for r in read_jsonl(f)])
    if scores.empty:
        scores = pd.DataFrame(columns=["report_id", "file", "sentence_no", "paragraph_no", "start", "end",
                                       "heading", "source", "problem", "practice", "p_problem", "p_practice", "cues"])
    return status, scores


SCORE_KEYS = ("id", "problem", "practice", "p_problem", "p_practice")


def load_scored_sentences(sentence_files: list[str], score_files: list[str],
                          accepted_files: set[str] | None = None) -> pd.DataFrame:
    """Segmented sentences (text, tokens, heading context) joined by id with their scores, in
    (file, sentence_no) order, with the report's previous sentence as ``prev``. ``accepted_files``
    keeps only reports that were diagnosed (duplicates and rejected files drop out)."""
    sent = pd.DataFrame([r for f in sentence_files for r in read_jsonl(f)])
    scores = pd.DataFrame([{k: r[k] for k in SCORE_KEYS} for f in score_files for r in read_jsonl(f)])
    if sent.empty or scores.empty:
        return pd.DataFrame(columns=["id", "report_id", "file", "sentence_no", "text", "source", "tokens",
                                     "heading", "section", "heading_level", "prev", *SCORE_KEYS[1:]])
    dup = sent["id"][sent["id"].duplicated()]
    if len(dup):  # batch files left over from a run with another number of batches
        raise ValueError(f"sentence {dup.iloc[0]} appears in two batch files: remove the work/ folder of "
                         "these results and run the pipeline again")
    df = sent.merge(scores.drop_duplicates("id"), on="id", how="inner")
    if accepted_files is not None:
        df = df[df["file"].isin(accepted_files)]
    df = df.sort_values(["file", "sentence_no"], kind="stable").reset_index(drop=True)
    df["prev"] = df.groupby("report_id")["text"].shift(1).fillna("")
    return df


def build_tables(status: pd.DataFrame, scores: pd.DataFrame, codebook: Codebook,
                 warnings: list[dict], config: dict) -> dict[str, pd.DataFrame]:
    """``config`` holds the ``recommend`` and ``summaries`` sections of the workflow config."""
    docs, rejected = split_statuses(status)
    scores = scores[scores["file"].isin(set(docs["file"]))].reset_index(drop=True)
    reports = report_table(docs, scores, codebook)
    evidence = evidence_table(scores, codebook)
    recs = recommendations(reports, evidence, codebook, config["recommend"])
    reports["recommended_mechanisms"] = mechanisms_by_report(recs, reports["report_id"])
    return {
        "report_diagnosis": reports,
        "evidence": evidence,
        "summary_by_category": category_summary(reports, codebook),
        **all_summaries(reports, codebook, config["summaries"]),
        "recommendations": recs,
        "rejected": rejected,
        "warnings": pd.DataFrame(warnings, columns=["file", "code", "message"]),
    }


def write_diagnosis(status_files: list[str], score_files: list[str], codebook: Codebook, corpus: str,
                    out_dir: str, config: dict) -> dict[str, pd.DataFrame]:
    status, scores = load_batches(status_files, score_files)
    files = list_corpus(corpus)
    warnings = name_warnings(corpus) + metadata_warnings(files, read_metadata(corpus))
    tables = build_tables(status, scores, codebook, warnings, config)
    for name, df in tables.items():
        write_csv(df, Path(out_dir) / f"{name}.csv")
    log.info("%d reports diagnosed, %d files rejected, %d warnings", len(tables["report_diagnosis"]),
             len(tables["rejected"]), len(tables["warnings"]))
    return tables

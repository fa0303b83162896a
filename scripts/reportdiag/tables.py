"""Write the diagnosis tables of one run from the batch outputs."""
from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from .codebook import Codebook
from .corpus import list_corpus, metadata_warnings, read_metadata
from .diagnose import category_summary, evidence_table, report_table, split_statuses
from .io import read_jsonl, write_csv

log = logging.getLogger(__name__)


def load_batches(status_files: list[str], score_files: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    status = pd.DataFrame([r for f in status_files for r in read_jsonl(f)])
    scores = pd.DataFrame([r for f in score_files for r in read_jsonl(f)])
    if scores.empty:
        scores = pd.DataFrame(columns=["report_id", "file", "sentence_no", "paragraph_no", "start", "end",
                                       "heading", "source", "problem", "practice", "p_problem", "p_practice", "cues"])
    return status, scores


def build_tables(status: pd.DataFrame, scores: pd.DataFrame, codebook: Codebook,
                 warnings: list[dict]) -> dict[str, pd.DataFrame]:
    docs, rejected = split_statuses(status)
    scores = scores[scores["file"].isin(set(docs["file"]))].reset_index(drop=True)
    reports = report_table(docs, scores, codebook)
    return {
        "report_diagnosis": reports,
        "evidence": evidence_table(scores, codebook),
        "summary_by_category": category_summary(reports, codebook),
        "rejected": rejected,
        "warnings": pd.DataFrame(warnings, columns=["file", "code", "message"]),
    }


def write_diagnosis(status_files: list[str], score_files: list[str], codebook: Codebook, corpus: str,
                    out_dir: str, config: dict | None = None) -> dict[str, pd.DataFrame]:
    status, scores = load_batches(status_files, score_files)
    files = list_corpus(corpus)
    warnings = metadata_warnings(files, read_metadata(corpus))
    tables = build_tables(status, scores, codebook, warnings)
    for name, df in tables.items():
        write_csv(df, Path(out_dir) / f"{name}.csv")
    log.info("%d reports diagnosed, %d files rejected, %d warnings", len(tables["report_diagnosis"]),
             len(tables["rejected"]), len(tables["warnings"]))
    return tables

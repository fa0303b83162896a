"""Write the diagnosis tables of one run from the batch outputs."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Iterator

import pandas as pd

from .codebook import Codebook
from .corpus import list_corpus, metadata_warnings, name_warnings, read_metadata
from .diagnose import (category_summary, evidence_table, report_counts, report_table, sort_evidence,
                       split_statuses)
from .io import read_jsonl, write_csv
from .recommend import mechanisms_by_report, recommendations
from .summaries import all_summaries

log = logging.getLogger(__name__)


SCORE_KEYS = ("id", "problem", "practice", "p_problem", "p_practice", "cues")


EMPTY_SCORED = ["id", "report_id", "file", "sentence_no", "text", "source", "tokens", "heading", "section",
                "heading_level", "prev", *SCORE_KEYS[1:]]


def iter_scored_batches(sentence_files: list[str], score_files: list[str],
                        accepted_files: set[str] | None = None) -> Iterator[pd.DataFrame]:
    """Per batch, :func:`scored_frame` of its sentence file and score file (empty batches are
    skipped). The two lists name the same batches in the same order."""
    if len(sentence_files) != len(score_files):
        raise ValueError(f"{len(sentence_files)} sentence files but {len(score_files)} score files")
    for sent_file, score_file in zip(sentence_files, score_files):
        df = scored_frame(list(read_jsonl(sent_file)), list(read_jsonl(score_file)), accepted_files)
        if df is not None:
            yield df


def scored_frame(sentences: list[dict], scores: list[dict],
                 accepted_files: set[str] | None = None) -> pd.DataFrame | None:
    """Segmented sentences (text, tokens, heading context) joined by id with their scores, in
    (file, sentence_no) order, with the report's previous sentence as ``prev``; None when either
    side is empty. ``accepted_files`` keeps only reports that were diagnosed (duplicates and
    rejected files drop out)."""
    sent = pd.DataFrame(sentences)
    scores = pd.DataFrame([{k: r[k] for k in SCORE_KEYS} for r in scores])
    if sent.empty or scores.empty:
        return None
    df = sent.merge(scores, on="id", how="inner", validate="one_to_one")
    if accepted_files is not None:
        df = df[df["file"].isin(accepted_files)]
    df = df.sort_values(["file", "sentence_no"], kind="stable").reset_index(drop=True)
    df["prev"] = df.groupby("report_id")["text"].shift(1).fillna("")
    return df


def load_scored_sentences(sentence_files: list[str], score_files: list[str],
                          accepted_files: set[str] | None = None) -> pd.DataFrame:
    """All batches of :func:`iter_scored_batches` in one frame, in (file, sentence_no) order."""
    frames = list(iter_scored_batches(sentence_files, score_files, accepted_files))
    if not frames:
        return pd.DataFrame(columns=EMPTY_SCORED)
    df = pd.concat(frames, ignore_index=True)
    dup = df["id"][df["id"].duplicated()]
    if len(dup):  # batch files left over from a run with another number of batches
        raise ValueError(f"sentence {dup.iloc[0]} appears in two batch files: remove the work/ folder of "
                         "these results and run the pipeline again")
    return df.sort_values(["file", "sentence_no"], kind="stable").reset_index(drop=True)


def build_tables(docs: pd.DataFrame, rejected: pd.DataFrame, counts: pd.DataFrame, evidence: pd.DataFrame,
                 codebook: Codebook, warnings: list[dict], config: dict) -> dict[str, pd.DataFrame]:
    """``config`` holds the ``recommend`` and ``summaries`` sections of the workflow config."""
    reports = report_table(docs, counts, codebook)
    evidence = sort_evidence(evidence[evidence["file"].isin(set(docs["file"]))], codebook)
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


def write_diagnosis(status_files: list[str], part_files: list[str], codebook: Codebook, corpus: str,
                    out_dir: str, config: dict) -> dict[str, pd.DataFrame]:
    """The rule's work: the batches' diagnose parts (report counts and evidence rows, see
    :mod:`reportdiag.tally`) merged with the ingest statuses into the diagnosis tables."""
    from .tally import read_parts

    docs, rejected = split_statuses(pd.DataFrame([r for f in status_files for r in read_jsonl(f)]))
    parts = [p for p in read_parts(part_files) if p is not None]
    counts = pd.concat([p["counts"] for p in parts]) if parts else pd.DataFrame()
    evidence = (pd.concat([p["evidence"] for p in parts], ignore_index=True) if parts
                else evidence_table(pd.DataFrame(), codebook))
    files = list_corpus(corpus)
    warnings = name_warnings(corpus) + metadata_warnings(files, read_metadata(corpus))
    tables = build_tables(docs, rejected, counts, evidence, codebook, warnings, config)
    for name, df in tables.items():
        write_csv(df, Path(out_dir) / f"{name}.csv")
    log.info("%d reports diagnosed, %d files rejected, %d warnings", len(tables["report_diagnosis"]),
             len(tables["rejected"]), len(tables["warnings"]))
    return tables

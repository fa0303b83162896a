"""Report-level diagnosis tables from sentence scores: report × category counts and densities,
evidence sentences, per-category summary, rejected files and metadata warnings."""
from __future__ import annotations

import numpy as np
import pandas as pd

from .codebook import Codebook
from .readers import REASONS

STANCES = ("problem", "practice")
REJECTED_COLUMNS = ["file", "reason", "message", "duplicate_of", "sha256"]


def split_statuses(status: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Accepted documents and rejected files; exact duplicates (same normalised text) are rejected
    in favour of the first file in path order, which the row names."""
    status = status.sort_values("file", kind="stable").reset_index(drop=True)
    ok = status[status["status"] == "ok"].copy()
    dup_mask = ok.duplicated("text_sha256", keep="first")
    first = ok[~dup_mask].set_index("text_sha256")["file"]
    dups = ok[dup_mask].copy()
    dups["reason"] = "duplicate"
    dups["duplicate_of"] = dups["text_sha256"].map(first)
    dups["message"] = REASONS["duplicate"] + ": same text as " + dups["duplicate_of"]
    rejected = pd.concat([status[status["status"] != "ok"].assign(duplicate_of=""), dups], ignore_index=True)
    rejected = rejected.sort_values("file", kind="stable")[REJECTED_COLUMNS].reset_index(drop=True)
    return ok[~dup_mask].reset_index(drop=True), rejected


def accepted_files(status_files: list[str]) -> set[str]:
    """The report files that are diagnosed (:func:`split_statuses` of the ingest statuses), so the
    corpus-wide steps can leave out rejected files and duplicates without waiting for each other."""
    from .io import read_jsonl

    status = pd.DataFrame([r for f in status_files for r in read_jsonl(f)])
    return set(split_statuses(status)[0]["file"]) if len(status) else set()


def report_counts(sentences: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """Per report of ``sentences`` (one batch or more; report_id, problem/practice label lists,
    p_problem dicts): sentence count and, per category, problem and practice sentence counts and
    the summed probability of the problem sentences in units of 1e-4 (the precision the classify
    step writes), an exact integer, so the mean does not depend on how sentences were grouped."""
    from .tally import label_matrix, probability_matrix

    by = sentences["report_id"]
    problem = [f"problem:{c}" for c in codebook.ids]
    practice = [f"practice:{c}" for c in codebook.ids]
    L_p, L_q = label_matrix(sentences, problem), label_matrix(sentences, practice)
    P = probability_matrix(sentences, problem)
    cols = {"n_sentences": by.value_counts()}
    for k, c in enumerate(codebook.ids):
        has_p = pd.Series(L_p[:, k], index=sentences.index)
        has_q = pd.Series(L_q[:, k], index=sentences.index)
        p_c = pd.Series(P[:, k], index=sentences.index)
        cols[f"problem_{c}_n"] = has_p.groupby(by).sum()
        cols[f"problem_{c}_psum"] = (p_c * 10000).round().astype(np.int64).where(has_p, 0).groupby(by).sum()
        cols[f"practice_{c}_n"] = has_q.groupby(by).sum()
    return pd.DataFrame(cols).rename_axis("report_id")


def report_table(docs: pd.DataFrame, counts: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """One row per accepted report, from its document row and its :func:`report_counts`."""
    ids = codebook.ids
    base = docs[["report_id", "file", "unit", "unit_type", "year", "genre", "title", "n_chars"]].copy()

    def col(name, fill=0):
        return base["report_id"].map(counts[name]).fillna(fill) if len(counts) else pd.Series(fill, index=base.index)

    base["n_sentences"] = col("n_sentences").astype(int)
    cols = {}
    for c in ids:
        n_p = col(f"problem_{c}_n").astype(int)
        cols[f"problem_{c}_n"] = n_p
        cols[f"problem_{c}_share"] = (n_p / base["n_sentences"].replace(0, np.nan)).fillna(0.0).round(4)
        cols[f"problem_{c}_per10k"] = (n_p * 10000 / base["n_chars"].replace(0, np.nan)).fillna(0.0).round(3)
        cols[f"problem_{c}_mean_p"] = (col(f"problem_{c}_psum") / (n_p.replace(0, np.nan) * 10000)).fillna(0.0).round(4)
        cols[f"practice_{c}_n"] = col(f"practice_{c}_n").astype(int)
    table = pd.concat([base.reset_index(drop=True), pd.DataFrame(cols).reset_index(drop=True)], axis=1)
    n = table[[f"problem_{c}_n" for c in ids]].to_numpy().tolist()
    mean_p = table[[f"problem_{c}_mean_p" for c in ids]].to_numpy().tolist()
    table["dominant_problem"] = [_dominant(a, b, ids) for a, b in zip(n, mean_p)]
    # recommended_mechanisms is added by tables.build_tables from recommend.py (config thresholds)
    return table.sort_values("file", kind="stable").reset_index(drop=True)


def _dominant(n: list, mean_p: list, ids) -> str:
    """The category with most problem sentences; ties go to the higher mean probability, then to
    the earlier category."""
    best = max(zip(n, mean_p, range(0, -len(ids), -1), ids))
    return best[3] if best[0] > 0 else ""


def evidence_table(sentences: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    rows = []
    labelled = sentences["problem"].map(len).to_numpy() + sentences["practice"].map(len).to_numpy() > 0
    for r in sentences[labelled].itertuples(index=False):
        for stance in STANCES:
            for c in getattr(r, stance):
                rows.append({
                    "report_id": r.report_id, "file": r.file, "sentence_no": r.sentence_no,
                    "paragraph_no": r.paragraph_no, "start": r.start, "end": r.end, "category": c,
                    "stance": stance, "probability": getattr(r, f"p_{stance}")[c],
                    "cues": r.cues.get(f"{stance}:{c}", ""), "heading": r.heading, "text": r.source,
                })
    cols = ["report_id", "file", "sentence_no", "paragraph_no", "start", "end", "category", "stance",
            "probability", "cues", "heading", "text"]
    return sort_evidence(pd.DataFrame(rows, columns=cols), codebook)


def sort_evidence(ev: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    order = {c: k for k, c in enumerate(codebook.ids)}
    ev["_c"] = ev["category"].map(order)
    ev["_s"] = ev["stance"].map({"problem": 0, "practice": 1})
    return ev.sort_values(["file", "sentence_no", "_s", "_c"], kind="stable").drop(columns=["_c", "_s"]).reset_index(drop=True)


def category_summary(reports: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    n = len(reports)
    rows = []
    for c in codebook.ids:
        cat = codebook.category(c)
        affected = int((reports[f"problem_{c}_n"] > 0).sum())
        rows.append({
            "category": c, "name": cat["name"], "reports": n, "reports_affected": affected,
            "share_affected": round(affected / n, 4) if n else 0.0,
            "problem_sentences": int(reports[f"problem_{c}_n"].sum()),
            "practice_sentences": int(reports[f"practice_{c}_n"].sum()),
            "reports_with_practice": int((reports[f"practice_{c}_n"] > 0).sum()),
            "mean_per10k": round(float(reports[f"problem_{c}_per10k"].mean()), 3) if n else 0.0,
            "mechanism": cat["mechanism"]["name"],
        })
    return pd.DataFrame(rows)

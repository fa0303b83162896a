"""Run history for quarterly re-analysis: each run's tables are kept under
``history/<run-id>/`` and ``history/runs.csv`` lists the runs in the order they happened (a
sequence number, not a time). ``changes.csv`` compares this run with the previous one that had
different results."""
from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pandas as pd

from .codebook import Codebook
from .io import read_csv, write_csv

log = logging.getLogger(__name__)

RUNS_FILE = "runs.csv"
RUNS_COLUMNS = ["seq", "run_id", "previous_run_id", "reports", "new", "removed", "changed"]
REPORTS_TABLE = "report_diagnosis.csv"
CHANGE_ORDER = {"new": 0, "removed": 1, "changed": 2}


def read_runs(history: Path) -> pd.DataFrame:
    path = history / RUNS_FILE
    if not path.exists():
        return pd.DataFrame(columns=RUNS_COLUMNS)
    return read_csv(path)


def previous_reports(history: Path | str, run_id: str) -> tuple[str, pd.DataFrame | None]:
    """The most recent earlier run with a different id whose tables are still there, and its
    report table; ("", None) on the first run."""
    history = Path(history)
    for prev in reversed(read_runs(history)["run_id"].tolist()):
        if prev == run_id:
            continue
        table = history / prev / REPORTS_TABLE
        if table.exists():
            return prev, read_csv(table)
        log.warning("run %s is listed in %s but %s is gone; comparing with an older run",
                    prev, history / RUNS_FILE, table)
    return "", None


def count_columns(codebook: Codebook) -> list[str]:
    return [f"{s}_{c}_n" for c in codebook.ids for s in ("problem", "practice")]


def diff_reports(old: pd.DataFrame | None, new: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """One row per report that is new, removed, or whose problem/practice counts changed, with the
    old and new counts per category (empty where the report did not exist)."""
    counts = count_columns(codebook)
    columns = ["report_id", "file", "change"] + [f"{age}_{c}" for c in counts for age in ("old", "new")]
    if old is None:
        old = pd.DataFrame(columns=["report_id", "file", *counts])
    for c in counts:  # a category added to the codebook since the previous run counts as 0 there
        if c not in old.columns:
            old[c] = 0
    o = old.set_index("report_id")
    n = new.set_index("report_id")
    rows = []
    for rid in sorted(set(o.index) | set(n.index)):
        if rid not in o.index:
            change = "new"
        elif rid not in n.index:
            change = "removed"
        elif any(int(o.at[rid, c]) != int(n.at[rid, c]) for c in counts):
            change = "changed"
        else:
            continue
        row = {"report_id": rid, "file": (n if rid in n.index else o).at[rid, "file"], "change": change}
        for c in counts:
            row[f"old_{c}"] = int(o.at[rid, c]) if rid in o.index else None
            row[f"new_{c}"] = int(n.at[rid, c]) if rid in n.index else None
        rows.append(row)
    out = pd.DataFrame(rows, columns=columns)
    for c in columns[3:]:
        out[c] = out[c].astype("Int64")
    out["_o"] = out["change"].map(CHANGE_ORDER)
    return out.sort_values(["_o", "file", "report_id"], kind="stable").drop(columns="_o").reset_index(drop=True)


def record_run(history: Path | str, run_id: str, previous: str, files: list[Path | str],
               changes: pd.DataFrame, n_reports: int) -> Path:
    """Copy this run's files to ``history/<run_id>/`` and append it to runs.csv (unless it is
    already the last run listed, as when the same inputs are run again)."""
    history = Path(history)
    dest = history / run_id
    dest.mkdir(parents=True, exist_ok=True)
    for f in files:
        shutil.copyfile(f, dest / Path(f).name)
    runs = read_runs(history)
    if runs.empty or runs["run_id"].iloc[-1] != run_id:
        counts = changes["change"].value_counts()
        row = {"seq": len(runs) + 1, "run_id": run_id, "previous_run_id": previous, "reports": n_reports,
               **{k: int(counts.get(k, 0)) for k in CHANGE_ORDER}}
        write_csv(pd.concat([runs, pd.DataFrame([row])], ignore_index=True)[RUNS_COLUMNS], history / RUNS_FILE)
    return dest

"""Group summaries of the report table: per group and category, the share of reports with problem
evidence with a seeded 95% bootstrap interval, density and practice coverage; and the
report × category coding matrix with row and column percentages."""
from __future__ import annotations

import numpy as np
import pandas as pd

from .codebook import Codebook

GROUPS = ("unit_type", "year", "unit")
SUMMARY_COLUMNS = ["category", "name", "reports", "reports_affected", "share_affected", "ci_low", "ci_high",
                   "problem_sentences", "mean_per10k", "reports_with_practice", "practice_coverage"]
TOTAL_ROW = "(total)"


def share_ci(flags: np.ndarray, resamples: int, seed: int, level: float = 0.95) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean of 0/1 flags. Percentile (not BCa) because BCa is
    undefined when every report agrees, which is common in small groups; one report, or none,
    has no spread to resample and gets the degenerate interval of its own value."""
    flags = np.asarray(flags, dtype=float)
    if len(flags) == 0:
        return float("nan"), float("nan")
    if len(flags) == 1 or np.all(flags == flags[0]):
        return float(flags[0]), float(flags[0])
    from scipy.stats import bootstrap  # here, not at import: scipy.stats costs every batch job 0.8 s

    res = bootstrap((flags,), np.mean, n_resamples=resamples, confidence_level=level, method="percentile",
                    vectorized=True, rng=np.random.default_rng(seed))
    return float(res.confidence_interval.low), float(res.confidence_interval.high)


def _group_key(values: pd.Series) -> pd.Series:
    """Group labels as text (years without a trailing .0); missing values form the group ''."""
    def label(v):
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return ""
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return str(v)
    return values.map(label)


def group_summary(reports: pd.DataFrame, codebook: Codebook, by: str, resamples: int, seed: int) -> pd.DataFrame:
    """One row per (group, category). Every group's intervals use the same seed, so a group's
    numbers do not depend on which other groups exist."""
    keys = _group_key(reports[by]).to_numpy(dtype=object) if len(reports) else np.array([], dtype=object)
    members: dict[str, list[int]] = {}  # each group's rows in table order
    for i, key in enumerate(keys):
        members.setdefault(key, []).append(i)
    cols = {f"{kind}_{c}_{what}": reports[f"{kind}_{c}_{what}"].to_numpy()
            for c in codebook.ids for kind, what in (("problem", "n"), ("problem", "per10k"), ("practice", "n"))}
    names = {c: codebook.category(c)["name"] for c in codebook.ids}
    rows = []
    for key in sorted(members):
        idx = np.array(members[key], dtype=np.int64)
        n = len(idx)
        for c in codebook.ids:
            counts = cols[f"problem_{c}_n"][idx]
            flags = counts > 0
            lo, hi = share_ci(flags, resamples, seed)
            practice = int((cols[f"practice_{c}_n"][idx] > 0).sum())
            rows.append({
                by: key, "category": c, "name": names[c], "reports": n,
                "reports_affected": int(flags.sum()), "share_affected": round(float(flags.mean()), 4),
                "ci_low": round(lo, 4), "ci_high": round(hi, 4),
                "problem_sentences": int(counts.sum()),
                "mean_per10k": round(float(cols[f"problem_{c}_per10k"][idx].mean()), 3),
                "reports_with_practice": practice, "practice_coverage": round(practice / n, 4),
            })
    return pd.DataFrame(rows, columns=[by, *SUMMARY_COLUMNS])


def coding_matrix(reports: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """Problem sentences per report and category, as qualitative-analysis tools show them: each
    count with its row percentage (share of the report's problem sentences) and column percentage
    (share of the category's sentences in the corpus), and a closing total row."""
    ids = codebook.ids
    counts = reports[[f"problem_{c}_n" for c in ids]].astype(int)
    counts.columns = ids
    row_tot = counts.sum(axis=1)
    col_tot = counts.sum(axis=0)
    out = reports[["report_id", "file", "unit"]].copy()
    total = {"report_id": TOTAL_ROW, "file": "", "unit": ""}
    for c in ids:
        out[f"problem_{c}_n"] = counts[c]
        out[f"problem_{c}_row_pct"] = _pct(counts[c], row_tot)
        out[f"problem_{c}_col_pct"] = _pct(counts[c], pd.Series(col_tot[c], index=counts.index))
        total[f"problem_{c}_n"] = int(col_tot[c])
        total[f"problem_{c}_row_pct"] = round(100 * col_tot[c] / col_tot.sum(), 2) if col_tot.sum() else 0.0
        total[f"problem_{c}_col_pct"] = 100.0 if col_tot[c] else 0.0
    out["problem_total"] = row_tot
    total["problem_total"] = int(col_tot.sum())
    return pd.concat([out, pd.DataFrame([total])], ignore_index=True)


def _pct(part: pd.Series, whole: pd.Series) -> pd.Series:
    return (100 * part / whole.replace(0, np.nan)).fillna(0.0).round(2)


def all_summaries(reports: pd.DataFrame, codebook: Codebook, cfg: dict) -> dict[str, pd.DataFrame]:
    out = {f"summary_by_{by}": group_summary(reports, codebook, by, cfg["bootstrap_resamples"], cfg["seed"])
           for by in GROUPS}
    out["coding_matrix"] = coding_matrix(reports, codebook)
    return out

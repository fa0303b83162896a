"""Per-report recommendations: each category a report shows problems in, while its practice
evidence is weak or absent, gets the codebook's paired mechanism, its measures and the strongest
problem sentences. Thresholds come from config ``recommend:``."""
from __future__ import annotations

import pandas as pd

from .codebook import Codebook

MEASURE_SEP = "；"


def recommendation_columns(n_evidence: int) -> list[str]:
    cols = ["report_id", "file", "unit", "category", "name", "problem_n", "practice_n", "mechanism", "summary",
            "measures"]
    for k in range(1, n_evidence + 1):
        cols += [f"evidence_{k}", f"evidence_{k}_sentence_no", f"evidence_{k}_probability"]
    return cols


def strongest_evidence(evidence: pd.DataFrame, n: int) -> pd.DataFrame:
    """The ``n`` most probable problem sentences per (report, category); ties go to the earlier
    sentence so the choice is stable."""
    ev = evidence[evidence["stance"] == "problem"]
    ev = ev.sort_values(["report_id", "category", "probability", "sentence_no"],
                        ascending=[True, True, False, True], kind="stable")
    return ev.groupby(["report_id", "category"], sort=False).head(n)


def recommendations(reports: pd.DataFrame, evidence: pd.DataFrame, codebook: Codebook, cfg: dict) -> pd.DataFrame:
    n_ev = cfg["evidence_per_category"]
    top: dict[tuple, list[tuple]] = {}  # (report, category) → its strongest (text, sentence_no, probability)
    for e in strongest_evidence(evidence, n_ev).itertuples(index=False):
        top.setdefault((e.report_id, e.category), []).append((e.text, int(e.sentence_no), float(e.probability)))
    rows = []
    for r in reports.itertuples(index=False):
        for c in codebook.ids:
            n_p, n_q = getattr(r, f"problem_{c}_n"), getattr(r, f"practice_{c}_n")
            if n_p < cfg["min_problem_sentences"] or n_q > cfg["max_practice_sentences"]:
                continue
            cat = codebook.category(c)
            mech = cat["mechanism"]
            row = {"report_id": r.report_id, "file": r.file, "unit": r.unit, "category": c, "name": cat["name"],
                   "problem_n": int(n_p), "practice_n": int(n_q), "mechanism": mech["name"],
                   "summary": mech["summary"].strip(), "measures": MEASURE_SEP.join(mech["measures"])}
            best = top.get((r.report_id, c), [])
            for k in range(1, n_ev + 1):
                text, no, p = best[k - 1] if k <= len(best) else ("", None, None)
                row[f"evidence_{k}"], row[f"evidence_{k}_sentence_no"], row[f"evidence_{k}_probability"] = text, no, p
            rows.append(row)
    out = pd.DataFrame(rows, columns=recommendation_columns(n_ev))
    for k in range(1, n_ev + 1):
        out[f"evidence_{k}_sentence_no"] = out[f"evidence_{k}_sentence_no"].astype("Int64")
    return out


def mechanisms_by_report(recs: pd.DataFrame, report_ids: pd.Series) -> pd.Series:
    """The recommended mechanisms of each report, in codebook order, joined for one table cell."""
    joined = recs.groupby("report_id", sort=False)["mechanism"].agg(MEASURE_SEP.join)
    return report_ids.map(joined).fillna("")

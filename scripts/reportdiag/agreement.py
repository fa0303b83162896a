"""Agreement between two codings of the same sentences (coder vs coder, or coder vs model).

Rows are matched by ``id``. For every stance and category each sentence is a yes/no decision of
each side; per (stance, category) we report the 2×2 counts, the percentage agreement
p_o = (both + neither) / n and Cohen's kappa κ = (p_o − p_e) / (1 − p_e) with
p_e = p_a·p_b + (1 − p_a)(1 − p_b), p_a and p_b being each side's share of "yes". κ is undefined
(left empty) when p_e = 1, i.e. both sides give the same constant answer. The ``all`` row of a
stance gives the share of sentences whose whole label sets agree and the mean κ over categories.
"""
from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from .annotations import read_labels
from .codebook import STANCES, Codebook

SUMMARY_COLUMNS = ["stance", "category", "n", "both", "only_a", "only_b", "neither", "agreement", "kappa", "note"]
DISAGREEMENT_COLUMNS = ["id", "stance", "a", "b", "only_a", "only_b", "text"]


class AgreementError(ValueError):
    pass


def cohen_kappa(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Percentage agreement and Cohen's kappa of two binary vectors (kappa NaN when undefined)."""
    a, b = np.asarray(a, dtype=bool), np.asarray(b, dtype=bool)
    n = len(a)
    if n == 0:
        return float("nan"), float("nan")
    po = float(np.mean(a == b))
    pa, pb = float(a.mean()), float(b.mean())
    pe = pa * pb + (1 - pa) * (1 - pb)
    return po, (po - pe) / (1 - pe) if pe < 1 else float("nan")


def read_coding(path: Path | str, codebook: Codebook) -> dict[str, dict]:
    """One coding by sentence id; unknown category ids and repeated ids are errors naming the row."""
    path = Path(path)
    if not path.exists():
        raise AgreementError(f"{path}: no such file")
    try:
        rows = read_labels(path, require=("id", "problem", "practice"))
    except (ValueError, OSError, zipfile.BadZipFile) as e:  # missing columns, bad JSON or a damaged workbook
        raise AgreementError(str(e) if str(path) in str(e) else f"{path}: {e}") from e
    known = set(codebook.ids)
    out: dict[str, dict] = {}
    for r in rows:
        for stance in STANCES:
            bad = sorted(set(r[stance]) - known)
            if bad:
                raise AgreementError(f"{path}: id {r['id']}: unknown category {bad} in {stance} "
                                     f"(the codebook has {', '.join(codebook.ids)})")
        if r["id"] in out:
            raise AgreementError(f"{path}: id {r['id']} appears more than once")
        out[r["id"]] = r
    return out


def compare(a: dict[str, dict], b: dict[str, dict], codebook: Codebook) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Summary per (stance, category), the disagreements, and match counts."""
    common = sorted(set(a) & set(b))
    if not common:
        raise AgreementError("the two files share no sentence id; agreement needs the same sentences "
                             "(fill in copies of the same sample file)")
    rows = []
    for stance in STANCES:
        kappas = []
        for c in codebook.ids:
            x = np.array([c in a[i][stance] for i in common])
            y = np.array([c in b[i][stance] for i in common])
            po, k = cohen_kappa(x, y)
            if not np.isnan(k):
                kappas.append(k)
            rows.append({"stance": stance, "category": c, "n": len(common), "both": int((x & y).sum()),
                         "only_a": int((x & ~y).sum()), "only_b": int((~x & y).sum()),
                         "neither": int((~x & ~y).sum()), "agreement": round(po, 4),
                         "kappa": round(k, 4) if not np.isnan(k) else None,
                         "note": "kappa undefined: both sides constant" if np.isnan(k) else ""})
        exact = float(np.mean([set(a[i][stance]) == set(b[i][stance]) for i in common]))
        rows.append({"stance": stance, "category": "all", "n": len(common), "both": None, "only_a": None,
                     "only_b": None, "neither": None, "agreement": round(exact, 4),
                     "kappa": round(float(np.mean(kappas)), 4) if kappas else None,
                     "note": "agreement: identical label sets; kappa: mean over categories"})
    dis = []
    for i in common:
        for stance in STANCES:
            sa, sb = set(a[i][stance]), set(b[i][stance])
            if sa != sb:
                order = codebook.ids
                dis.append({"id": i, "stance": stance, "a": ",".join(c for c in order if c in sa),
                            "b": ",".join(c for c in order if c in sb),
                            "only_a": ",".join(c for c in order if c in sa - sb),
                            "only_b": ",".join(c for c in order if c in sb - sa),
                            "text": a[i].get("text") or b[i].get("text", "")})
    counts = {"matched": len(common), "only_in_a": len(set(a) - set(b)), "only_in_b": len(set(b) - set(a))}
    return (pd.DataFrame(rows, columns=SUMMARY_COLUMNS), pd.DataFrame(dis, columns=DISAGREEMENT_COLUMNS), counts)


def run(a_path: Path | str, b_path: Path | str, codebook: Codebook, out_dir: Path | str) -> dict:
    """Compare two files and write ``<a>_vs_<b>.agreement.csv`` and ``.disagreements.csv``."""
    from .io import write_csv

    summary, dis, counts = compare(read_coding(a_path, codebook), read_coding(b_path, codebook), codebook)
    stem = f"{Path(a_path).stem}_vs_{Path(b_path).stem}"
    paths = {"summary": Path(out_dir) / f"{stem}.agreement.csv",
             "disagreements": Path(out_dir) / f"{stem}.disagreements.csv"}
    write_csv(summary, paths["summary"])
    write_csv(dis, paths["disagreements"])
    return {"summary": summary, "disagreements": dis, "counts": counts, "paths": paths}


def summary_lines(summary: pd.DataFrame, counts: dict) -> list[str]:
    lines = [f"{counts['matched']} sentences matched by id ({counts['only_in_a']} only in A, "
             f"{counts['only_in_b']} only in B)", f"{'stance':9s}{'category':16s}{'n':>5s}{'agree':>8s}{'kappa':>8s}"]
    for r in summary.itertuples(index=False):
        k = "–" if r.kappa is None or pd.isna(r.kappa) else f"{r.kappa:.3f}"
        lines.append(f"{r.stance:9s}{r.category:16s}{r.n:5d}{r.agreement:8.3f}{k:>8s}")
    return lines

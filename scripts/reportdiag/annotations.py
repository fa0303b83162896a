"""User annotations: labelled sentences a researcher adds (JSON Lines, CSV or XLSX with ``text`` and
``problem``/``practice`` columns holding category ids separated by commas or semicolons)."""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from .io import read_jsonl


def parse_ids(value) -> list[str]:
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return []
    return [v for v in re.split(r"[\s,;，；、|]+", str(value).strip()) if v]


def read_labels(path: Path | str) -> list[dict]:
    """Rows with ``id``, ``text`` (when present), ``problem``, ``practice`` from any supported file."""
    path = Path(path)
    if path.suffix.lower() == ".jsonl":
        rows = list(read_jsonl(path))
    elif path.suffix.lower() == ".xlsx":
        rows = pd.read_excel(path, sheet_name=0, dtype=str).to_dict("records")
    else:
        rows = pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False).to_dict("records")
    out = []
    for i, r in enumerate(rows):
        rec = {"id": str(r.get("id") or f"{path.stem}-{i}"), "problem": parse_ids(r.get("problem")),
               "practice": parse_ids(r.get("practice"))}
        if r.get("text"):
            rec["text"] = str(r["text"])
        if r.get("doc"):
            rec["doc"] = str(r["doc"])
        out.append(rec)
    return out


def load_annotations(paths: list[Path | str]) -> list[dict]:
    rows = []
    for p in sorted(paths):
        for r in read_labels(p):
            if r.get("text"):
                r.setdefault("doc", f"user-{Path(p).stem}-{r['id']}")
                rows.append(r)
    return rows

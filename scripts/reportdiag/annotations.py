"""User annotations: labelled sentences a researcher adds (JSON Lines, CSV or XLSX with ``text`` and
``problem``/``practice`` columns holding category ids separated by commas or semicolons)."""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from .io import read_jsonl


CONTEXT = ("section", "prev")


def parse_ids(value) -> list[str]:
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return []
    return [v for v in re.split(r"[\s,;，；、|]+", str(value).strip()) if v]


def read_labels(path: Path | str, require: tuple[str, ...] = ()) -> list[dict]:
    """Rows with ``id``, ``text`` (when present), ``problem``, ``practice`` from any supported file.
    Fields in ``require`` must be present (a column, or a key on every JSON line)."""
    path = Path(path)
    if path.suffix.lower() == ".jsonl":
        rows = list(read_jsonl(path))
    elif path.suffix.lower() == ".xlsx":
        rows = pd.read_excel(path, sheet_name=0, dtype=str).to_dict("records")
    else:
        rows = pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False).to_dict("records")
    for n, r in enumerate(rows, 1):
        missing = [k for k in require if k not in r]
        if missing:
            where = f"line {n}" if path.suffix.lower() == ".jsonl" else "header"
            raise ValueError(f"{path}: {where} lacks {', '.join(missing)} (needed: {', '.join(require)})")
    out = []
    for i, r in enumerate(rows):
        rec = {"id": str(r.get("id") or f"{path.stem}-{i}"), "problem": parse_ids(r.get("problem")),
               "practice": parse_ids(r.get("practice"))}
        if r.get("text"):
            rec["text"] = str(r["text"])
        if r.get("doc"):
            rec["doc"] = str(r["doc"])
        for key in CONTEXT:  # the sample's context columns, so the model sees the sentence in place
            if isinstance(r.get(key), str) and r[key]:
                rec[key] = r[key]
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


def _key(text: str) -> str:
    from .normalize import to_simplified

    return "".join(to_simplified(text).split())


def merge(project: list[dict], user: list[dict]) -> list[dict]:
    """The project's rows plus the user's: a user row replaces every project row with the same
    text (compared in simplified characters without spaces), and of user rows with the same text
    the last one (in file order) is kept."""
    latest = {_key(r["text"]): k for k, r in enumerate(user)}
    kept_user = [r for k, r in enumerate(user) if latest[_key(r["text"])] == k]
    return [r for r in project if _key(r["text"]) not in latest] + kept_user


def holdout(user: list[dict], fraction: float) -> set[str]:
    """The documents of the user's rows held out to measure the model before and after their labels:
    ``fraction`` of them (at least one when there are two or more), chosen by a hash of the document
    name so the choice is the same on every machine and run."""
    import hashlib
    import math

    docs = sorted({r["doc"] for r in user}, key=lambda d: hashlib.sha256(d.encode()).hexdigest())
    if len(docs) < 2 or fraction <= 0:
        return set()
    return set(docs[: max(1, math.floor(fraction * len(docs)))])

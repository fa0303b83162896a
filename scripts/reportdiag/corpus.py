"""Find the corpus files, assign them to stable batches, and resolve their metadata.

A file's batch depends only on its own path (a hash), so adding reports never moves old ones to
another batch and an incremental run redoes one batch plus the aggregation.
"""
from __future__ import annotations

import csv
import hashlib
import itertools
import os
import re
import unicodedata
from pathlib import Path

METADATA_FILE = "metadata.csv"
META_FIELDS = ["report_id", "unit", "unit_type", "year", "genre", "title"]


def _name_as_text(name: str) -> str:
    """A file name as text. Names that are not UTF-8 on disk (zip archives made on Chinese Windows)
    come back from the OS with surrogate escapes, which no CSV or JSON can hold; they are shown
    decoded as GB18030, or with their bytes escaped (``\\xb5``) if even that fails."""
    raw = os.fsencode(name)
    for enc in ("utf-8", "gb18030"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            pass
    return raw.decode("utf-8", "backslashreplace")


def corpus_paths(corpus: Path | str) -> dict[str, str]:
    """Every file under ``corpus`` except hidden ones and metadata.csv: its name in the tables
    (relative POSIX path, NFC so macOS and Linux agree) → its relative path on disk.

    Names that only differ in Unicode normalisation or encoding keep distinct table names, so no
    file is ever dropped: the first in byte order gets the NFC form."""
    corpus = Path(corpus)
    disk_rels = []
    for root, dirs, files in os.walk(corpus):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            if not name.startswith("."):
                disk_rels.append(Path(root, name).relative_to(corpus).as_posix())
    out: dict[str, str] = {}
    for disk in sorted(disk_rels, key=os.fsencode):
        text = "/".join(_name_as_text(part) for part in disk.split("/"))
        if text == METADATA_FILE:
            continue
        escaped = os.fsencode(disk).decode("ascii", "backslashreplace")
        candidates = itertools.chain((unicodedata.normalize("NFC", text), text, escaped),
                                     (f"{escaped}~{n}" for n in itertools.count(2)))
        shown = next(s for s in candidates if s not in out)
        out[shown] = disk
    return out


def list_corpus(corpus: Path | str) -> list[str]:
    """Table names (see :func:`corpus_paths`) of every file under ``corpus``, sorted."""
    return sorted(corpus_paths(corpus))


def name_warnings(corpus: Path | str) -> list[dict]:
    """Files whose name on disk differs from the name the tables give them."""
    out = []
    for shown, disk in sorted(corpus_paths(corpus).items()):
        if shown == disk:
            continue
        if _name_as_text(disk) != disk:
            why = "the file name on disk is not UTF-8; shown decoded as GB18030 (unzipped from a Windows archive?) or escaped"
        elif unicodedata.normalize("NFC", disk) != disk:
            why = "the file name is not in Unicode NFC form on disk (saved on macOS?)"
        else:
            why = "another file has the same name once decoded; shown with its bytes escaped"
        out.append({"file": shown, "code": "file_name_encoding", "message": why})
    return out


def _digest(rel: str) -> bytes:
    return hashlib.sha1(unicodedata.normalize("NFC", rel).encode("utf-8")).digest()


def batch_of(rel: str, n_batches: int) -> str:
    return f"b{int.from_bytes(_digest(rel)[:8], 'big') % n_batches:03d}"


def batches(files: list[str], n_batches: int) -> dict[str, list[str]]:
    """Every batch id (``b000``…), even empty ones, mapped to its sorted files."""
    out: dict[str, list[str]] = {f"b{i:03d}": [] for i in range(n_batches)}
    for rel in files:
        out[batch_of(rel, n_batches)].append(rel)
    return out


def default_report_id(rel: str) -> str:
    """Readable and stable: the file stem plus a short hash of the whole relative path."""
    stem = Path(rel).stem
    stem = re.sub(r"[^\w\u4e00-\u9fff-]+", "_", stem).strip("_")[:40] or "report"
    return f"{stem}-{_digest(rel).hex()[:6]}"


_YEAR = re.compile(r"(?<!\d)(19[4-9]\d|20[0-9]\d)(?!\d)")
_GENRES = {"总结": "总结", "述职": "述职", "调研": "调研", "整改": "整改", "报告": "报告"}
_UNIT_TYPES = ["国企", "机关", "学校", "医院", "社区", "金融", "农村", "非公", "高校", "事业单位"]


def metadata_from_name(rel: str) -> dict:
    """Metadata guessed from a file name such as ``2023_国企_述职_华宇能源第三党支部.docx``."""
    stem = Path(rel).stem
    m = _YEAR.search(stem)
    parts = [p for p in re.split(r"[_\s]+", stem) if p]
    unit_type = next((u for u in _UNIT_TYPES if u in parts), "")
    genre = next((g for k, g in _GENRES.items() if k in parts), "")
    rest = [p for p in parts if p not in (unit_type, genre) and not (m and p == m.group(1))]
    return {
        "report_id": default_report_id(rel),
        "unit": rest[-1] if rest else stem,
        "unit_type": unit_type,
        "year": int(m.group(1)) if m else None,
        "genre": genre,
        "title": stem,
    }


def read_metadata(corpus: Path | str) -> dict[str, dict] | None:
    """Rows of ``metadata.csv`` keyed by NFC relative path; ``None`` when the file is absent."""
    path = Path(corpus) / METADATA_FILE
    if not path.exists():
        return None
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    out = {}
    for i, row in enumerate(rows, start=2):  # line 1 is the header
        key = unicodedata.normalize("NFC", (row.get("file") or "").strip())
        if key:
            row = {k: (v or "").strip() for k, v in row.items() if k}
            row["_line"] = i
            out[key] = row
    return out


def resolve_metadata(rel: str, row: dict | None) -> tuple[dict, list[tuple[str, str]]]:
    """Metadata for one file and the warnings it raises (code, message)."""
    meta = metadata_from_name(rel)
    warnings: list[tuple[str, str]] = []
    if row is None:
        return meta, warnings
    for key in META_FIELDS:
        if row.get(key):
            meta[key] = row[key]
    if row.get("year"):
        y = row["year"]
        if re.fullmatch(r"(19|20)\d\d", y):
            meta["year"] = int(y)
        else:
            meta["year"] = metadata_from_name(rel)["year"]
            warnings.append(("bad_year", f"metadata.csv line {row['_line']}: year {y!r} is not a year"))
    return meta, warnings


def metadata_warnings(files: list[str], rows: dict[str, dict] | None) -> list[dict]:
    """Corpus-wide metadata problems: rows naming missing files, files without rows, bad years,
    report_ids used twice."""
    if rows is None:
        return []
    out = []
    present = set(files)
    for key, row in rows.items():
        if key not in present:
            out.append({"file": key, "code": "missing_file",
                        "message": f"metadata.csv line {row['_line']} names a file that is not in the corpus"})
    seen: dict[str, str] = {}
    for rel in files:
        row = rows.get(rel)
        if row is None:
            out.append({"file": rel, "code": "no_metadata_row",
                        "message": "no metadata.csv row; metadata taken from the file name"})
            continue
        for code, msg in resolve_metadata(rel, row)[1]:
            out.append({"file": rel, "code": code, "message": msg})
        rid = row.get("report_id")
        if rid:
            if rid in seen:
                out.append({"file": rel, "code": "duplicate_report_id",
                            "message": f"report_id {rid!r} is also used by {seen[rid]}"})
            seen.setdefault(rid, rel)
    return out

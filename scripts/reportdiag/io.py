"""Deterministic readers and writers for the pipeline's intermediate and final files."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator

if TYPE_CHECKING:  # pandas costs a batch job 0.4 s to import; ingest and segment never need it
    import pandas as pd


def write_jsonl(path: Path | str, rows: Iterable[dict]) -> int:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
            n += 1
    return n


def read_jsonl(path: Path | str) -> Iterator[dict]:
    with open(path, encoding="utf-8-sig") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def write_csv(df: pd.DataFrame, path: Path | str) -> None:
    """CSV for Excel and WPS: UTF-8 with BOM, LF line ends, fixed float format."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\n", float_format="%.6g")


TEXT_COLUMNS = ("report_id", "file", "unit", "unit_type", "genre", "title", "run_id", "previous_run_id")


def read_csv(path: Path | str) -> pd.DataFrame:
    """A table written by write_csv; identifiers stay text ("007" is not the number 7)."""
    import pandas as pd

    return pd.read_csv(path, encoding="utf-8-sig", keep_default_na=False, na_values=[""],
                       dtype={c: str for c in TEXT_COLUMNS})


def sha256_file(path: Path | str, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(chunk), b""):
            h.update(block)
    return h.hexdigest()


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def write_xlsx(sheets: dict[str, pd.DataFrame], path: Path | str, widths: dict[str, float] | None = None) -> None:
    """An .xlsx workbook, one sheet per frame (:mod:`reportdiag.xlsxwrite`), byte-identical for the
    same frames; ``widths`` sets the width of the columns it names."""
    from .xlsxwrite import frame_rows, write_xlsx_sheets

    write_xlsx_sheets(path, [(name, [str(c) for c in df.columns], frame_rows(df), [(widths or {}).get(c) for c in df.columns])
                             for name, df in sheets.items()])

"""One Excel workbook of all tables: a sheet per table with Chinese column titles, a frozen header
row and fitted column widths, and a 列说明 sheet explaining every column. Written byte-for-byte
reproducibly (no save time in the document properties or the zip entries)."""
from __future__ import annotations

import logging
import re
import unicodedata
from pathlib import Path

import pandas as pd
import yaml

from .codebook import Codebook
from .xlsxwrite import frame_rows, write_xlsx_sheets

log = logging.getLogger(__name__)

COLUMNS_FILE = Path(__file__).resolve().parents[2] / "resources" / "columns.yaml"
HELP_SHEET = "列说明"
MAX_ROWS = 1_048_575          # Excel's sheet limit minus the header row
MAX_WIDTH = 60


class Labels:
    """Chinese titles and explanations of tables and columns (resources/columns.yaml), with the
    ``{c}``/``{k}`` patterns expanded for the codebook's categories and evidence ranks."""

    def __init__(self, codebook: Codebook, path: Path | str = COLUMNS_FILE):
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        self.tables: dict[str, dict] = data["tables"]
        self.codebook = codebook
        ids = "|".join(map(re.escape, codebook.ids))
        self._patterns = []
        for key, spec in data["columns"].items():
            rx = re.escape(key).replace(r"\{c\}", f"(?P<c>{ids})").replace(r"\{k\}", r"(?P<k>[0-9]+)")
            self._patterns.append((re.compile(rx), spec))

    def column(self, name: str) -> tuple[str, str] | None:
        """(title, explanation) of a column, or None when columns.yaml does not describe it."""
        for rx, spec in self._patterns:
            m = rx.fullmatch(name)
            if m:
                fields = m.groupdict()
                sub = {"k": fields.get("k") or ""}
                if fields.get("c"):
                    cat = self.codebook.category(fields["c"])
                    sub.update(short=cat.get("short", cat["name"]), name=cat["name"])
                return spec["title"].format(**sub), spec["help"].format(**sub)
        return None

    def title(self, name: str) -> str:
        found = self.column(name)
        return found[0] if found else name

    def table_title(self, table: str) -> str:
        return self.tables.get(table, {}).get("title", table)

    def undescribed(self, tables: dict[str, pd.DataFrame]) -> list[str]:
        return sorted({f"{t}.{c}" for t, df in tables.items() for c in df.columns if self.column(c) is None}
                      | {t for t in tables if t not in self.tables})


def _display_width(value) -> int:
    s = "" if value is None else str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def write_workbook(tables: dict[str, pd.DataFrame], labels: Labels, path: Path | str) -> list[str]:
    """Write ``tables`` (in order) and the column explanations; returns the sheet names."""
    missing = labels.undescribed(tables)
    if missing:
        log.warning("columns.yaml does not describe %s: shown under their ids", ", ".join(missing))
    sheets, help_rows = [], []
    for name, df in tables.items():
        title = labels.table_title(name)
        header = [labels.title(c) for c in df.columns]
        values = frame_rows(df)
        chunks = [values[i:i + MAX_ROWS] for i in range(0, len(values), MAX_ROWS)] or [[]]
        for n, chunk in enumerate(chunks):
            sheets.append((title if n == 0 else f"{title}({n + 1})", header, chunk, _widths(header, chunk[:500])))
        help_rows.append([title, "", "（整张表）", labels.tables.get(name, {}).get("help", "")])
        for c in df.columns:
            t, h = labels.column(c) or (c, "")
            help_rows.append([title, c, t, h])
    help_header = ["表", "列名（英文）", "列名（中文）", "说明"]
    sheets.append((HELP_SHEET, help_header, help_rows, _widths(help_header, help_rows)))
    write_xlsx_sheets(path, sheets)
    return [title for title, *_ in sheets]


def _widths(header: list[str], rows: list[list]) -> list[float]:
    """Each column as wide as its widest value among ``rows`` (CJK characters count double)."""
    return [min(MAX_WIDTH, max([_display_width(h)] + [_display_width(r[j]) for r in rows]) + 2)
            for j, h in enumerate(header)]

"""One Excel workbook of all tables: a sheet per table with Chinese column titles, a frozen header
row and fitted column widths, and a 列说明 sheet explaining every column. Written byte-for-byte
reproducibly (no save time in the document properties or the zip entries)."""
from __future__ import annotations

import logging
import re
import unicodedata
from datetime import datetime
from pathlib import Path
from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

import pandas as pd
import yaml
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

from .codebook import Codebook

log = logging.getLogger(__name__)

COLUMNS_FILE = Path(__file__).resolve().parents[2] / "resources" / "columns.yaml"
HELP_SHEET = "列说明"
MAX_ROWS = 1_048_575          # Excel's sheet limit minus the header row
MAX_WIDTH = 60
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the zip format's earliest date, instead of the save time
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDE7F3")


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


def _cell(ws, value, **style):
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA:
        value = None
    elif isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    elif hasattr(value, "item"):  # numpy scalar
        value = value.item()
    c = WriteOnlyCell(ws, value)
    if isinstance(value, str) and value.startswith("="):
        c.data_type = "s"  # text from a report is never a formula
    for k, v in style.items():
        setattr(c, k, v)
    return c


def _add_sheet(wb: Workbook, title: str, header: list[str], rows: list[list], widths_from: list[list]):
    ws = wb.create_sheet(title)
    ws.freeze_panes = "A2"
    for j, h in enumerate(header):
        width = max([_display_width(h)] + [_display_width(r[j]) for r in widths_from])
        ws.column_dimensions[get_column_letter(j + 1)].width = min(MAX_WIDTH, width + 2)
    ws.append([_cell(ws, h, font=_HEADER_FONT, fill=_HEADER_FILL, alignment=Alignment(vertical="top"))
               for h in header])
    for r in rows:
        ws.append([_cell(ws, v) for v in r])
    return ws


class _FixedTimeZip(ZipFile):
    def writestr(self, zinfo_or_arcname, data, *args, **kwargs):
        if isinstance(zinfo_or_arcname, str):
            zinfo_or_arcname = ZipInfo(zinfo_or_arcname, date_time=_ZIP_TIME)
            zinfo_or_arcname.compress_type = ZIP_DEFLATED
        return super().writestr(zinfo_or_arcname, data, *args, **kwargs)

    def write(self, filename, arcname=None, *args, **kwargs):
        # write-only sheets arrive as temporary files, whose mtime would end up in the archive
        self.writestr(arcname or Path(filename).name, Path(filename).read_bytes())


def write_workbook(tables: dict[str, pd.DataFrame], labels: Labels, path: Path | str) -> list[str]:
    """Write ``tables`` (in order) and the column explanations; returns the sheet names."""
    missing = labels.undescribed(tables)
    if missing:
        log.warning("columns.yaml does not describe %s: shown under their ids", ", ".join(missing))
    wb = Workbook(write_only=True)
    wb.properties.creator = "reportdiag"
    # openpyxl stamps the current time; a fixed one keeps the file identical across runs
    wb.properties.created = wb.properties.modified = datetime(*_ZIP_TIME)
    help_rows = []
    names = []
    for name, df in tables.items():
        title = labels.table_title(name)
        header = [labels.title(c) for c in df.columns]
        values = df.astype(object).where(df.notna(), None).values.tolist()
        chunks = [values[i:i + MAX_ROWS] for i in range(0, len(values), MAX_ROWS)] or [[]]
        for n, chunk in enumerate(chunks):
            sheet = title if n == 0 else f"{title}({n + 1})"
            _add_sheet(wb, sheet, header, chunk, chunk[:500])
            names.append(sheet)
        help_rows.append([title, "", "（整张表）", labels.tables.get(name, {}).get("help", "")])
        for c in df.columns:
            t, h = labels.column(c) or (c, "")
            help_rows.append([title, c, t, h])
    _add_sheet(wb, HELP_SHEET, ["表", "列名（英文）", "列名（中文）", "说明"], help_rows, help_rows)
    names.append(HELP_SHEET)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with _FixedTimeZip(path, "w", ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(wb, archive).write_data()
    return names

"""A small .xlsx (Office Open XML) writer for tables: one sheet per table, a bold shaded header row
that stays in view (frozen), fitted column widths, text as inline strings and numbers as numbers.

openpyxl builds a cell object per value and spends ~25 µs on each; the diagnosis workbook of a
few thousand reports has hundreds of thousands of cells. Here each sheet is written as XML text
directly. The archive is byte-for-byte reproducible: fixed document dates and zip entry times.
"""
from __future__ import annotations

import math
import re
from pathlib import Path
from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

import pandas as pd

_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the zip format's earliest date, instead of the save time
MAX_SHEET_ROWS = 1_048_576
MAX_CELL_CHARS = 32_767
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # not allowed in XML 1.0
_BAD_TITLE = re.compile(r"[\\/*?:\[\]]")
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

_STYLES = (
    _HEAD + f'<styleSheet xmlns="{_MAIN}">'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="FFDDE7F3"/><bgColor indexed="64"/></patternFill></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1" applyAlignment="1">'
    '<alignment vertical="top"/></xf></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    '</styleSheet>'
)


def column_letter(j: int) -> str:
    """Excel's column name of the 0-based column ``j`` (0 → A, 26 → AA)."""
    name = ""
    j += 1
    while j:
        j, r = divmod(j - 1, 26)
        name = chr(65 + r) + name
    return name


def _text(s: str) -> str:
    return _ILLEGAL.sub("", s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cell(ref: str, value, style: str = "") -> str:
    """One ``<c>`` element, or "" for an empty value (None, NaN, pandas' NA)."""
    if value is None or value is pd.NA:
        return ""
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalar
        value = value.item()
    if isinstance(value, bool):
        return f'<c r="{ref}"{style} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            if math.isnan(value):
                return ""
            value = str(value)  # ±inf has no number form in a sheet
        else:
            return f'<c r="{ref}"{style}><v>{value!r}</v></c>'
    text = str(value)
    if len(text) > MAX_CELL_CHARS:  # Excel refuses longer cells; the CSV tables keep the whole text
        text = text[:MAX_CELL_CHARS - 1] + "…"
    text = _text(text)
    space = ' xml:space="preserve"' if text != text.strip() else ""
    # an inline string is text even when it starts with "=": report text is never a formula
    return f'<c r="{ref}"{style} t="inlineStr"><is><t{space}>{text}</t></is></c>'


def _sheet_xml(header: list[str], rows: list[list], widths: list[float | None]) -> str:
    letters = [column_letter(j) for j in range(len(header))]
    cols = "".join(f'<col min="{j + 1}" max="{j + 1}" width="{w:g}" customWidth="1"/>'
                   for j, w in enumerate(widths) if w is not None)
    out = [_HEAD, f'<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}">',
           '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" '
           'state="frozen"/><selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>',
           '<sheetFormatPr defaultRowHeight="15"/>', f"<cols>{cols}</cols>" if cols else "", "<sheetData>",
           '<row r="1">' + "".join(_cell(f"{c}1", h, ' s="1"') for c, h in zip(letters, header)) + "</row>"]
    for i, row in enumerate(rows, 2):
        out.append(f'<row r="{i}">' + "".join(_cell(f"{c}{i}", v) for c, v in zip(letters, row)) + "</row>")
    out.append("</sheetData></worksheet>")
    return "".join(out)


def frame_rows(df: pd.DataFrame) -> list[list]:
    """A frame's rows as lists of plain values, missing values as None."""
    return df.astype(object).where(df.notna(), None).values.tolist()


def write_xlsx_sheets(path: Path | str, sheets: list[tuple[str, list[str], list[list], list[float]]],
                      creator: str = "reportdiag") -> None:
    """``sheets``: (title, header, rows, column widths or None for the default) in order. Titles follow Excel's rules (at
    most 31 characters, none of \\ / * ? : [ ], unique)."""
    titles = [t for t, *_ in sheets]
    for t in titles:
        if not t or len(t) > 31 or _BAD_TITLE.search(t):
            raise ValueError(f"{t!r} cannot be an Excel sheet name")
    if len({t.lower() for t in titles}) != len(titles):
        raise ValueError(f"sheet names repeat: {titles}")
    for t, _, rows, _ in sheets:
        if len(rows) + 1 > MAX_SHEET_ROWS:
            raise ValueError(f"sheet {t!r} has {len(rows)} rows; a sheet holds at most {MAX_SHEET_ROWS - 1}")
    n = len(sheets)
    overrides = "".join(f'<Override PartName="/xl/worksheets/sheet{k}.xml" ContentType="application/'
                        f'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' for k in range(1, n + 1))
    files = {
        "[Content_Types].xml": _HEAD + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
        f"{overrides}</Types>",
        "_rels/.rels": _HEAD + f'<Relationships xmlns="{_PKG_REL}">'
        f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/'
        'core-properties" Target="docProps/core.xml"/></Relationships>',
        "docProps/core.xml": _HEAD + '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
        'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<dc:creator>{_text(creator)}</dc:creator>"
        '<dcterms:created xsi:type="dcterms:W3CDTF">1980-01-01T00:00:00Z</dcterms:created>'
        '<dcterms:modified xsi:type="dcterms:W3CDTF">1980-01-01T00:00:00Z</dcterms:modified></cp:coreProperties>',
        "xl/workbook.xml": _HEAD + f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>'
        + "".join(f'<sheet name="{_text(t).replace(chr(34), "&quot;")}" sheetId="{k}" r:id="rId{k}"/>'
                  for k, t in enumerate(titles, 1)) + "</sheets></workbook>",
        "xl/_rels/workbook.xml.rels": _HEAD + f'<Relationships xmlns="{_PKG_REL}">'
        + "".join(f'<Relationship Id="rId{k}" Type="{_REL}/worksheet" Target="worksheets/sheet{k}.xml"/>'
                  for k in range(1, n + 1))
        + f'<Relationship Id="rId{n + 1}" Type="{_REL}/styles" Target="styles.xml"/></Relationships>',
        "xl/styles.xml": _STYLES,
    }
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with ZipFile(path, "w", ZIP_DEFLATED) as z:
        for name, xml in files.items():
            z.writestr(ZipInfo(name, date_time=_ZIP_TIME), xml.encode("utf-8"), compress_type=ZIP_DEFLATED)
        for k, (_, header, rows, widths) in enumerate(sheets, 1):
            z.writestr(ZipInfo(f"xl/worksheets/sheet{k}.xml", date_time=_ZIP_TIME),
                       _sheet_xml(header, rows, widths).encode("utf-8"), compress_type=ZIP_DEFLATED)

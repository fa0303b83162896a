"""Build real documents (docx, pdf, html, encoded text) from text, for tests and the demo corpus."""
from __future__ import annotations

from pathlib import Path

# Debian fonts-noto-cjk; face 2 of the collection is Simplified Chinese
CJK_FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")


def write_encoded(path: Path, text: str, encoding: str, bom: bool = False) -> Path:
    data = text.encode(encoding)
    if bom and encoding == "utf-8":
        data = b"\xef\xbb\xbf" + data
    path.write_bytes(data)
    return path


def write_docx(path: Path, text: str, table_rows: list[list[str]] | None = None) -> Path:
    """Paragraphs (numbered lines as headings), optionally a table after the first paragraph."""
    import docx

    from reportdiag.segment import heading_level

    d = docx.Document()
    for i, para in enumerate(text.split("\n")):
        level = heading_level(para) if para.strip() else 0
        if level and level <= 2:
            d.add_heading(para, level=level)
        else:
            d.add_paragraph(para)
        if i == 0 and table_rows:
            t = d.add_table(rows=len(table_rows), cols=len(table_rows[0]))
            for r, row in enumerate(table_rows):
                for c, cell in enumerate(row):
                    t.cell(r, c).text = cell
    # fixed core properties keep the file byte-stable across builds
    import datetime as _dt

    cp = d.core_properties
    cp.created = cp.modified = _dt.datetime(2024, 1, 1)
    cp.author = cp.last_modified_by = "reportdiag"
    d.save(str(path))
    return path


def write_pdf(path: Path, text: str, header: str | None = None, font: Path = CJK_FONT,
              encrypt_password: str | None = None) -> Path:
    """A text-layer PDF, wrapped to the page width, with an optional running header and page numbers."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_creation_date(__import__("datetime").datetime(2024, 1, 1, tzinfo=__import__("datetime").timezone.utc))
    pdf.add_font("cjk", fname=str(font), collection_font_number=2)
    pdf.set_auto_page_break(True, margin=20)
    if header:
        pdf.header = lambda: (pdf.set_font("cjk", size=9), pdf.cell(0, 8, header, align="C", new_x="LMARGIN", new_y="NEXT"), pdf.ln(4))
    pdf.footer = lambda: (pdf.set_y(-15), pdf.set_font("cjk", size=9), pdf.cell(0, 8, f"- {pdf.page_no()} -", align="C", new_x="LMARGIN", new_y="NEXT"))
    if encrypt_password:
        pdf.set_encryption(owner_password=encrypt_password, user_password=encrypt_password)
    pdf.add_page()
    pdf.set_font("cjk", size=11)
    for para in text.split("\n"):
        if para.strip():
            pdf.multi_cell(0, 7, para, new_x="LMARGIN", new_y="NEXT")
        else:
            pdf.ln(4)
    pdf.output(str(path))
    return path


def write_scanned_pdf(path: Path) -> Path:
    """A PDF whose page is only a picture: no text layer, as from a scanner."""
    from fpdf import FPDF
    from PIL import Image

    img = Image.new("RGB", (200, 100), "white")
    tmp = path.with_suffix(".png")
    img.save(tmp)
    pdf = FPDF()
    pdf.add_page()
    pdf.image(str(tmp), x=10, y=10, w=100)
    pdf.output(str(path))
    tmp.unlink()
    return path


def write_html(path: Path, text: str, encoding: str = "utf-8") -> Path:
    body = "".join(f"<p>{p}</p>\n" for p in text.split("\n") if p.strip())
    html = (f'<html><head><meta charset="{encoding}"><title>报告</title><style>p{{color:#333}}</style>'
            f'<script>var x = "不应出现的脚本文字";</script></head><body><nav>首页 | 导航栏目</nav>\n'
            f"{body}<footer>版权所有 某某网站</footer></body></html>")
    path.write_bytes(html.encode(encoding))
    return path


def write_encrypted_docx(path: Path, text: str, password: str = "secret") -> Path:
    """A .docx protected by a password as Word does it (ECMA-376 agile encryption, msoffcrypto-tool)."""
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = write_docx(path.with_name(path.stem + ".plain.docx"), text)
    with open(plain, "rb") as src, open(path, "wb") as dst:
        OOXMLFile(src).encrypt(password, dst)
    plain.unlink()
    return path


def soffice_convert(sources: list[Path], fmt: str, outdir: Path) -> list[Path]:
    """Convert documents with LibreOffice headless (Debian's libreoffice-writer-nogui), e.g. a
    .docx to a real Word 97 ``doc`` or to ``rtf``; one call for all files (start-up is the slow part)."""
    import shutil
    import subprocess
    import tempfile

    exe = shutil.which("soffice")
    assert exe, "LibreOffice is missing: run make test, whose setup installs libreoffice-writer-nogui"
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([exe, f"-env:UserInstallation={Path(profile).as_uri()}", "--headless",
                        "--convert-to", fmt, "--outdir", str(outdir), *map(str, sources)],
                       check=True, capture_output=True, timeout=300)
    out = [outdir / f"{s.stem}.{fmt.split(':')[0]}" for s in sources]
    missing = [p for p in out if not p.exists()]
    assert not missing, f"LibreOffice did not write {missing}"
    return out

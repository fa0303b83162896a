"""Turn one corpus file into text, or raise :class:`Rejected` with a reason code.

Each format has one reader; :func:`read_file` picks it by extension and checks what all formats
share (size limit, empty file, Chinese content).
"""
from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from .normalize import han_count

TEXT_EXT = {".txt", ".md", ".text"}
HTML_EXT = {".html", ".htm", ".xhtml"}
SUPPORTED = TEXT_EXT | HTML_EXT | {".docx", ".pdf", ".doc"}

REASONS = {
    "empty_file": "the file has zero bytes or only white space",
    "too_large": "the file is larger than the configured limit (max_file_mb)",
    "unsupported_type": "the file type is not one reportdiag reads",
    "binary_file": "the bytes are not text (control characters or NUL bytes)",
    "undecodable": "no Chinese text encoding decodes the bytes cleanly",
    "no_chinese": "the text holds too few Chinese characters to be a report",
    "no_text_layer": "the PDF has no text layer (scanned pages need OCR first)",
    "encrypted": "the document is password-protected",
    "corrupt_file": "the file is damaged and cannot be opened",
    "converter_missing": "the converter for this format (antiword) is not installed",
    "duplicate": "the same normalised text as another report",
}


class Rejected(Exception):
    def __init__(self, code: str, detail: str = ""):
        assert code in REASONS, code
        self.code = code
        self.message = REASONS[code] + (f": {detail}" if detail else "")
        super().__init__(self.message)


@dataclass
class ReadResult:
    text: str
    encoding: str  # the text encoding, or the container format for docx/pdf/doc


# ---------------------------------------------------------------- plain text
_BOMS = [
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
]
CANDIDATES = ["gb18030", "big5", "utf_16"]


def _looks_binary(data: bytes) -> bool:
    sample = data[:65536]
    if b"\x00" in sample:
        return True
    ctrl = sum(1 for b in sample if b < 9 or 13 < b < 32)
    return ctrl > len(sample) * 0.01


def decode_bytes(data: bytes) -> ReadResult:
    """Decode text of unknown encoding: BOM, then strict UTF-8, then a detector limited to
    the encodings Chinese reports come in (GB18030 covers GBK and GB2312; Big5 for Taiwan/HK)."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                return ReadResult(data.decode(enc), enc)
            except UnicodeDecodeError as e:
                raise Rejected("undecodable", f"BOM says {enc} but {e.reason} at byte {e.start}")
    if _looks_binary(data):
        raise Rejected("binary_file")
    try:
        return ReadResult(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=CANDIDATES).best()
    if best is None:
        raise Rejected("undecodable", "tried UTF-8, GB18030, Big5, UTF-16")
    enc = best.encoding
    # gb18030 accepts almost any byte string; prefer strict decoding of a named encoding
    return ReadResult(data.decode(enc), enc.replace("_", "-"))


def read_text_file(path: Path) -> ReadResult:
    return decode_bytes(path.read_bytes())


# ---------------------------------------------------------------- html
def read_html(path: Path) -> ReadResult:
    from bs4 import BeautifulSoup

    raw = path.read_bytes()
    m = re.search(rb"<meta[^>]+charset=[\"']?([A-Za-z0-9_\-]+)", raw[:4096], re.I)
    decoded = None
    if m:
        try:
            decoded = ReadResult(raw.decode(m.group(1).decode("ascii")), m.group(1).decode("ascii").lower())
        except (LookupError, UnicodeDecodeError):
            decoded = None
    if decoded is None:
        decoded = decode_bytes(raw)
    soup = BeautifulSoup(decoded.text, "lxml")
    for tag in soup(["script", "style", "noscript", "nav", "header", "footer", "aside", "form"]):
        tag.decompose()
    body = soup.body or soup
    lines = [ln.strip() for ln in body.get_text("\n").split("\n")]
    return ReadResult("\n".join(ln for ln in lines if ln), decoded.encoding)


# ---------------------------------------------------------------- docx
def read_docx(path: Path) -> ReadResult:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    with open(path, "rb") as fh:
        head = fh.read(8)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        # an OLE container under a .docx name: Office's encrypted package (or a renamed .doc)
        raise Rejected("encrypted", "OLE container, Office encryption")
    try:
        document = docx.Document(str(path))
    except (zipfile.BadZipFile, KeyError, ValueError) as e:
        raise Rejected("corrupt_file", type(e).__name__)
    except Exception as e:  # python-docx raises several lxml/opc errors for damaged parts
        raise Rejected("corrupt_file", f"{type(e).__name__}: {e}"[:200])
    lines: list[str] = []
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            lines.append(Paragraph(child, document).text)
        elif tag == "tbl":
            for row in Table(child, document).rows:
                cells = []
                for cell in row.cells:
                    t = cell.text.strip()
                    if t and (not cells or cells[-1] != t):  # merged cells repeat their text
                        cells.append(t)
                lines.extend(cells)
    return ReadResult("\n".join(lines), "docx")


# ---------------------------------------------------------------- pdf
_PAGE_NO = re.compile(r"^[\s\-—–·•第页/共Page0-9IVXivx]*$")


def _is_page_number(line: str) -> bool:
    s = line.strip()
    return bool(s) and len(s) <= 12 and bool(re.search(r"\d|[IVX]", s)) and bool(_PAGE_NO.match(s))


def read_pdf(path: Path, max_pages: int = 2000) -> ReadResult:
    """Text layer of a PDF page by page (bounded memory); running headers, footers and page
    numbers are dropped: lines repeated at the top or bottom of most pages, and number-only lines."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as e:
        msg = str(e)
        if "password" in msg.lower() or "security" in msg.lower():
            raise Rejected("encrypted", msg[:200])
        raise Rejected("corrupt_file", msg[:200])
    try:
        pages: list[list[str]] = []
        for i in range(min(len(pdf), max_pages)):
            page = pdf[i]
            tp = page.get_textpage()
            text = tp.get_text_bounded()
            tp.close()
            page.close()
            pages.append([ln.rstrip() for ln in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")])
    finally:
        pdf.close()
    if not pages or sum(han_count("".join(p)) for p in pages) == 0:
        raise Rejected("no_text_layer", f"{len(pages)} page(s), no extractable characters")
    edge = Counter()
    for p in pages:
        body = [ln for ln in p if ln.strip()]
        for ln in set(body[:2] + body[-2:]):
            if not _is_page_number(ln):
                edge[re.sub(r"\d+", "#", ln.strip())] += 1
    # a running header/footer: the same edge line on most pages (all of them in a two-page file)
    repeated = {k for k, v in edge.items() if len(pages) >= 2 and v >= max(2, 0.6 * len(pages))}
    out = []
    for p in pages:
        body = [ln for ln in p if ln.strip()]
        n = len(body)
        for j, ln in enumerate(body):
            at_edge = j < 2 or j >= n - 2
            if at_edge and (_is_page_number(ln) or re.sub(r"\d+", "#", ln.strip()) in repeated):
                continue
            out.append(ln)
    return ReadResult("\n".join(out), "pdf")


# ---------------------------------------------------------------- doc (legacy Word)
def read_doc(path: Path) -> ReadResult:
    exe = shutil.which("antiword")
    if exe is None:
        raise Rejected("converter_missing", "apt-get install antiword")
    proc = subprocess.run([exe, "-m", "UTF-8.txt", "-w", "0", str(path)], capture_output=True, timeout=120)
    if proc.returncode != 0:
        err = proc.stderr.decode("utf-8", "replace").strip()
        code = "encrypted" if "encrypt" in err.lower() else "corrupt_file"
        raise Rejected(code, err[:200])
    return ReadResult(proc.stdout.decode("utf-8", "replace"), "doc")


READERS = {".docx": read_docx, ".pdf": read_pdf, ".doc": read_doc}
READERS.update({e: read_text_file for e in TEXT_EXT})
READERS.update({e: read_html for e in HTML_EXT})


def read_file(path: Path, max_bytes: int, min_han: int = 20) -> ReadResult:
    """Read any supported file; raise :class:`Rejected` with a precise reason otherwise."""
    ext = path.suffix.lower()
    if ext not in READERS:
        raise Rejected("unsupported_type", ext or "no extension")
    size = path.stat().st_size
    if size == 0:
        raise Rejected("empty_file")
    if size > max_bytes:
        raise Rejected("too_large", f"{size / 1e6:.1f} MB > {max_bytes / 1e6:.1f} MB")
    result = READERS[ext](path)
    if not result.text.strip():
        raise Rejected("empty_file", "no text after extraction")
    if han_count(result.text) < min_han:
        raise Rejected("no_chinese", f"{han_count(result.text)} Chinese characters")
    return result

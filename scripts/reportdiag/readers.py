"""Turn one corpus file into text, or raise :class:`Rejected` with a reason code.

Each format has one reader; :func:`read_file` picks it by extension and checks what all formats
share (readable, size limit, empty file, Chinese content). Word-family files (.doc, .docx, .rtf)
are read by what their bytes are, not by their name: a ``.doc`` saved by WPS is often RTF or
a zipped .docx, and an encrypted .docx is an OLE container.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from .normalize import han_count

TEXT_EXT = {".txt", ".text"}
MD_EXT = {".md", ".markdown"}
HTML_EXT = {".html", ".htm", ".xhtml"}
WORD_EXT = {".doc", ".docx", ".rtf"}

REASONS = {
    "empty_file": "the file has zero bytes or only white space",
    "too_large": "the file is larger than the configured limit (max_file_mb)",
    "unreadable": "the file cannot be opened (broken link or no permission)",
    "unsupported_type": "the file type is not one reportdiag reads",
    "binary_file": "the bytes are not text (control characters or NUL bytes)",
    "undecodable": "no Chinese text encoding decodes the bytes cleanly",
    "no_chinese": "the text holds too few Chinese characters to be a report",
    "no_text_layer": "the PDF has no text layer (scanned pages need OCR first)",
    "encrypted": "the document is password-protected",
    "corrupt_file": "the file is damaged and cannot be opened",
    "converter_missing": "the converter for this format is not installed",
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
    encoding: str  # the text encoding, or the container format for docx/pdf/doc/rtf


def _row_cells(cells: Iterable[str]) -> list[str]:
    """A table row as one line per non-empty cell; merged cells repeat their text, kept once."""
    out: list[str] = []
    for cell in cells:
        t = cell.strip()
        if t and (not out or out[-1] != t):
            out.append(t)
    return out


# ---------------------------------------------------------------- plain text
_BOMS = [
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
]
# GB18030 covers GBK and GB2312; Big5 for Taiwan and Hong Kong. UTF-16 is accepted with a BOM only:
# without one, any even-length byte string "decodes" to plausible-looking Han characters.
CANDIDATES = ["gb18030", "big5"]


_CONTROL_BYTES = bytes(b for b in range(32) if b < 9 or 13 < b)


def _looks_binary(data: bytes) -> bool:
    sample = data[:65536]
    if b"\x00" in sample:
        return True
    ctrl = len(sample) - len(sample.translate(None, _CONTROL_BYTES))  # counted in C
    return ctrl > len(sample) * 0.01


def decode_bytes(data: bytes) -> ReadResult:
    """Decode text of unknown encoding: BOM, then strict UTF-8, then charset-normalizer limited to
    the encodings Chinese reports come in. Raises :class:`Rejected` for binary or undecodable bytes."""
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
    except UnicodeDecodeError as e:
        utf8_error = f"not UTF-8 ({e.reason} at byte {e.start})"
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=CANDIDATES).best()
    if best is None:
        raise Rejected("undecodable", f"{utf8_error}, nor GB18030 or Big5")
    enc = best.encoding
    try:
        # the detector samples large inputs; the whole text must decode strictly
        return ReadResult(data.decode(enc), enc.replace("_", "-"))
    except UnicodeDecodeError as e:
        raise Rejected("undecodable", f"{utf8_error}; {enc} fails at byte {e.start}")


def read_text_file(path: Path) -> ReadResult:
    return decode_bytes(path.read_bytes())


# ---------------------------------------------------------------- html and markdown
_BLOCK = "\x00"  # marks block boundaries while the tree is flattened (NUL never survives decoding)
_BLOCK_TAGS = ["p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "tr", "td", "th", "table", "ul",
               "ol", "dl", "dt", "dd", "blockquote", "pre", "section", "article", "main", "hr"]
_DROP_TAGS = ["script", "style", "noscript", "nav", "header", "footer", "aside", "form", "head"]
_HAN_CLASS = "\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
# a source line break inside Chinese running text is layout, not a space (as browsers join CJK lines)
_SOFT_BREAK = re.compile(rf"(?<=[{_HAN_CLASS}])[ \t]*[\r\n]+[ \t]*(?=[{_HAN_CLASS}])")
_HTML_SPACE = re.compile(r"[ \t\r\n\f]+")
# WHATWG maps these labels to the GB18030 decoder: pages labelled gb2312 routinely hold GBK characters
_CHARSET_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030"}


def html_text(markup: str) -> str:
    """Visible body text of an HTML page, one line per block element (paragraph, heading, list item,
    table cell); inline markup (spans, bold) does not break lines; scripts, styles and page chrome
    (nav, header, footer) are dropped."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(markup, "lxml")
    for tag in soup(_DROP_TAGS):
        tag.decompose()
    body = soup.body or soup
    for br in body.find_all("br"):
        br.replace_with(_BLOCK)
    for tag in body.find_all(_BLOCK_TAGS):
        tag.insert_before(_BLOCK)
        tag.insert_after(_BLOCK)
    text = _SOFT_BREAK.sub("", body.get_text(""))
    lines = (_HTML_SPACE.sub(" ", part).strip() for part in text.split(_BLOCK))
    return "\n".join(ln for ln in lines if ln)


def read_html(path: Path) -> ReadResult:
    raw = path.read_bytes()
    decoded = None
    m = re.search(rb"<meta[^>]+charset=[\"']?([A-Za-z0-9_\-]+)", raw[:4096], re.I)
    if m and not any(raw.startswith(bom) for bom, _ in _BOMS):  # a BOM outranks the meta tag
        label = m.group(1).decode("ascii").lower()
        enc = _CHARSET_ALIASES.get(label, label)
        try:
            decoded = ReadResult(raw.decode(enc), enc)
        except (LookupError, UnicodeDecodeError):
            decoded = None  # a wrong label: detect instead
    if decoded is None:
        decoded = decode_bytes(raw)
    return ReadResult(html_text(decoded.text), decoded.encoding)


def read_markdown(path: Path) -> ReadResult:
    """Markdown rendered by markdown-it (CommonMark + tables) and read as HTML, so heading marks,
    emphasis, links and table pipes do not reach the text; a single line break stays a break,
    as in the plain-text files people write the same way."""
    from markdown_it import MarkdownIt

    decoded = decode_bytes(path.read_bytes())
    md = MarkdownIt("commonmark", {"breaks": True, "html": True}).enable("table")
    return ReadResult(html_text(md.render(decoded.text)), decoded.encoding)


# ---------------------------------------------------------------- docx
# python-docx parses word/document.xml whole; a report's is a few MB, so a larger one is a zip bomb
# or not a report, and is refused before it is unpacked
MAX_DOCX_XML = 256 * 10**6


def read_docx(path: Path) -> ReadResult:
    import zipfile

    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        with zipfile.ZipFile(path) as z:
            unpacked = z.getinfo("word/document.xml").file_size
    except Exception as e:  # BadZipFile, or KeyError for a zip that is not a Word document
        raise Rejected("corrupt_file", f"{type(e).__name__}: {e}"[:200])
    if unpacked > MAX_DOCX_XML:
        raise Rejected("too_large", f"word/document.xml unpacks to {unpacked / 1e6:.0f} MB")
    try:
        document = docx.Document(str(path))
    except Exception as e:  # zipfile, KeyError, lxml and opc errors for damaged parts
        raise Rejected("corrupt_file", f"{type(e).__name__}: {e}"[:200])
    lines: list[str] = []
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            lines.append(Paragraph(child, document).text)
        elif tag == "tbl":
            for row in Table(child, document).rows:
                lines.extend(_row_cells(cell.text for cell in row.cells))
    return ReadResult("\n".join(lines), "docx")


# ---------------------------------------------------------------- rtf
_RTF_ESCAPED_BRACE = re.compile(r"\\[\\{}]")


def read_rtf(path: Path) -> ReadResult:
    """RTF through striprtf, which honours ``\\ansicpg`` / ``\\fcharset`` (GBK, Big5) and ``\\uN``."""
    from striprtf.striprtf import rtf_to_text

    # RTF is 7-bit by specification; latin-1 maps any stray high byte 1:1 so nothing fails here
    raw = path.read_bytes().decode("latin-1")
    if not raw.lstrip("\ufeff\xef\xbb\xbf \r\n\t").startswith("{\\rtf"):
        raise Rejected("corrupt_file", "not RTF: the file does not start with {\\rtf")
    bare = _RTF_ESCAPED_BRACE.sub("", raw)
    if bare.count("{") != bare.count("}"):
        raise Rejected("corrupt_file", f"unbalanced RTF groups ({bare.count('{')} open, {bare.count('}')} closed): truncated?")
    try:
        text = rtf_to_text(raw, errors="strict")
    except UnicodeDecodeError as e:
        raise Rejected("undecodable", f"RTF code page {e.encoding}: {e.reason}")
    except Exception as e:  # striprtf has no error type of its own
        raise Rejected("corrupt_file", f"{type(e).__name__}: {e}"[:200])
    lines: list[str] = []
    for ln in text.splitlines():
        # striprtf ends every table cell with "|"
        lines.extend(_row_cells(ln.split("|")[:-1]) if ln.endswith("|") else [ln])
    return ReadResult("\n".join(lines), "rtf")


# ---------------------------------------------------------------- doc (Word 97–2003 binary)
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_WORD_IDENTS = {0xA5EC: "Word 97-2003", 0xA5DC: "Word 6/95"}
_ANTIWORD_DECLINES = "too small to handle"  # antiword cannot read a WordDocument stream under 4 KiB
CONVERTER_TIMEOUT = 120


def read_ole(path: Path) -> ReadResult:
    """An OLE compound file: Office's encrypted OOXML package, or a Word 97–2003 / Word 6 document
    (whose FIB says whether it is encrypted) converted to text by antiword."""
    import olefile

    try:
        ole = olefile.OleFileIO(str(path))
    except Exception as e:  # olefile raises OSError and its own errors for a damaged container
        raise Rejected("corrupt_file", f"OLE container: {e}"[:200])
    with ole:
        if ole.exists("EncryptedPackage"):
            raise Rejected("encrypted", "Office password protection (encrypted OOXML package)")
        if not ole.exists("WordDocument"):
            raise Rejected("unsupported_type", "an Office file without a Word document stream (Excel, PowerPoint?)")
        fib = ole.openstream("WordDocument").read(12)
    ident = int.from_bytes(fib[:2], "little") if len(fib) == 12 else None
    if ident not in _WORD_IDENTS:
        raise Rejected("corrupt_file", "the WordDocument stream has no valid header")
    if int.from_bytes(fib[10:12], "little") & 0x0100:  # FIB fEncrypted
        raise Rejected("encrypted", f"{_WORD_IDENTS[ident]} password protection")
    return ReadResult(_word_binary_text(path), "doc")


def _word_binary_text(path: Path) -> str:
    antiword, soffice = shutil.which("antiword"), shutil.which("soffice")
    if antiword is None and soffice is None:
        raise Rejected("converter_missing", "apt-get install antiword")
    if antiword is not None:
        proc = _run([antiword, "-m", "UTF-8.txt", "-w", "0", str(path)])
        if proc.returncode == 0:
            return _antiword_text(proc.stdout.decode("utf-8", "replace"))
        err = proc.stderr.decode("utf-8", "replace").strip()
        if _ANTIWORD_DECLINES not in err:
            raise Rejected("corrupt_file", f"antiword: {err}"[:200])
        if soffice is None:
            raise Rejected("converter_missing", "antiword cannot read Word files this small; "
                                                "apt-get install libreoffice-writer-nogui")
    return _soffice_text(path, soffice)


def _run(cmd: list[str]) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(cmd, capture_output=True, timeout=CONVERTER_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise Rejected("corrupt_file", f"{Path(cmd[0]).name} did not finish in {CONVERTER_TIMEOUT} s")


def _antiword_text(out: str) -> str:
    """antiword's text output as the docx reader gives it: table rows (``|a  |b  |``) become one
    line per cell, picture placeholders go, padding is stripped."""
    lines: list[str] = []
    for ln in out.splitlines():
        s = ln.strip()
        if s == "[pic]":
            continue
        if len(s) >= 2 and s[0] == "|" and s[-1] == "|":
            lines.extend(_row_cells(s[1:-1].split("|")))
        else:
            lines.append(s)
    return "\n".join(lines)


def _soffice_text(path: Path, soffice: str) -> str:
    """LibreOffice headless to UTF-8 text, in a private profile so parallel jobs do not collide."""
    with tempfile.TemporaryDirectory(prefix="reportdiag-lo-") as tmp:
        profile = Path(tmp, "profile").as_uri()
        proc = _run([soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to",
                     "txt:Text (encoded):UTF8", "--outdir", tmp, str(path)])
        out = Path(tmp, path.stem + ".txt")
        if proc.returncode != 0 or not out.exists():
            err = (proc.stderr or proc.stdout).decode("utf-8", "replace").strip()
            raise Rejected("corrupt_file", f"LibreOffice could not convert it: {err}"[:200])
        return out.read_text(encoding="utf-8-sig")


def sniff(head: bytes) -> str:
    """What a Word-family file really is, from its first bytes."""
    if head.startswith(OLE_MAGIC):
        return "ole"
    if head.startswith(b"PK\x03\x04"):
        return "docx"
    stripped = head.lstrip(b"\xef\xbb\xbf \r\n\t")
    if stripped.startswith(b"{\\rtf"):
        return "rtf"
    if re.match(rb"(?i)<(!doctype html|html|\?xml)", stripped):  # Word's "save as web page" under .doc
        return "html"
    return "unknown"


def read_word(path: Path, head: bytes) -> ReadResult:
    kind = sniff(head)
    if kind == "unknown":
        raise Rejected("corrupt_file", f"{path.suffix} file is not a Word, RTF or HTML document")
    return {"ole": read_ole, "docx": read_docx, "rtf": read_rtf, "html": read_html}[kind](path)


# ---------------------------------------------------------------- pdf
_PAGE_NO = re.compile(r"^[\s\-—–·•第页/共Page0-9IVXivx]*$")


def _is_page_number(line: str) -> bool:
    s = line.strip()
    return bool(s) and len(s) <= 12 and bool(re.search(r"\d|[IVX]", s)) and bool(_PAGE_NO.match(s))


def _running_key(line: str) -> str | None:
    s = line.strip()
    if not s or _is_page_number(s) or s[-1] in "。！？!?；;":
        return None
    return re.sub(r"\d+", "#", s)


def read_pdf(path: Path) -> ReadResult:
    """Text layer of a PDF page by page (one page in memory at a time, besides the text so far);
    running headers, footers and page numbers are dropped: lines repeated at the top or bottom of
    most pages, and number-only lines."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as e:
        msg = str(e)
        if "password" in msg.lower() or "security" in msg.lower():
            raise Rejected("encrypted", msg[:200])
        raise Rejected("corrupt_file", msg[:200])
    pages: list[list[str]] = []
    try:
        for i in range(len(pdf)):
            try:
                page = pdf[i]
                tp = page.get_textpage()
                text = tp.get_text_bounded()
                tp.close()
                page.close()
            except pdfium.PdfiumError as e:
                raise Rejected("corrupt_file", f"page {i + 1}: {e}"[:200])
            pages.append([ln.rstrip() for ln in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")])
    finally:
        pdf.close()
    n_chars = sum(len("".join(p).strip()) for p in pages)
    # scans carry at most a stray stamp or page number, far below a line of text per page
    if sum(han_count("".join(p)) for p in pages) == 0 and n_chars < 20 * max(1, len(pages)):
        raise Rejected("no_text_layer", f"{len(pages)} page(s), {n_chars} extractable characters")
    # a running header (footer): the same line among the first (last) two of most pages, all of
    # them in a two-page file; digits may differ ("第 3 页"); a sentence is never one
    need = max(2, 0.6 * len(pages))
    top, bottom = Counter(), Counter()
    bodies = [[ln for ln in p if ln.strip()] for p in pages]
    for body in bodies:
        top.update({k for k in map(_running_key, body[:2]) if k})
        bottom.update({k for k in map(_running_key, body[-2:]) if k})
    headers = {k for k, v in top.items() if v >= need}
    footers = {k for k, v in bottom.items() if v >= need}
    out = []
    for body in bodies:
        n = len(body)
        for j, ln in enumerate(body):
            at_top, at_bottom = j < 2, j >= n - 2
            if (at_top or at_bottom) and _is_page_number(ln):
                continue
            key = _running_key(ln)
            if (at_top and key in headers) or (at_bottom and key in footers):
                continue
            out.append(ln)
    return ReadResult("\n".join(out), "pdf")


READERS = {".pdf": read_pdf}
READERS.update({e: read_text_file for e in TEXT_EXT})
READERS.update({e: read_markdown for e in MD_EXT})
READERS.update({e: read_html for e in HTML_EXT})
SUPPORTED = sorted(set(READERS) | WORD_EXT)


def read_file(path: Path, max_bytes: int, min_han: int = 20) -> ReadResult:
    """Read any supported file; raise :class:`Rejected` with a precise reason otherwise.
    A file over ``max_bytes`` is rejected from its size alone, before any byte is read."""
    ext = path.suffix.lower()
    if ext not in SUPPORTED:
        raise Rejected("unsupported_type", ext or "no extension")
    try:
        size = path.stat().st_size
        with open(path, "rb") as fh:
            head = fh.read(512)
    except OSError as e:
        raise Rejected("unreadable", e.strerror or type(e).__name__)
    if size == 0:
        raise Rejected("empty_file")
    if size > max_bytes:
        raise Rejected("too_large", f"{size / 1e6:.1f} MB > {max_bytes / 1e6:.1f} MB")
    result = read_word(path, head) if ext in WORD_EXT else READERS[ext](path)
    if not result.text.strip():
        raise Rejected("empty_file", "no text after extraction")
    if han_count(result.text) < min_han:
        raise Rejected("no_chinese", f"{han_count(result.text)} Chinese characters")
    return result

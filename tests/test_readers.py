"""Each reader on real files built in a temp folder, good and broken."""
import zipfile

import pytest

from docbuild import write_docx, write_encoded, write_html, write_pdf, write_scanned_pdf
from reportdiag.normalize import normalise, to_simplified
from reportdiag.readers import Rejected, read_file

TEXT = ("一、基本情况\n本支部共有党员二十三名，下设三个党小组，全年召开支部委员会十二次。\n"
        "二、存在的问题\n一是党建工作与业务工作结合不够紧密，存在“两张皮”现象。\n"
        "二是责任传导层层递减，压力没有传导到一线岗位，班子成员一岗双责落实不到位。")
MB = 10**7


def _norm(t: str) -> str:
    return normalise(t).text


def _reject(path, code):
    with pytest.raises(Rejected) as e:
        read_file(path, MB)
    assert e.value.code == code, e.value.message
    return e.value


@pytest.mark.parametrize("encoding,bom", [("utf-8", False), ("utf-8", True), ("gb18030", False),
                                          ("gbk", False), ("utf-16", False)])
def test_text_encodings(tmp_path, encoding, bom):
    p = write_encoded(tmp_path / "r.txt", TEXT, encoding, bom)
    r = read_file(p, MB)
    assert r.text == TEXT
    assert r.encoding.replace("_", "-") in {"utf-8", "utf-8-sig", "gb18030", "utf-16"}


def test_big5_traditional_becomes_simplified(tmp_path):
    import opencc

    trad = opencc.OpenCC("s2t").convert(TEXT)
    p = write_encoded(tmp_path / "r.txt", trad, "big5")
    r = read_file(p, MB)
    assert r.encoding == "big5"
    assert _norm(r.text) == _norm(to_simplified(trad))
    assert "党建工作与业务工作结合不够紧密" in _norm(r.text)


def test_docx_paragraphs_tables_headings(tmp_path):
    p = write_docx(tmp_path / "r.docx", TEXT, table_rows=[["岗位", "责任人"], ["党员示范岗", "张某"]])
    text = read_file(p, MB).text
    assert text.splitlines()[:3] == ["一、基本情况", "岗位", "责任人"]
    assert "党员示范岗" in text and _norm(TEXT.split("\n", 1)[1]) in _norm(text)


def test_pdf_text_layer_drops_headers_and_page_numbers(tmp_path, have_cjk_font):
    long = "\n".join([TEXT] * 12)
    p = write_pdf(tmp_path / "r.pdf", long, header="某某公司党委文件")
    text = read_file(p, MB).text
    assert "某某公司党委文件" not in text
    assert "- 1 -" not in text and "- 2 -" not in text
    assert _norm(text).count("结合不够紧密，存在“两张皮”现象。") == 12


def test_html_body_only(tmp_path):
    p = write_html(tmp_path / "r.html", TEXT, encoding="gb18030")
    text = read_file(p, MB).text
    assert "不应出现的脚本文字" not in text and "导航栏目" not in text and "版权所有" not in text
    assert text.splitlines()[0] == "一、基本情况"


def test_rejections(tmp_path, have_cjk_font):
    (tmp_path / "empty.txt").write_bytes(b"")
    _reject(tmp_path / "empty.txt", "empty_file")
    (tmp_path / "blank.txt").write_text(" \n\u3000\n", encoding="utf-8")
    _reject(tmp_path / "blank.txt", "empty_file")
    (tmp_path / "bin.txt").write_bytes(bytes(range(256)) * 50)
    _reject(tmp_path / "bin.txt", "binary_file")
    (tmp_path / "en.txt").write_text("This is an English memo with no Chinese at all. " * 20)
    _reject(tmp_path / "en.txt", "no_chinese")
    (tmp_path / "x.xyz").write_text(TEXT)
    _reject(tmp_path / "x.xyz", "unsupported_type")
    (tmp_path / "big.txt").write_text(TEXT * 20000)
    e = _reject_limit(tmp_path / "big.txt")
    assert "MB" in e.message
    (tmp_path / "broken.docx").write_bytes(b"PK\x03\x04 not really a zip")
    _reject(tmp_path / "broken.docx", "corrupt_file")
    with zipfile.ZipFile(tmp_path / "nodoc.docx", "w") as z:
        z.writestr("hello.txt", "no word document inside")
    _reject(tmp_path / "nodoc.docx", "corrupt_file")
    (tmp_path / "ole.docx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    _reject(tmp_path / "ole.docx", "encrypted")
    _reject(write_scanned_pdf(tmp_path / "scan.pdf"), "no_text_layer")
    _reject(write_pdf(tmp_path / "locked.pdf", TEXT, encrypt_password="secret"), "encrypted")
    (tmp_path / "trunc.pdf").write_bytes(write_pdf(tmp_path / "t.pdf", TEXT).read_bytes()[:300])
    _reject(tmp_path / "trunc.pdf", "corrupt_file")


def _reject_limit(path):
    with pytest.raises(Rejected) as e:
        read_file(path, max_bytes=1_000_000)
    assert e.value.code == "too_large"
    return e.value

"""Each reader on real files built in a temp folder, good and broken."""
import shutil
import zipfile

import pytest

from docbuild import (soffice_convert, write_docx, write_encoded, write_encrypted_docx, write_html, write_pdf,
                      write_scanned_pdf)
from reportdiag.normalize import normalise, to_simplified
from reportdiag import readers
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
    _reject(tmp_path / "ole.docx", "corrupt_file")
    _reject(write_encrypted_docx(tmp_path / "locked.docx", TEXT), "encrypted")
    _reject(write_scanned_pdf(tmp_path / "scan.pdf"), "no_text_layer")
    _reject(write_pdf(tmp_path / "locked.pdf", TEXT, encrypt_password="secret"), "encrypted")
    (tmp_path / "trunc.pdf").write_bytes(write_pdf(tmp_path / "t.pdf", TEXT).read_bytes()[:300])
    _reject(tmp_path / "trunc.pdf", "corrupt_file")


def _reject_limit(path):
    with pytest.raises(Rejected) as e:
        read_file(path, max_bytes=1_000_000)
    assert e.value.code == "too_large"
    return e.value


@pytest.fixture(scope="module")
def word_files(tmp_path_factory):
    """Real .doc and .rtf files written by LibreOffice from a .docx: a long one (antiword reads it)
    and a short one (under antiword's 4 KiB minimum, so LibreOffice reads it back)."""
    tmp = tmp_path_factory.mktemp("word")
    rows = [["岗位", "责任人"], ["党员示范岗", "张某"]]
    long_src = write_docx(tmp / "long.docx", "\n".join([TEXT] * 8), table_rows=rows)
    short_src = write_docx(tmp / "short.docx", "\n".join(TEXT.split("\n")[:2]))
    docs = soffice_convert([long_src, short_src], "doc", tmp / "doc")
    rtfs = soffice_convert([long_src], "rtf", tmp / "rtf")
    return {"long.docx": long_src, "short.docx": short_src, "long.doc": docs[0], "short.doc": docs[1],
            "long.rtf": rtfs[0]}


def test_doc_and_rtf_read_like_the_docx(word_files, monkeypatch):
    want = read_file(word_files["long.docx"], MB).text
    for name in ["long.doc", "short.doc", "long.rtf"]:
        r = read_file(word_files[name], MB)
        twin = read_file(word_files[name.split(".")[0] + ".docx"], MB).text
        assert r.text.split() == twin.split(), name
        assert r.encoding == name.rsplit(".", 1)[1]
    # without LibreOffice, antiword still reads the long file; the short one names the missing converter
    real_which = shutil.which
    monkeypatch.setattr(readers.shutil, "which", lambda exe: None if exe == "soffice" else real_which(exe))
    assert read_file(word_files["long.doc"], MB).text.split() == want.split()
    assert "libreoffice" in _reject(word_files["short.doc"], "converter_missing").message
    monkeypatch.setattr(readers.shutil, "which", lambda exe: None)
    _reject(word_files["long.doc"], "converter_missing")


def test_word_files_are_read_by_content_not_name(word_files, tmp_path):
    """WPS and Word save files whose extension does not match their bytes; each is read as what it is."""
    want = read_file(word_files["long.docx"], MB).text.split()
    for src, name in [("long.docx", "a.doc"), ("long.rtf", "b.doc"), ("long.doc", "c.docx"), ("long.doc", "d.rtf")]:
        shutil.copy(word_files[src], tmp_path / name)
        assert read_file(tmp_path / name, MB).text.split() == want, name
    (tmp_path / "plain.doc").write_text(TEXT, encoding="utf-8")
    _reject(tmp_path / "plain.doc", "corrupt_file")
    trunc = word_files["long.doc"].read_bytes()
    (tmp_path / "trunc.doc").write_bytes(trunc[: len(trunc) // 2])
    _reject(tmp_path / "trunc.doc", "corrupt_file")
    rtf = word_files["long.rtf"].read_bytes()
    (tmp_path / "trunc.rtf").write_bytes(rtf[: len(rtf) // 2])
    _reject(tmp_path / "trunc.rtf", "corrupt_file")


def test_rtf_code_pages(tmp_path):
    """RTF as Chinese Word and WPS write it: GBK (\\ansicpg936) or Big5 bytes as \\'xx escapes."""
    import opencc

    def rtf(text, cpg, enc):
        body = "".join(f"\\'{b:02x}" for b in text.encode(enc))
        return "{\\rtf1\\ansi\\ansicpg" + cpg + "{\\fonttbl{\\f0\\fnil SimSun;}}\\f0 " + body.replace("\\'0a", "\\par ") + "\\par}"

    line = TEXT.replace("\n", "")
    (tmp_path / "gbk.rtf").write_text(rtf(line, "936", "gbk"), encoding="ascii")
    assert read_file(tmp_path / "gbk.rtf", MB).text.strip() == line
    trad = opencc.OpenCC("s2t").convert(line)
    (tmp_path / "big5.rtf").write_text(rtf(trad, "950", "big5"), encoding="ascii")
    assert read_file(tmp_path / "big5.rtf", MB).text.strip() == trad


def test_markdown_markup_is_not_text(tmp_path):
    md = ("# 一、基本情况\n\n本支部共有党员**二十三名**，下设[三个党小组](http://example.org)。\n\n"
          "## 二、存在的问题\n\n- 一是党建工作与业务工作结合不够紧密。\n- 二是责任传导层层递减。\n\n"
          "| 岗位 | 责任人 |\n|---|---|\n| 党员示范岗 | 张某 |\n")
    write_encoded(tmp_path / "r.md", md, "gb18030")
    r = read_file(tmp_path / "r.md", MB)
    assert r.encoding == "gb18030"
    assert r.text.splitlines() == ["一、基本情况", "本支部共有党员二十三名，下设三个党小组。", "二、存在的问题",
                                   "一是党建工作与业务工作结合不够紧密。", "二是责任传导层层递减。",
                                   "岗位", "责任人", "党员示范岗", "张某"]


def test_html_inline_markup_and_source_wrapping_keep_sentences_whole(tmp_path):
    html = ("<html><head><meta http-equiv='Content-Type' content='text/html; charset=gb2312'></head><body>"
            "<div><p>一是<span style='color:red'>党建工作</span>与<b>业务工作</b>结合\n   不够紧密。<br>"
            "二是责任传导层层递减。</p><table><tr><td>岗位</td><td>责任人</td></tr></table>"
            "<p>Party building 与 business work</p></div></body></html>")
    # gb2312 label, but 镕 is only in GBK: the WHATWG alias decodes it
    (tmp_path / "r.htm").write_bytes(html.replace("岗位", "镕岗位").encode("gbk"))
    r = read_file(tmp_path / "r.htm", MB)
    assert r.text.splitlines() == ["一是党建工作与业务工作结合不够紧密。", "二是责任传导层层递减。",
                                   "镕岗位", "责任人", "Party building 与 business work"]


def test_unreadable_files(tmp_path):
    (tmp_path / "gone.txt").symlink_to(tmp_path / "nowhere.txt")
    _reject(tmp_path / "gone.txt", "unreadable")

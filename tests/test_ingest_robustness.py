"""Issue 5: a messy corpus built here (every format good and broken, each encoding, traditional text,
duplicates, scans, empty/binary/huge files, odd file names) runs to the end, every file is accounted
for with the expected reason, and good files give the same sentences as their UTF-8 .txt twins.
Property tests feed random and damaged bytes to the readers and random Unicode to segmentation."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import opencc
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from conftest import ROOT, pipeline
from docbuild import (soffice_convert, write_docx, write_encoded, write_encrypted_docx, write_html, write_pdf,
                      write_scanned_pdf)
from reportdiag.corpus import default_report_id, list_corpus
from reportdiag.ingest import STATUS_COLUMNS, ingest_file
from reportdiag.io import read_csv, read_jsonl
from reportdiag.normalize import SPACES, ZERO_WIDTH, normalise, to_simplified
from reportdiag.readers import Rejected, decode_bytes, read_file
from reportdiag.segment import segment_document, split_sentences

# A report written for these tests; {unit} keeps every copy distinct, so only intended duplicates are.
REPORT = """关于{unit}2023年度党建工作的报告
一、基本情况
{unit}党支部现有党员三十一名，下设四个党小组，全年召开支部党员大会六次、支委会十四次，开展主题党日十二次。
二、主要做法
（一）目标同谋划。年初把党建重点任务与生产经营指标放在同一张表上部署，逐项分解到各党小组和班组。
（二）岗位亮身份。设立党员责任区九个、党员突击队两支，在检修攻坚和安全整治中由党员带头承担难点任务。
（三）活动进现场。把主题党日搬到项目工地和服务窗口，围绕降本增效开展小发明小革新评比，形成成果十七项。
三、存在的问题
一是党建目标与业务目标衔接还不够紧，部分工作安排仍是各管一摊，年度计划没有真正融为一体。
二是责任落实存在层层递减，个别党小组长抓党建的主动性不强，一岗双责停留在签字表态上。
三是活动形式比较单一，仍以读文件、记笔记为主，与一线攻关项目结合不多，青年职工参与热情不高。
四是考核结果运用不充分，党建考核与绩效考核两条线运行，考核结果没有和评先评优、干部使用挂钩。
四、下一步打算
（一）把党建考核指标纳入部门绩效，推动两项考核结果互认互用。
（二）建立支部书记抓党建问题清单、责任清单和整改清单，按季度对账销号。"""
SHORT = "关于{unit}的简要报告\n{unit}党支部今年完成了换届选举工作，党员队伍结构有所改善。"
TABLE = [["岗位", "责任人"], ["党员示范岗", "{unit}张某"]]
S2T = opencc.OpenCC("s2t")
S2TW = opencc.OpenCC("s2tw")  # Taiwan standard forms: what Big5 can encode
MB = 10**6


def report(unit: str) -> str:
    return REPORT.format(unit=unit)


def with_table(text: str, unit: str) -> str:
    """What the Word readers give for a document whose table follows its first paragraph."""
    first, rest = text.split("\n", 1)
    cells = [c.format(unit=unit) for row in TABLE for c in row]
    return "\n".join([first, *cells, rest])


def _table(unit: str) -> list[list[str]]:
    return [[c.format(unit=unit) for c in row] for row in TABLE]


def _markdown(text: str) -> str:
    """The same report as Markdown: heading marks, emphasis and a link that must not reach the text."""
    lines = text.split("\n")
    out = [f"# {lines[0]}", ""]
    for ln in lines[1:]:
        if ln[:2] in ("一、", "二、", "三、", "四、"):
            out += [f"## {ln}", ""]
        else:
            out.append(ln.replace("党员责任区", "**党员责任区**").replace("主题党日", "[主题党日](https://example.org/)"))
    return "\n".join(out) + "\n"


GBK_NAME = "党建报告 旧电脑.txt".encode("gb18030")  # a name as unzip leaves it from a Chinese Windows zip
NFD_NAME = unicodedata.normalize("NFD", "Résumé 述职.txt")


def build_corpus(root: Path) -> tuple[Path, dict[str, str], dict[str, str], dict[str, str]]:
    """The corpus, the expected outcome of each file ("ok" or a reason code), the UTF-8 twin text of
    each good file, and the encoding recorded for the text files."""
    c = root / "corpus"
    (c / "正文 2023").mkdir(parents=True)
    (c / ".git").mkdir()
    src = root / "sources"
    src.mkdir()
    twins: dict[str, str] = {}
    expect: dict[str, str] = {}
    encodings: dict[str, str] = {}

    def text_file(rel: str, unit: str, encoding: str, recorded: str, trad: bool = False, bom: bytes = b""):
        text = S2TW.convert(report(unit)) if trad else report(unit)
        (c / rel).write_bytes(bom + text.encode(encoding))
        twins[rel], expect[rel], encodings[rel] = text, "ok", recorded

    text_file("正文 2023/2023_国企_总结 华宇能源.txt", "华宇能源", "utf-8", "utf-8")
    text_file("bom.txt", "清河供电", "utf-8", "utf-8-sig", bom=b"\xef\xbb\xbf")
    text_file("utf16le.txt", "澄江水务", "utf-16", "utf-16")                     # Python writes the BOM
    text_file("utf16be.txt", "海澄港务", "utf-16-be", "utf-16", bom=b"\xfe\xff")
    text_file("gbk.txt", "衡川理工", "gbk", "gb18030")
    text_file("gb18030.txt", "𠮷祥社区", "gb18030", "gb18030")                   # 𠮷 is outside GBK
    text_file("big5 繁體.txt", "桐溪實驗", "big5", "big5", trad=True)
    text_file("名称 含 空格.和.多个.点.v2.final.txt", "泉山档案", "utf-8", "utf-8")
    (c / NFD_NAME).write_text(report("北苑街道"), encoding="utf-8")
    twins[unicodedata.normalize("NFC", NFD_NAME)] = report("北苑街道")
    (c / os.fsdecode(GBK_NAME)).write_text(report("临湖村镇"), encoding="utf-8")
    twins["党建报告 旧电脑.txt"] = report("临湖村镇")

    write_encoded(c / "报告.md", _markdown(report("碧溪中心")), "utf-8")
    twins["报告.md"] = report("碧溪中心")
    write_docx(c / "r.docx", report("北岭矿业"), table_rows=_table("北岭矿业"))
    twins["r.docx"] = with_table(report("北岭矿业"), "北岭矿业")
    write_docx(c / "繁體報告.docx", S2T.convert(report("錦程交投")))
    twins["繁體報告.docx"] = S2T.convert(report("錦程交投"))
    two_pages = "\n".join(report(f"凌川税务{d}") for d in ("", "第二分局", "第三分局"))  # a running header needs 2+ pages
    write_pdf(c / "r.pdf", two_pages, header="凌川市税务局党委文件")
    twins["r.pdf"] = two_pages
    write_html(c / "r.html", report("丰乐人社"), encoding="gb18030")
    twins["r.html"] = report("丰乐人社")
    write_html(c / "r2.htm", report("南湖翠竹"))
    twins["r2.htm"] = report("南湖翠竹")
    # real Word 97 and RTF files, written by LibreOffice from .docx sources
    long_src = write_docx(src / "long.docx", report("江南农商"), table_rows=_table("江南农商"))
    short_src = write_docx(src / "short.docx", SHORT.format(unit="宁州直机关"))
    rtf_src = write_docx(src / "rtf.docx", report("云岭交通"))
    wps_src = write_docx(src / "wps.docx", report("临江农商"))
    long_doc, short_doc = soffice_convert([long_src, short_src], "doc", src / "doc")
    rtf, wps_rtf = soffice_convert([rtf_src, wps_src], "rtf", src / "rtf")
    for f, rel, twin in [(long_doc, "long.doc", with_table(report("江南农商"), "江南农商")),
                         (short_doc, "short.doc", SHORT.format(unit="宁州直机关")),
                         (rtf, "r.rtf", report("云岭交通")),
                         (wps_rtf, "WPS 另存为.doc", report("临江农商"))]:  # RTF bytes under a .doc name
        shutil.copy(f, c / rel)
        twins[rel] = twin
    expect.update({rel: "ok" for rel in twins})

    # duplicates: the same text in another encoding, and a .docx's text saved as .txt
    write_encoded(c / "zz 副本 gbk.txt", report("衡川理工"), "utf-8")
    write_encoded(c / "r.docx 导出.txt", with_table(report("北岭矿业"), "北岭矿业"), "utf-8")
    expect.update({"zz 副本 gbk.txt": "duplicate", "r.docx 导出.txt": "duplicate"})

    bad = {
        "empty.txt": ("empty_file", b""),
        "blank.md": ("empty_file", " \n\u3000\n".encode("utf-8")),
        "only script.html": ("empty_file", "<html><body><script>var a='脚本里的中文字符不算正文';</script><nav>导航</nav></body></html>".encode()),
        "binary.txt": ("binary_file", bytes(range(256)) * 40),
        "undecodable.txt": ("undecodable", report("乱码").encode("gbk")[:300] + b"\xff\xfe\xff" + report("乱码").encode("gbk")[300:]),
        "english.txt": ("no_chinese", b"Minutes of the branch meeting. Attendance was recorded. " * 30),
        "plain text.doc": ("corrupt_file", report("伪装").encode("utf-8")),
        "data.xlsx": ("unsupported_type", b"PK\x03\x04 spreadsheet"),
        "README": ("unsupported_type", report("说明").encode("utf-8")),
    }
    for rel, (code, data) in bad.items():
        (c / rel).write_bytes(data)
        expect[rel] = code
    write_scanned_pdf(c / "scan.pdf")
    write_pdf(c / "locked.pdf", report("加密"), encrypt_password="secret")
    write_encrypted_docx(c / "locked.docx", report("加密"))
    expect.update({"scan.pdf": "no_text_layer", "locked.pdf": "encrypted", "locked.docx": "encrypted"})
    for f, rel in [(c / "r.pdf", "truncated.pdf"), (c / "r.docx", "truncated.docx"),
                   (long_doc, "truncated.doc"), (rtf, "truncated.rtf")]:
        data = f.read_bytes()
        (c / rel).write_bytes(data[: len(data) // 2])
        expect[rel] = "corrupt_file"
    with open(c / "big 50MB.txt", "wb") as fh:  # over the default 30 MB limit
        block = report("超大").encode("utf-8") * 100
        for _ in range(50 * MB // len(block) + 1):
            fh.write(block)
    expect["big 50MB.txt"] = "too_large"
    (c / "link.txt").symlink_to(c / "nowhere.txt")
    expect["link.txt"] = "unreadable"

    # not part of the corpus
    (c / ".hidden.txt").write_text(report("隐藏"), encoding="utf-8")
    (c / ".git" / "x.txt").write_text(report("隐藏"), encoding="utf-8")
    (c / "metadata.csv").write_text(
        "file,report_id,unit,unit_type,year,genre,title\n"
        "gbk.txt,GBK-1,衡川理工大学材料学院党委,高校,2022,总结,衡川\n"
        "bom.txt,BOM-1,清河供电,国企,二〇二三,总结,清河\n"
        "已删除.docx,DEL-1,某单位,机关,2021,总结,已删除\n", encoding="utf-8-sig")
    return c, expect, twins, encodings


@pytest.fixture(scope="module")
def run(tmp_path_factory, model_dir):
    tmp = tmp_path_factory.mktemp("robust")
    corpus, expect, twins, encodings = build_corpus(tmp)
    results = tmp / "results"
    proc = pipeline(corpus, results, model_dir, "batches=4")
    assert proc.returncode == 0
    return corpus, results, expect, twins, encodings


def _statuses(results: Path) -> dict[str, dict]:
    return {r["file"]: r for f in sorted((results / "work" / "ingest").glob("*.status.jsonl")) for r in read_jsonl(f)}


def test_every_file_is_accounted_for_with_its_reason(run):
    corpus, results, expect, _, _ = run
    files = list_corpus(corpus)
    assert sorted(files) == sorted(expect)
    reports = read_csv(results / "tables" / "report_diagnosis.csv")
    rejected = read_csv(results / "tables" / "rejected.csv")
    assert not set(reports["file"]) & set(rejected["file"])
    assert sorted(reports["file"].tolist() + rejected["file"].tolist()) == sorted(files)
    got = {**{f: "ok" for f in reports["file"]}, **dict(zip(rejected["file"], rejected["reason"]))}
    assert got == expect
    assert {"file", "reason", "message", "duplicate_of"} <= set(rejected.columns)
    assert rejected["message"].str.len().min() > 10
    dup = rejected.set_index("file")
    assert dup.loc["zz 副本 gbk.txt", "duplicate_of"] == "gbk.txt"
    assert dup.loc["r.docx 导出.txt", "duplicate_of"] == "r.docx"
    assert "MB" in dup.loc["big 50MB.txt", "message"]


def test_encodings_are_recorded(run):
    _, results, _, _, encodings = run
    status = _statuses(results)
    assert {f: status[f]["encoding"] for f in encodings} == encodings
    assert status["r.docx"]["encoding"] == "docx" and status["long.doc"]["encoding"] == "doc"
    assert status["WPS 另存为.doc"]["encoding"] == "rtf"  # read as what the bytes are


def test_good_files_give_the_sentences_of_their_utf8_twins(run, tmp_path):
    _, results, _, twins, _ = run
    got: dict[str, list[tuple[int, str]]] = {}
    for f in (results / "work" / "segment").glob("*.jsonl"):
        for r in read_jsonl(f):
            got.setdefault(r["file"], []).append((r["sentence_no"], r["text"]))
    twin_dir = tmp_path / "twins"
    twin_dir.mkdir()
    for i, (rel, text) in enumerate(sorted(twins.items())):
        (twin_dir / f"{i}.txt").write_text(text, encoding="utf-8")
        doc, status = ingest_file(twin_dir, f"{i}.txt", None, 30 * MB)
        assert status["status"] == "ok", status
        want = [r["text"] for r in segment_document(doc)]
        assert [t for _, t in sorted(got[rel])] == want, rel
        assert len(want) >= 2


def test_report_ids_are_stable_and_names_survive(run):
    _, results, _, twins, _ = run
    reports = read_csv(results / "tables" / "report_diagnosis.csv").set_index("file")
    meta_ids = {"gbk.txt": "GBK-1", "bom.txt": "BOM-1"}
    for rel in twins:
        assert reports.loc[rel, "report_id"] == meta_ids.get(rel, default_report_id(rel)), rel
    assert reports.loc["big5 繁體.txt", "unit"] == "繁體"  # from the file name, minus the year and types
    assert reports.loc["gbk.txt", "year"] == 2022


def test_metadata_and_name_problems_are_warnings(run):
    _, results, _, _, _ = run
    warnings = read_csv(results / "tables" / "warnings.csv")
    by_code = warnings.groupby("code")["file"].apply(set).to_dict()
    assert by_code["missing_file"] == {"已删除.docx"}
    assert by_code["bad_year"] == {"bom.txt"}
    assert by_code["file_name_encoding"] == {"党建报告 旧电脑.txt", unicodedata.normalize("NFC", NFD_NAME)}
    assert "r.pdf" in by_code["no_metadata_row"] and "gbk.txt" not in by_code["no_metadata_row"]


# ---------------------------------------------------------------- bounded memory
PEAK = """
import json, sys
from pathlib import Path
from reportdiag.ingest import ingest_file

def mb(key):
    return int(next(ln for ln in open("/proc/self/status") if ln.startswith(key)).split()[1]) / 1024

warm, big, limit = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
ingest_file(warm.parent, warm.name, None, limit)  # loads every library the format needs
open("/proc/self/clear_refs", "w").write("5")     # Linux: reset the peak (VmHWM) to the current RSS
before = mb("VmRSS:")
doc, status = ingest_file(big.parent, big.name, None, limit)
print(json.dumps({"status": status["status"], "reason": status["reason"], "n_chars": status["n_chars"],
                  "extra_mb": mb("VmHWM:") - before}))
"""


def _extra_memory(warm: Path, big: Path, max_bytes: int = 30 * MB) -> dict:
    """Peak memory that ingesting ``big`` adds to a process that has already read ``warm``."""
    out = subprocess.run([sys.executable, "-c", PEAK, str(warm), str(big), str(max_bytes)], cwd=ROOT,
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def test_memory_stays_bounded(tmp_path, have_cjk_font):
    """The README's figures: a 300-page PDF adds under 100 MB; plain text peaks at about 12x its
    size (checked on 10 MB, under the limit); a file over the limit is never read."""
    import pypdfium2 as pdfium

    one = write_pdf(tmp_path / "one.pdf", report("容量"), header="党委文件")
    ten = write_pdf(tmp_path / "ten.pdf", "\n".join(report(f"第{i}单位") for i in range(10)), header="党委文件")
    src = pdfium.PdfDocument(str(ten))
    big = pdfium.PdfDocument.new()
    while len(big) < 300:
        big.import_pages(src)
    big.save(str(tmp_path / "p300.pdf"))
    pdf = _extra_memory(one, tmp_path / "p300.pdf")
    assert pdf["status"] == "ok" and pdf["n_chars"] > 250_000
    assert pdf["extra_mb"] < 100, pdf

    block = report("容量").encode("gb18030")
    (tmp_path / "one.txt").write_bytes(block)
    (tmp_path / "ten.txt").write_bytes(block * (10 * MB // len(block)))
    txt = _extra_memory(tmp_path / "one.txt", tmp_path / "ten.txt")
    assert txt["status"] == "ok" and txt["n_chars"] > 4_000_000
    assert txt["extra_mb"] < 150, txt
    over = _extra_memory(tmp_path / "one.txt", tmp_path / "ten.txt", 5 * MB)
    assert over["reason"] == "too_large" and over["extra_mb"] < 5, over


# ---------------------------------------------------------------- property tests
HAN_TEXT = st.text(alphabet=st.sampled_from(list(REPORT.replace("{unit}", "") + "黨業務責層")), min_size=30, max_size=200)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.binary(max_size=2000),
                 st.tuples(HAN_TEXT, st.sampled_from(["utf-8", "gb18030", "big5", "utf-16"]), st.binary(max_size=4))
                 .map(lambda t: t[0].encode(t[1], "ignore") + t[2])))
def test_decode_bytes_never_escapes_and_tells_the_truth(data):
    try:
        r = decode_bytes(data)
    except Rejected as e:
        assert e.code in {"binary_file", "undecodable"}
        return
    # the recorded encoding really decodes these bytes to this text
    assert data.decode(r.encoding) == r.text


@settings(max_examples=60, deadline=None)
@given(HAN_TEXT, st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]))
def test_unambiguous_encodings_round_trip(text, encoding):
    assert decode_bytes(text.encode(encoding)).text == text


@pytest.fixture(scope="module")
def real_files(tmp_path_factory):
    """One good file per format, to damage at random."""
    tmp = tmp_path_factory.mktemp("fuzz")
    docx = write_docx(tmp / "r.docx", report("样本"), table_rows=_table("样本"))
    (doc,) = soffice_convert([write_docx(tmp / "long.docx", "\n".join([report("样本")] * 3))], "doc", tmp / "o")
    (rtf,) = soffice_convert([docx], "rtf", tmp / "o")
    files = {".docx": docx, ".doc": doc, ".rtf": rtf, ".pdf": write_pdf(tmp / "r.pdf", report("样本")),
             ".html": write_html(tmp / "r.html", report("样本")),
             ".md": write_encoded(tmp / "r.md", _markdown(report("样本")), "utf-8"),
             ".txt": write_encoded(tmp / "r.txt", report("样本"), "gb18030")}
    return {ext: p.read_bytes() for ext, p in files.items()}


EXTS = [".txt", ".md", ".html", ".docx", ".doc", ".rtf", ".pdf"]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ext=st.sampled_from(EXTS), random=st.binary(max_size=3000), damage=st.lists(
    st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255)), max_size=8),
    cut=st.one_of(st.none(), st.floats(0, 1)), use_real=st.booleans())
def test_ingest_survives_random_and_damaged_files(tmp_path, real_files, ext, random, damage, cut, use_real):
    data = bytearray(real_files[ext] if use_real else random)
    for where, value in damage:
        if data:
            data[int(where * len(data))] = value
    if cut is not None:
        data = data[: int(cut * len(data))]
    path = tmp_path / f"f{ext}"
    path.write_bytes(bytes(data))
    try:
        read_file(path, 30 * MB)  # only Rejected may come out of a reader
    except Rejected:
        pass
    doc, status = ingest_file(tmp_path, path.name, None, 30 * MB)
    assert set(status) == set(STATUS_COLUMNS)
    assert (doc is None) == (status["status"] == "rejected") and (status["reason"] == "") == (doc is not None)
    if doc is not None:
        for r in segment_document(doc):
            assert doc["original"][r["start"]:r["end"]] == r["source"]


# original characters the normaliser may turn into a given normalised character (t2s off)
def _maps_to(orig: str, norm: str) -> bool:
    if orig == norm:
        return True
    if norm == " ":
        return orig in SPACES
    if norm == "\n":
        return orig in "\r\n"
    if norm == "\ufffd":
        return "\ud800" <= orig <= "\udfff"
    return "\uff01" <= orig <= "\uff5e" and chr(ord(orig) - 0xFEE0) == norm


TEXT_ALPHABET = st.one_of(
    st.sampled_from(list(REPORT.replace("{unit}", "") + "\r\n\n\n。！？；：…”」）" + ZERO_WIDTH + SPACES + "１２ＡＢａ")),
    st.characters())


def test_lone_surrogates_become_replacement_characters_in_place():
    # broken PDF text layers can hand back lone UTF-16 surrogates; no UTF-8 table can hold them
    text = "党建\ud800工作\udfff总结。"
    for t2s in (True, False):
        norm = normalise(text, traditional_to_simplified=t2s)
        assert norm.text == "党建\ufffd工作\ufffd总结。"
        assert norm.text.encode("utf-8") and norm.to_original(5) == 5
    # sentences given to `make classify` go through the same conversion (JSON can spell "\ud800")
    assert to_simplified("黨建\ud800") == "党建\ufffd"


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=TEXT_ALPHABET, max_size=300), st.booleans())
def test_segmentation_offsets_map_back_to_the_original(text, t2s):
    norm = normalise(text, traditional_to_simplified=t2s)
    doc = {"file": "x.txt", "report_id": "x", "original": text, "text": norm.text,
           "norm_pos": norm.norm_pos, "orig_pos": norm.orig_pos}
    rows = segment_document(doc)
    spans = split_sentences(norm.text)  # the spans segment_document maps, one per row
    assert len(spans) == len(rows)
    last_end = 0
    for span, r in zip(spans, rows):
        assert last_end <= r["start"] < r["end"] <= len(text)
        last_end = r["end"]
        assert r["text"] == norm.text[span.start:span.end] and r["text"] == r["text"].strip() != ""
        assert text[r["start"]:r["end"]] == r["source"]
        # every normalised character comes from an original character inside the sentence's span, in order
        positions = [norm.to_original(i) for i in range(span.start, span.end)]
        assert positions[0] == r["start"] and positions[-1] == r["end"] - 1 and positions == sorted(set(positions))
        if not t2s:
            assert all(_maps_to(text[o], ch) for o, ch in zip(positions, r["text"]))

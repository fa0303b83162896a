"""End to end: the workflow on corpora built here, every file accounted for."""
import json
import subprocess
import sys

import opencc
import pandas as pd
import pytest

from conftest import ROOT, pipeline, shared_path, write_jsonl
from docbuild import write_docx, write_encoded, write_html, write_pdf, write_scanned_pdf
from reportdiag.corpus import list_corpus
from reportdiag.io import read_csv, read_jsonl

REPORT = """关于2023年度党建工作情况的报告
一、主要做法
（一）推行目标协同。党委将党建任务清单与经营任务清单同表编制、同会研究，年初一并下达各支部。
（二）设岗定责。在生产一线设立党员示范岗12个、党员攻坚岗5个，明确责任人和完成时限。
二、存在的问题
一是党建工作与业务工作结合不够紧密，一定程度上仍存在“两张皮”现象。
二是责任传导层层递减，部分支部书记抓党建精力投入不足，一岗双责落实不到位。
三是党建活动载体单一，主要还是开会学文件，与生产经营项目结合不够。
四是党建考核与业务考核各搞一套，考核结果没有与评先评优挂钩。
三、下一步工作打算
实行党建考核与经营业绩考核一体化，建立问题整改清单，逐项销号。"""
NONE_REPORT = """社区党委2024年工作总结
今年以来，社区党委组织开展理论学习12次，走访困难群众86户。
全年新发展党员2名，转正预备党员3名。
存在的不足主要是理论学习还不够深入，社区工作者队伍年龄偏大，活动经费较为紧张。"""


def _corpus(tmp_path):
    c = tmp_path / "corpus"
    (c / "子目录").mkdir(parents=True)
    write_encoded(c / "r1 utf8.txt", REPORT, "utf-8")
    write_encoded(c / "r2.gbk.txt", REPORT.replace("2023", "2022"), "gb18030")
    write_encoded(c / "r3_bom.txt", NONE_REPORT, "utf-8", bom=True)
    write_encoded(c / "子目录" / "r4 big5.txt", opencc.OpenCC("s2t").convert(REPORT.replace("2023", "2021")), "big5")
    write_docx(c / "r5.docx", REPORT.replace("2023", "2020"))
    write_pdf(c / "r6.pdf", REPORT.replace("2023", "2019"))
    write_html(c / "r7.html", REPORT.replace("2023", "2018"))
    write_encoded(c / "r1 copy.txt", REPORT, "utf-8")                      # exact duplicate of r1
    (c / "empty.txt").write_bytes(b"")
    (c / "binary.txt").write_bytes(bytes(range(256)) * 40)
    write_scanned_pdf(c / "scan.pdf")
    (c / "notes.xyz").write_text(REPORT, encoding="utf-8")
    (c / ".hidden.txt").write_text(REPORT, encoding="utf-8")
    return c


@pytest.fixture(scope="module")
def run(tmp_path_factory, model_dir):
    tmp = tmp_path_factory.mktemp("e2e")
    corpus = _corpus(tmp)
    results = tmp / "results"
    pipeline(corpus, results, model_dir)
    return corpus, results


def test_every_file_is_diagnosed_or_rejected(run):
    corpus, results = run
    reports = read_csv(results / "tables" / "report_diagnosis.csv")
    rejected = read_csv(results / "tables" / "rejected.csv")
    files = list_corpus(corpus)
    assert ".hidden.txt" not in files
    assert sorted(reports["file"].tolist() + rejected["file"].tolist()) == files
    reasons = dict(zip(rejected["file"], rejected["reason"]))
    assert reasons == {"empty.txt": "empty_file", "binary.txt": "binary_file", "scan.pdf": "no_text_layer",
                       "notes.xyz": "unsupported_type", "r1 utf8.txt": "duplicate"}
    dup = rejected.set_index("file").loc["r1 utf8.txt"]
    assert dup["duplicate_of"] == "r1 copy.txt"  # the first file in path order is kept


def test_diagnosis_columns_and_values(run):
    _, results = run
    reports = read_csv(results / "tables" / "report_diagnosis.csv").set_index("file")
    cols = ["report_id", "unit", "unit_type", "year", "genre", "n_sentences", "n_chars"]
    for c in ["goal", "responsibility", "carrier", "evaluation"]:
        cols += [f"problem_{c}_n", f"problem_{c}_share", f"problem_{c}_per10k", f"problem_{c}_mean_p", f"practice_{c}_n"]
    assert set(cols + ["dominant_problem", "recommended_mechanisms"]) <= set(reports.columns)
    full = reports.loc["r1 copy.txt"]
    # the written report names all four problems in its problem section
    found = [c for c in ["goal", "responsibility", "carrier", "evaluation"] if full[f"problem_{c}_n"] > 0]
    assert len(found) >= 3, found
    assert full["n_chars"] == len(REPORT)
    none = reports.loc["r3_bom.txt"]
    assert sum(none[f"problem_{c}_n"] for c in ["goal", "responsibility", "carrier", "evaluation"]) == 0
    ev = read_csv(results / "tables" / "evidence.csv")
    assert set(ev["stance"]) <= {"problem", "practice"} and (ev["probability"] > 0).all()
    # every label is explained by terms a reader can check: no single characters or punctuation
    terms = [t.removeprefix("词:") for cues in ev["cues"] for t in cues.split("；")]
    assert ev["cues"].str.len().gt(0).all() and all(len(t) >= 2 for t in terms), terms[:20]
    # evidence offsets point into the original text: the big5 file's evidence is traditional
    trad = ev[ev["file"] == "子目录/r4 big5.txt"]
    assert len(trad) and trad["text"].str.contains("黨|業務|責任|層層").any()
    summary = read_csv(results / "tables" / "summary_by_category.csv")
    assert summary["reports"].iloc[0] == len(reports)
    for c in ["goal", "responsibility", "carrier", "evaluation"]:
        s = summary.set_index("category").loc[c]
        assert s["reports_affected"] == (reports[f"problem_{c}_n"] > 0).sum()
        assert s["problem_sentences"] == reports[f"problem_{c}_n"].sum() == (
            (ev["category"] == c) & (ev["stance"] == "problem")).sum()


def test_formats_give_the_same_sentences(run):
    _, results = run
    sents = {}
    for f in (results / "work" / "segment").glob("*.jsonl"):
        for r in read_jsonl(f):
            sents.setdefault(r["file"], []).append(r["text"])
    base = [s.replace("2023", "X") for s in sents["r1 copy.txt"]]
    for other in ["r2.gbk.txt", "子目录/r4 big5.txt", "r5.docx", "r6.pdf", "r7.html"]:
        got = [s.replace(y, "X") for s in sents[other] for y in ("2022", "2021", "2020", "2019", "2018") if True][: 0] or \
              [s for s in sents[other]]
        norm = [s.replace("2022", "X").replace("2021", "X").replace("2020", "X").replace("2019", "X").replace("2018", "X")
                for s in got]
        assert norm == base, other


def test_offsets_map_back_to_the_source(run):
    corpus, results = run
    for f in (results / "work" / "ingest").glob("*.docs.jsonl"):
        for doc in read_jsonl(f):
            seg = [r for g in (results / "work" / "segment").glob("*.jsonl") for r in read_jsonl(g)
                   if r["file"] == doc["file"]]
            for r in seg:
                assert doc["original"][r["start"]:r["end"]] == r["source"]
                assert opencc.OpenCC("t2s").convert(r["source"]).replace("\n", "") .strip() != ""


def test_government_work_reports_folder(tmp_path, model_dir):
    """A real second corpus: the State Council's reports as .txt files (old ones traditional)."""
    rows = [json.loads(l) for l in open(shared_path("data", "government_work_reports.jsonl"), encoding="utf-8")]
    picked = [r for r in rows if r.get("year") in ("1956", "1978", "1990", "2005", "2024")] + \
             [r for r in rows if r.get("year") is None][:1]
    corpus = tmp_path / "gwr"
    corpus.mkdir()
    for r in picked:
        name = f"{r.get('year') or 'resolution'}_{r['title'][:20]}.txt".replace("/", "_")
        (corpus / name).write_text(r["content"], encoding="utf-8")
    results = tmp_path / "out"
    pipeline(corpus, results, model_dir, "batches=4")
    reports = read_csv(results / "tables" / "report_diagnosis.csv")
    rejected = read_csv(results / "tables" / "rejected.csv")
    assert len(reports) + len(rejected) == len(picked)
    long = reports[reports["n_chars"] > 5000]
    assert len(long) >= 4 and (long["n_sentences"] > 50).all()
    assert set(reports["year"].dropna().astype(int)) >= {1956, 1978, 2024}


def test_classify_contract(tmp_path, model_dir):
    inp = write_jsonl(tmp_path / "in.jsonl", [
        {"id": "a1", "doc": "A", "text": "二、存在的问题"},
        {"id": "a2", "doc": "A", "text": "一是党建考核与业务考核各搞一套，考核结果运用不充分。"},
        {"id": "b1", "text": "我们建立了党建与业务一体化考核评价机制，考核结果与绩效挂钩。"},
        {"id": "c1", "text": "今年营业收入同比增长百分之十二。"},
    ])
    out = tmp_path / "out.jsonl"
    subprocess.run([sys.executable, "-m", "reportdiag", "classify", "--in", str(inp), "--out", str(out),
                    "--model-dir", str(model_dir)], cwd=ROOT, check=True)
    got = {r["id"]: r for r in read_jsonl(out)}
    assert list(got) == ["a1", "a2", "b1", "c1"]
    for r in got.values():
        assert set(r) == {"id", "problem", "practice", "p_problem", "p_practice"}
        assert set(r["p_problem"]) == set(r["p_practice"]) == {"goal", "responsibility", "carrier", "evaluation"}
    assert "evaluation" in got["a2"]["problem"] and "evaluation" not in got["a2"]["practice"]
    assert "evaluation" in got["b1"]["practice"] and "evaluation" not in got["b1"]["problem"]
    assert got["c1"]["problem"] == [] and got["c1"]["practice"] == []

"""The outputs a researcher opens: group summaries against a hand-counted corpus, bootstrap
intervals, recommendations, the workbook, the manifest, and run-to-run changes."""
import json
import shutil
import zipfile

import numpy as np
import openpyxl
import pandas as pd
import pytest

import smallcorpus
from conftest import pipeline
from reportdiag.codebook import load_codebook
from reportdiag.history import diff_reports
from reportdiag.io import read_csv
from reportdiag.recommend import recommendations
from reportdiag.report import TABLE_ORDER
from reportdiag.summaries import TOTAL_ROW, share_ci
from reportdiag.workbook import HELP_SHEET, Labels

CATS = smallcorpus.CATS
TABLES = ["report_diagnosis", "evidence", "summary_by_category", "summary_by_unit_type", "summary_by_year",
          "summary_by_unit", "coding_matrix", "recommendations", "rejected", "warnings", "changes"]


def _problem(rid, c, expected=smallcorpus.EXPECTED):
    return expected[rid][c][0]


def test_report_counts_match_the_hand_count(small_run):
    _, results = small_run
    reports = read_csv(results / "tables" / "report_diagnosis.csv").set_index("report_id")
    assert sorted(reports.index) == sorted(smallcorpus.EXPECTED)
    for rid, cats in smallcorpus.EXPECTED.items():
        for c, (n_problem, n_practice) in cats.items():
            got = (reports.at[rid, f"problem_{c}_n"], reports.at[rid, f"practice_{c}_n"])
            assert got == (n_problem, n_practice), (rid, c)


@pytest.mark.parametrize("by,groups", [
    ("unit_type", {"国企": ["rA", "rB"], "机关": ["rC", "rD"], "学校": ["rE"]}),
    ("year", {"2022": ["rA", "rC"], "2023": ["rB", "rD", "rE"]}),
])
def test_group_summaries_against_the_hand_count(small_run, by, groups):
    _, results = small_run
    s = read_csv(results / "tables" / f"summary_by_{by}.csv")
    assert list(s.columns) == [by, "category", "name", "reports", "reports_affected", "share_affected", "ci_low",
                               "ci_high", "problem_sentences", "mean_per10k", "reports_with_practice",
                               "practice_coverage"]
    assert len(s) == len(groups) * len(CATS)
    s = s.astype({by: str}).set_index([by, "category"])
    exp = smallcorpus.EXPECTED
    for g, members in groups.items():
        for c in CATS:
            row = s.loc[(g, c)]
            affected = sum(_problem(r, c) > 0 for r in members)
            assert row["reports"] == len(members)
            assert row["reports_affected"] == affected
            assert row["share_affected"] == pytest.approx(affected / len(members), abs=1e-4)
            assert row["problem_sentences"] == sum(_problem(r, c) for r in members)
            assert row["reports_with_practice"] == sum(exp[r][c][1] > 0 for r in members)
            assert row["ci_low"] <= row["share_affected"] <= row["ci_high"]
    # e.g. 国企: rA has 2 evaluation sentences, rB none → 1 of 2 reports, 2 sentences
    if by == "unit_type":
        assert tuple(s.loc[("国企", "evaluation"), ["reports_affected", "problem_sentences"]]) == (1, 2)
        assert s.loc[("学校", "goal"), "practice_coverage"] == 1.0


def test_summary_by_unit_and_category_agree(small_run):
    _, results = small_run
    by_unit = read_csv(results / "tables" / "summary_by_unit.csv")
    overall = read_csv(results / "tables" / "summary_by_category.csv").set_index("category")
    totals = by_unit.groupby("category")[["reports_affected", "problem_sentences"]].sum()
    for c in CATS:
        assert totals.at[c, "reports_affected"] == overall.at[c, "reports_affected"]
        assert totals.at[c, "problem_sentences"] == overall.at[c, "problem_sentences"]


def test_coding_matrix(small_run):
    _, results = small_run
    m = read_csv(results / "tables" / "coding_matrix.csv").set_index("report_id")
    total = m.loc[TOTAL_ROW]
    col = {c: sum(_problem(r, c) for r in smallcorpus.EXPECTED) for c in CATS}   # goal 2, resp 1, carrier 1, eval 3
    assert {c: total[f"problem_{c}_n"] for c in CATS} == col == {"goal": 2, "responsibility": 1, "carrier": 1,
                                                                "evaluation": 3}
    assert total["problem_total"] == 7
    # rA: goal 1 and evaluation 2 of its 3 problem sentences; half of all goal and 2/3 of all evaluation ones
    assert m.at["rA", "problem_goal_row_pct"] == pytest.approx(33.33, abs=0.01)
    assert m.at["rA", "problem_evaluation_row_pct"] == pytest.approx(66.67, abs=0.01)
    assert m.at["rA", "problem_goal_col_pct"] == pytest.approx(50.0)
    assert m.at["rA", "problem_evaluation_col_pct"] == pytest.approx(66.67, abs=0.01)
    reports = m.drop(index=TOTAL_ROW)
    for rid, row in reports.iterrows():
        pct = sum(row[f"problem_{c}_row_pct"] for c in CATS)
        assert pct == pytest.approx(100 if row["problem_total"] else 0, abs=0.05), rid
    for c in CATS:
        assert reports[f"problem_{c}_col_pct"].sum() == pytest.approx(100, abs=0.05)


def test_recommendations_follow_the_config_thresholds(small_run):
    _, results = small_run
    recs = read_csv(results / "tables" / "recommendations.csv")
    # rB has responsibility problems but two practice sentences (more than max_practice_sentences=1)
    assert sorted(zip(recs["report_id"], recs["category"])) == [
        ("rA", "evaluation"), ("rA", "goal"), ("rD", "carrier"), ("rD", "evaluation"), ("rE", "goal")]
    by = recs.set_index(["report_id", "category"])
    assert by.at[("rA", "goal"), "mechanism"] == "目标协同机制" and "同表编制" in by.at[("rA", "goal"), "measures"]
    ev = by.loc[("rA", "evaluation")]
    assert ev["mechanism"] == "一体化考评机制" and "整改清单" in ev["measures"] and "闭环" in ev["measures"]
    assert by.at[("rD", "carrier"), "mechanism"] == "项目推进机制" and "立项" in by.at[("rD", "carrier"), "measures"]
    # the two strongest evidence sentences, by probability, both from rA's problem section
    evidence = read_csv(results / "tables" / "evidence.csv")
    rA = evidence[(evidence["report_id"] == "rA") & (evidence["category"] == "evaluation")
                  & (evidence["stance"] == "problem")].sort_values("probability", ascending=False)
    assert [ev["evidence_1"], ev["evidence_2"]] == rA["text"].tolist()[:2]
    assert ev["evidence_1_probability"] >= ev["evidence_2_probability"]
    reports = read_csv(results / "tables" / "report_diagnosis.csv").set_index("report_id")
    assert reports.at["rA", "recommended_mechanisms"] == "目标协同机制；一体化考评机制"
    assert pd.isna(reports.at["rB", "recommended_mechanisms"])


def test_recommendation_for_responsibility_carries_the_member_posts():
    cb = load_codebook()
    row = {"report_id": "r1", "file": "r1.txt", "unit": "某支部",
           **{f"{s}_{c}_n": 0 for c in cb.ids for s in ("problem", "practice")}}
    reports = pd.DataFrame([{**row, "problem_responsibility_n": 3, "practice_responsibility_n": 1}])
    evidence = pd.DataFrame([
        {"report_id": "r1", "sentence_no": k, "category": "responsibility", "stance": "problem", "probability": p,
         "text": t} for k, p, t in [(2, 0.7, "乙"), (5, 0.9, "甲"), (9, 0.7, "丙")]])
    cfg = {"min_problem_sentences": 1, "max_practice_sentences": 1, "evidence_per_category": 2}
    recs = recommendations(reports, evidence, cb, cfg)
    assert len(recs) == 1
    r = recs.iloc[0]
    assert r["mechanism"] == "责任联动机制" and all(p in r["measures"] for p in ("责任岗", "攻坚岗", "示范岗"))
    # strongest first; equal probabilities go to the earlier sentence
    assert (r["evidence_1"], r["evidence_2"], r["evidence_2_sentence_no"]) == ("甲", "乙", 2)
    assert recommendations(reports, evidence, cb, {**cfg, "max_practice_sentences": 0}).empty
    assert recommendations(reports, evidence, cb, {**cfg, "min_problem_sentences": 4}).empty


def test_bootstrap_interval_contains_the_estimate_and_shrinks():
    widths = []
    for n in (10, 40, 160, 640):
        flags = np.array([1, 0] * (n // 2))
        lo, hi = share_ci(flags, 2000, seed=7)
        assert lo <= flags.mean() <= hi
        assert share_ci(flags, 2000, seed=7) == (lo, hi)     # seeded: the same interval again
        widths.append(hi - lo)
    assert widths == sorted(widths, reverse=True) and widths[-1] < widths[0] / 4
    assert share_ci(np.array([1]), 2000, seed=7) == (1.0, 1.0)
    assert share_ci(np.array([0, 0, 0]), 2000, seed=7) == (0.0, 0.0)


def test_every_csv_is_utf8_with_bom(small_run):
    _, results = small_run
    for t in TABLES:
        raw = (results / "tables" / f"{t}.csv").read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf"), t
        raw.decode("utf-8")


def test_workbook_sheets_titles_and_explanations(small_run):
    _, results = small_run
    wb = openpyxl.load_workbook(results / "diagnosis.xlsx", read_only=False)
    core = ["报告诊断", "对策建议", "证据句", "类别汇总", "按单位类型", "按年度", "按单位", "编码矩阵", "运行变化",
            "未分析文件", "元数据警告"]
    assert [s for s in wb.sheetnames if s in core] == core and wb.sheetnames[-1] == HELP_SHEET
    labels = Labels(load_codebook())
    names = [t for t in TABLE_ORDER if (results / "tables" / f"{t}.csv").exists()]
    assert wb.sheetnames == [labels.table_title(t) for t in names] + [HELP_SHEET]
    assert labels.undescribed({t: read_csv(results / "tables" / f"{t}.csv") for t in names}) == []
    reports = read_csv(results / "tables" / "report_diagnosis.csv")
    ws = wb["报告诊断"]
    assert ws.freeze_panes == "A2"
    header = [c.value for c in ws[1]]
    assert header[:3] == ["报告编号", "文件", "单位"] and "目标衔接·问题句数" in header
    assert ws.max_row == len(reports) + 1
    assert ws.column_dimensions["B"].width >= 10
    rows = {r[0]: r for r in ws.iter_rows(min_row=2, values_only=True)}
    assert rows["rA"][header.index("考核评价·问题句数")] == 2
    help_rows = list(wb[HELP_SHEET].iter_rows(min_row=2, values_only=True))
    described = {(t, c) for t, c, _, h in help_rows if c and h}
    for t in names:
        title = labels.table_title(t)
        for c in read_csv(results / "tables" / f"{t}.csv").columns:
            assert (title, c) in described, (t, c)


def test_manifest_records_inputs_and_hashes(small_run):
    corpus, results = small_run
    m = json.loads((results / "manifest.json").read_text(encoding="utf-8"))
    files = {i["file"]: i for i in m["inputs"]}
    assert set(files) == set(smallcorpus.REPORTS)
    from reportdiag.io import sha256_file
    for name, i in files.items():
        assert i["sha256"] == sha256_file(corpus / name) and i["status"] == "analysed"
    assert files["a_guoqi_2022.txt"]["report_id"] == "rA"
    assert m["codebook"]["sha256"] == load_codebook().sha256
    assert len(m["model"]["sha256"]) == 64 and m["training_data"]["files"]
    assert m["segmenter"]["name"] in ("jieba", "rjieba") and len(m["segmenter"]["userdict_sha256"]) == 64
    assert m["packages"]["scikit-learn"] and m["packages"]["snakemake"]
    assert set(m["tables"]) >= set(TABLES) - {"changes"}
    assert "corpus" not in m["config"] and m["config"]["summaries"]["seed"]
    assert (results / "history" / m["run_id"] / "report_diagnosis.csv").read_bytes() == \
        (results / "tables" / "report_diagnosis.csv").read_bytes()


@pytest.fixture(scope="module")
def reanalysis(tmp_path_factory, small_run, model_dir):
    """The same corpus run again elsewhere (bytes kept), then one report added and run again."""
    corpus, _ = small_run
    tmp = tmp_path_factory.mktemp("rerun")
    corpus2 = tmp / "corpus"
    shutil.copytree(corpus, corpus2)
    results = tmp / "results"
    pipeline(corpus2, results, model_dir)
    first = {p.relative_to(results).as_posix(): p.read_bytes()
             for p in [*(results / "tables").glob("*.csv"), results / "manifest.json"]}
    added = smallcorpus.add_report(corpus2)
    pipeline(corpus2, results, model_dir)
    return first, results, added


def test_two_runs_give_byte_identical_tables_and_manifest(small_run, reanalysis):
    _, results = small_run
    first, _, _ = reanalysis
    manifests = (first["manifest.json"], (results / "manifest.json").read_bytes())
    models = [json.loads(m)["model"]["sha256"] for m in manifests]
    assert models[0] == models[1], "the model was retrained between the runs: code or config changed under the test"
    assert set(first) >= {f"tables/{t}.csv" for t in TABLES} | {"manifest.json"}
    for rel, data in first.items():
        assert (results / rel).read_bytes() == data, rel


def test_adding_one_report_gives_one_new_row(reanalysis):
    first, results, added = reanalysis
    changes = read_csv(results / "tables" / "changes.csv")
    assert changes[["report_id", "file", "change"]].values.tolist() == [["rF", added, "new"]]
    row = changes.iloc[0]
    for c, (n_problem, n_practice) in smallcorpus.EXPECTED_ADDED["rF"].items():
        assert pd.isna(row[f"old_problem_{c}_n"]) and row[f"new_problem_{c}_n"] == n_problem
        assert row[f"new_practice_{c}_n"] == n_practice
    runs = read_csv(results / "history" / "runs.csv")
    old_id = json.loads(first["manifest.json"])["run_id"]
    new_id = json.loads((results / "manifest.json").read_text(encoding="utf-8"))["run_id"]
    assert runs[["run_id", "previous_run_id", "new", "removed", "changed"]].values.tolist()[-1] == [
        new_id, old_id, 1, 0, 0]
    for rid in (old_id, new_id):
        assert (results / "history" / rid / "report_diagnosis.csv").exists()
    # the first run's copy is untouched: it still has the five reports
    assert len(read_csv(results / "history" / old_id / "report_diagnosis.csv")) == 5


def test_changes_removed_and_changed():
    cb = load_codebook()
    cols = {f"{s}_{c}_n": 0 for c in cb.ids for s in ("problem", "practice")}
    old = pd.DataFrame([{"report_id": "x", "file": "x.txt", **cols}, {"report_id": "y", "file": "y.txt", **cols},
                        {"report_id": "z", "file": "z.txt", **cols}])
    new = old.copy()
    new.loc[new["report_id"] == "y", "problem_carrier_n"] = 3
    new = new[new["report_id"] != "z"]
    d = diff_reports(old, new, cb)
    assert d[["report_id", "change"]].values.tolist() == [["z", "removed"], ["y", "changed"]]
    y = d.set_index("report_id").loc["y"]
    assert (y["old_problem_carrier_n"], y["new_problem_carrier_n"]) == (0, 3)
    assert pd.isna(d.set_index("report_id").at["z", "new_problem_goal_n"])
    assert diff_reports(old, old, cb).empty


def test_snakemake_report_zip_has_outputs_and_captions(small_run, model_dir):
    corpus, results = small_run
    out = results / "report.zip"
    pipeline(corpus, results, model_dir, extra=("--report", str(out)))
    with zipfile.ZipFile(out) as z:
        names = z.namelist()
        page = z.read("report/report.html").decode("utf-8")
    for f in ("diagnosis.xlsx", "report.html", "manifest.json", "changes.csv", "report_diagnosis.csv"):
        assert any(n.endswith("/" + f) for n in names), f
    assert "is a hash of all of this" in page          # report/manifest.rst
    assert "strongest evidence" in page                # report/html.rst


def test_xlsx_writer_round_trips_values_through_openpyxl(tmp_path):
    from reportdiag.xlsxwrite import column_letter, write_xlsx_sheets

    assert [column_letter(j) for j in (0, 25, 26, 701, 702)] == ["A", "Z", "AA", "ZZ", "AAA"]
    rows = [["=SUM(A1:A3)", 3, 0.25, True, None],
            [" 前后有空格 ", np.int64(7), float("nan"), np.float64(1e-05), pd.NA],
            ["a<b & c>d\x01", -2, float("inf"), False, "换行\n之后"],
            ["长" * 40000, 0, 0.0, False, ""]]
    path = tmp_path / "t.xlsx"
    write_xlsx_sheets(path, [("表一", ["文本", "整数", "小数", "真假", "空"], rows, [12, None, 8, 8, 30]),
                             ("空表", ["x"], [], [None])])
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["表一", "空表"]
    ws = wb["表一"]
    assert ws.freeze_panes == "A2" and ws["A1"].font.b and ws.column_dimensions["A"].width == 12
    got = [list(r) for r in ws.iter_rows(min_row=2, values_only=True)]
    assert got == [["=SUM(A1:A3)", 3, 0.25, True, None],
                   [" 前后有空格 ", 7, None, 1e-05, None],
                   ["a<b & c>d", -2, "inf", False, "换行\n之后"],
                   ["长" * 32766 + "…", 0, 0, False, ""]]
    assert ws["A2"].data_type == "s"  # text that looks like a formula stays text
    assert wb["空表"].max_row == 1
    first = path.read_bytes()
    write_xlsx_sheets(path, [("表一", ["文本", "整数", "小数", "真假", "空"], rows, [12, None, 8, 8, 30]),
                             ("空表", ["x"], [], [None])])
    assert path.read_bytes() == first
    with zipfile.ZipFile(path) as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    for bad in ("a/b", "x" * 32, ""):
        with pytest.raises(ValueError, match="sheet name"):
            write_xlsx_sheets(tmp_path / "bad.xlsx", [(bad, ["x"], [], [None])])

"""The researcher's loop: sample for annotation, agreement, retrain with user labels, a user's fifth
category, cue lexicon diagnostics and the residual themes the categories miss."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import yaml
from sklearn.metrics import cohen_kappa_score

from conftest import ROOT, pipeline, write_jsonl
from docbuild import write_docx
from reportdiag import agreement, lexicon, residual, sampling
from reportdiag.annotations import holdout, merge
from reportdiag.codebook import CodebookError, load_codebook
from reportdiag.io import read_csv, read_jsonl
from reportdiag.tokenize import Tokenizer

CB = load_codebook()


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "reportdiag", *args], cwd=ROOT, capture_output=True, text=True)


# ---------------------------------------------------------------- a user's fifth category and labels

EXTENSION = """\
categories:
  - id: position
    name: 阵地建设不够规范
    short: 阵地建设
    definition: 句子指出党组织开展活动、服务党员群众的场所（含线上平台）缺失、闲置、功能单一，或与业务场所相互脱节。
    problem_cues: [没有固定的活动场所, 阵地闲置, 阵地建设滞后, 活动场所, 名存实亡, 利用率不高, 活动室]
    practice_cues: [新建党员活动室, 阵地共建共享, 党群服务中心, 党员活动角, 阵地管理办法, 党群服务站点, 线上党建阵地]
    mechanism:
      name: 阵地共建共享机制
      summary: 按统一标准建好、管好、用好党建阵地，并把阵地放进业务场所和生产一线。
      measures:
        - 按统一标准配置党员活动场所和设施
        - 党建阵地与业务场所合并设置、共建共享
        - 明确专人管理并固定开放时间
"""
POSITION_PROBLEMS = [
    "部分党支部没有固定的活动场所，组织生活只能借用会议室临时开展。",
    "党员活动室面积偏小，设施陈旧，难以满足集中学习的需要。",
    "有的村党群服务中心长期大门紧闭，阵地闲置现象比较突出。",
    "党建阵地标识不统一，制度上墙流于形式，群众走进来也不知道能办什么事。",
    "基层党建阵地功能单一，只能用于开会，缺少党员教育和便民服务功能。",
    "个别社区活动阵地被挪作仓库，党员活动场所名存实亡。",
    "非公企业党组织阵地建设滞后，多数支部没有独立的党员活动室。",
    "党建阵地与业务场所相互分离，职工在生产一线接触不到党组织的服务。",
    "阵地建设重硬件轻使用，投入不少但利用率不高。",
    "各网点党员活动角布置简陋，宣传资料多年没有更新。",
    "部分学校党员活动室与教研室混用，党建阵地作用发挥不充分。",
    "线上阵地建设薄弱，支部公众号长期停更，党员学习平台登录率低。",
    "党群服务站点分布不均，偏远片区党员参加活动要跑很远的路。",
    "阵地管理缺乏专人负责，开放时间不固定，活动记录残缺不全。",
]
POSITION_PRACTICES = [
    "按照统一标准新建党员活动室8个，配齐学习资料和多媒体设备。",
    "推行阵地共建共享，将党群服务中心与营业大厅合并设置，方便职工就近参加活动。",
    "制定阵地管理办法，明确专人负责，每周固定开放五天。",
    "在生产车间设立党员活动角，把党建阵地延伸到一线班组。",
    "整合闲置用房改建为党群活动中心，全年开展活动60余场。",
    "建成线上党建阵地，支部每周推送学习内容，党员参学率达到95%。",
    "实行阵地星级评定，对使用率低的站点限期整改。",
    "在各片区布设党群服务站点12个，党员群众步行十五分钟即可参加活动。",
]
POSITION_NONE = [
    "党员活动室位于办公楼三层，面积约80平方米。",
    "本次调研共走访党群服务中心6个。",
    "活动阵地的建设情况在第三部分另行说明。",
]


def filled_sample() -> pd.DataFrame:
    """The user's labels as a filled-in sample file: each sentence with the headings above it and
    the sentence before it, as ``make sample`` writes them."""
    sections = {"problem": ["二、存在的问题", "三、存在的不足", "（二）问题和不足"],
                "practice": ["一、主要做法", "（一）工作举措", "二、特色亮点"], "none": ["一、基本情况", "", "三、调研情况"]}
    rows = []
    for prefix, texts, kind in (("pp", POSITION_PROBLEMS, "problem"), ("pq", POSITION_PRACTICES, "practice"),
                                ("pn", POSITION_NONE, "none")):
        for i, t in enumerate(texts):
            rows.append({"id": f"{prefix}{i}", "file": "编码员一.txt", "section": sections[kind][i % 3],
                         "prev": texts[i - 1] if i % 2 else "", "text": t,
                         "problem": "position" if kind == "problem" else "",
                         "practice": "position" if kind == "practice" else "", "note": ""})
    return pd.DataFrame(rows).assign(sample_no=lambda d: range(1, len(d) + 1))[sampling.CODER_COLUMNS]


REPORT = """2024年度抓基层党建工作述职报告
一、主要做法
（一）推动党建任务与生产任务同谋划。党委把党建任务清单和经营任务清单同表编制、同会研究。
（二）建好用好党建阵地。在两个车间设立党员活动角，制定阵地管理办法，由专人负责开放和记录。
二、存在的问题
一是党建工作与业务工作结合不够紧密，党建考核与业务考核仍然各搞一套。
二是阵地建设不够规范，三个班组至今没有固定的活动场所，已有的活动室也常年闲置。
三是部分党员理论学习不够深入，学习笔记照抄照搬，学用结合不够。
四是党员队伍年龄结构老化，35岁以下党员占比偏低，发展党员后继乏人。
五是党建工作经费保障不足，活动经费长期紧张。
三、下一步打算
将把阵地建设纳入年度计划，推行阵地共建共享。"""
REPORT2 = """社区党委2024年工作总结
今年以来，社区党委组织开展主题党日活动12次，走访困难群众86户。
存在的不足：
一是理论学习不够深入，学习形式比较单一。
二是党员队伍年龄偏大，青年党员数量偏少。
三是活动经费保障不足，开展活动经常捉襟见肘。
四是社区党员活动室面积狭小，设施简陋，利用率不高。"""


@pytest.fixture(scope="module")
def user_run(tmp_path_factory, model_dir):
    """The whole workflow with a user's codebook extension (a fifth category) and labels."""
    tmp = tmp_path_factory.mktemp("loop")
    ext = tmp / "my_codebook.yaml"
    ext.write_text(EXTENSION, encoding="utf-8")
    ann = tmp / "annotations"
    ann.mkdir()
    sample = filled_sample()
    sample.to_csv(ann / "coder1.csv", index=False, encoding="utf-8-sig")
    rows = [{"id": r.id, "text": r.text, "problem": [r.problem] if r.problem else [],
             "practice": [r.practice] if r.practice else []} for r in sample.itertuples()]
    corpus = tmp / "corpus"
    corpus.mkdir()
    (corpus / "2024_国企_述职_东港机械厂党委.txt").write_text(REPORT, encoding="utf-8")
    write_docx(corpus / "2024_社区_总结_柳岸社区党委.docx", REPORT2)
    model = tmp / "model"
    results = tmp / "results"
    pipeline(corpus, results, model, f"codebook_extend={ext}", f"annotations={ann}", "batches=2")
    return {"tmp": tmp, "ext": ext, "rows": rows, "model": model, "results": results, "corpus": corpus}


def test_retrain_with_user_labels_changes_predictions(user_run, model_dir, tmp_path):
    # each labelled sentence in its place, as in the filled-in sample: the headings, the sentence before
    lines = []
    for r in filled_sample().itertuples():
        lines += [{"id": f"{r.id}/{k}", "doc": r.id, "text": t} for k, t in enumerate((r.section, r.prev)) if t]
        lines.append({"id": r.id, "doc": r.id, "text": r.text})
    inp = write_jsonl(tmp_path / "in.jsonl", lines)
    before, after = tmp_path / "before.jsonl", tmp_path / "after.jsonl"
    assert run_cli("classify", "--in", str(inp), "--out", str(before), "--model-dir", str(model_dir)).returncode == 0
    proc = run_cli("classify", "--in", str(inp), "--out", str(after), "--model-dir", str(user_run["model"]))
    # the default codebook has no "position": the CLI must refuse the extended model with a message
    assert proc.returncode == 2 and "retrain" in proc.stderr and "Traceback" not in proc.stderr
    ext_cfg = tmp_path / "config"
    ext_cfg.mkdir()
    cfg = (ROOT / "config" / "config.yaml").read_text(encoding="utf-8").replace(
        'codebook_extend: ""', f'codebook_extend: "{user_run["ext"]}"')
    # run the CLI from a folder whose config/config.yaml names the extension (paths absolute)
    cfg = cfg.replace("codebook: resources/codebook.yaml", f"codebook: {ROOT / 'resources/codebook.yaml'}")
    cfg = cfg.replace("userdict: resources/userdict.txt", f"userdict: {ROOT / 'resources/userdict.txt'}")
    (ext_cfg / "config.yaml").write_text(cfg, encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "reportdiag", "classify", "--in", str(inp), "--out", str(after),
                           "--model-dir", str(user_run["model"])], cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    b = {r["id"]: r for r in read_jsonl(before)}
    a = {r["id"]: r for r in read_jsonl(after)}
    gold = {r["id"]: r for r in user_run["rows"]}
    for stance, prefix in (("problem", "pp"), ("practice", "pq")):
        ids = [i for i in gold if i.startswith(prefix)]
        assert not any("position" in b[i][stance] for i in ids)  # the old model has no such label
        hits = sum("position" in a[i][stance] for i in ids)
        assert hits >= 0.75 * len(ids), (stance, hits, len(ids))
        assert any(a[i][stance] != b[i][stance] for i in ids)
    assert not any("position" in a[i]["problem"] for i in gold if i.startswith("pn"))


def test_model_card_shows_before_and_after_on_held_out_labels(user_run):
    meta = json.loads((user_run["model"] / "model.json").read_text(encoding="utf-8"))
    h = meta["user_holdout"]
    n_docs = len(user_run["rows"])  # each labelled sentence is its own document
    assert h["n_docs"] == int(0.25 * n_docs) and h["n_sentences"] == h["n_docs"]
    assert meta["n_user_sentences"] == len(user_run["rows"])
    # the held-out sentences are those the hash picks, and before the labels "position" is never found
    held = holdout([{"doc": f"user-coder1-{r['id']}"} for r in user_run["rows"]], 0.25)
    assert len(held) == h["n_docs"]
    # 5 of the 6 held-out sentences are "position" problems, 1 a practice: none found before, some after
    for when in ("before", "after"):
        assert h[when]["problem"]["per_category"]["position"]["support"] == 5
        assert h[when]["practice"]["per_category"]["position"]["support"] == 1
    assert h["before"]["problem"]["per_category"]["position"]["tp"] == 0
    after = h["after"]["problem"]["per_category"]["position"]["tp"] + h["after"]["practice"]["per_category"]["position"]["tp"]
    assert h["before"]["practice"]["per_category"]["position"]["tp"] == 0 and after >= 1
    assert h["after"]["problem"]["macro_f1"] + h["after"]["practice"]["macro_f1"] > 0
    # cross-validation learns the new category (the user's documents are spread over the folds), so
    # its thresholds come from its own out-of-fold scores, not the grid's middle
    assert all(meta["cv"][s]["per_category"]["position"]["f1"] > 0 for s in ("problem", "practice"))
    card = (user_run["model"] / "model_card.md").read_text(encoding="utf-8")
    assert "## Before and after your labels" in card
    line = next(l for l in card.splitlines() if l.startswith("| before | problem |"))
    assert f"{h['before']['problem']['macro_f1']:.3f}" in line
    assert "| after | problem |" in card and "position" in card


def test_fifth_category_flows_to_every_output(user_run):
    results = user_run["results"]
    reports = read_csv(results / "tables" / "report_diagnosis.csv").set_index("file")
    for col in ("problem_position_n", "problem_position_share", "problem_position_per10k", "problem_position_mean_p",
                "practice_position_n"):
        assert col in reports.columns
    r = reports.loc["2024_国企_述职_东港机械厂党委.txt"]
    assert r["practice_position_n"] >= 1  # 设立党员活动角，制定阵地管理办法
    ev = read_csv(results / "tables" / "evidence.csv")
    pos = ev[ev["category"] == "position"]
    assert pos.loc[pos["stance"] == "practice", "text"].str.contains("党员活动角|阵地共建共享").any()
    assert len(pos) == reports["problem_position_n"].sum() + reports["practice_position_n"].sum()
    summary = read_csv(results / "tables" / "summary_by_category.csv").set_index("category")
    assert summary.loc["position", "mechanism"] == "阵地共建共享机制"
    assert summary.loc["position", "problem_sentences"] == reports["problem_position_n"].sum()
    assert list(summary.index) == ["goal", "responsibility", "carrier", "evaluation", "position"]
    # the workbook and the HTML report gain the category too
    book = pd.read_excel(results / "diagnosis.xlsx", sheet_name=None)
    assert any(any("阵地建设" in str(c) for c in df.columns) for df in book.values())
    html = (results / "report.html").read_text(encoding="utf-8")
    assert "阵地建设不够规范" in html
    assert 'id="residual-themes"' in html and "残余主题" in book  # the residual themes' section and sheet
    # the lexicon covers the new cues, and the sample can draw the new label
    diag = read_csv(results / "lexicon" / "cue_diagnostics.csv")
    assert set(diag.loc[diag["category"] == "position", "cue"]) >= {"活动场所", "党员活动角"}
    row = diag[(diag["cue"] == "活动场所") & (diag["kind"] == "problem_cues")].iloc[0]
    assert row["corpus_sentences"] >= 1 and row["labelled_sentences"] >= 2


def test_make_sample_on_a_run(user_run):
    proc = run_cli("sample", "--n", "20", "--results", str(user_run["results"]), "--model-dir", str(user_run["model"]),
                   "--codebook-extend", str(user_run["ext"]), "--seed", "3")
    assert proc.returncode == 0, proc.stderr
    out = user_run["results"] / "annotation"
    coder = read_csv(out / "sample.csv")
    assert list(coder.columns) == sampling.CODER_COLUMNS
    assert coder["problem"].isna().all() and coder["practice"].isna().all()
    model = {r["id"]: r for r in read_jsonl(out / "sample_model.jsonl")}
    assert set(model) == set(coder["id"]) and len(coder) == 20
    strata = {r["stratum"] for r in model.values()}
    assert "uncertain" in strata and "negative" in strata
    # the new label reaches the coder (through whichever stratum its sentences fall in)
    assert any("position" in r["problem"] + r["practice"] for r in model.values())
    book = pd.read_excel(out / "sample.xlsx", sheet_name=None, dtype=str)
    assert list(book) == ["sample", "codebook", "instructions"]
    assert "position" in set(book["codebook"]["id"])
    assert list(book["sample"]["id"]) == list(coder["id"])
    first = (out / "sample.xlsx").read_bytes()
    assert run_cli("sample", "--n", "20", "--results", str(user_run["results"]), "--model-dir", str(user_run["model"]),
                   "--codebook-extend", str(user_run["ext"]), "--seed", "3").returncode == 0
    assert (out / "sample.xlsx").read_bytes() == first  # same seed, same bytes
    # a coder against the model, through the CLI
    coder["problem"] = ""
    coder["practice"] = ""
    coded = user_run["tmp"] / "coder_a.csv"
    coder.to_csv(coded, index=False, encoding="utf-8-sig")
    proc = run_cli("agreement", "--a", str(coded), "--b", str(out / "sample_model.jsonl"),
                   "--codebook-extend", str(user_run["ext"]), "--out-dir", str(user_run["tmp"] / "agree"))
    assert proc.returncode == 0, proc.stderr
    summary = read_csv(user_run["tmp"] / "agree" / "coder_a_vs_sample_model.agreement.csv")
    assert "position" in set(summary["category"])


def test_residual_themes_of_a_run_are_reproducible(user_run, tmp_path):
    results = user_run["results"]
    themes = read_csv(results / "tables" / "residual_themes.csv")
    assigned = read_csv(results / "tables" / "residual_sentences.csv")
    assert len(themes) >= 1 and themes["theme_sentences"].sum() == assigned["theme"].notna().sum()
    # what the five categories miss in these reports: study, ageing membership, funds
    text = " ".join(assigned["text"])
    assert "理论学习" in text and "经费" in text
    # none of them carries a problem label of any category, the fifth included
    ev = read_csv(results / "tables" / "evidence.csv")
    labelled = set(zip(ev.loc[ev["stance"] == "problem", "file"], ev.loc[ev["stance"] == "problem", "sentence_no"]))
    assert not labelled & set(zip(assigned["file"], assigned["sentence_no"]))
    cb = load_codebook(extend=user_run["ext"])
    parts = sorted(str(p) for p in (results / "work" / "tally").glob("*.residual.pkl"))
    cfg = {"themes": 6, "top_terms": 8, "examples": 3, "seed": 20240701}
    status = sorted(str(p) for p in (results / "work" / "ingest").glob("*.status.jsonl"))
    residual.write_residual(parts, status, cb, cfg,
                            str(tmp_path / "t.csv"), str(tmp_path / "s.csv"))
    assert (tmp_path / "t.csv").read_bytes() == (results / "tables" / "residual_themes.csv").read_bytes()
    assert (tmp_path / "s.csv").read_bytes() == (results / "tables" / "residual_sentences.csv").read_bytes()


# ---------------------------------------------------------------- codebook validation

@pytest.mark.parametrize("change, field", [
    (lambda t: t.replace("problem_cues: [没有固定的活动场所, 阵地闲置, 阵地建设滞后, 活动场所, 名存实亡, 利用率不高, 活动室]",
                         "problem_cues: []"), "categories/0/problem_cues (category 'position')"),
    (lambda t: t.replace("      name: 阵地共建共享机制\n", ""), "categories/0/mechanism (category 'position')"),
    (lambda t: t.replace("id: position", "id: Position-5"), "categories/0/id"),
    (lambda t: t + "stance:\n  problems: [缺位]\n", "stance"),
    (lambda t: t.replace("categories:", "categories:\n  - 阵地"), "categories/0"),
])
def test_malformed_codebook_extension_names_the_field(tmp_path, change, field):
    bad = tmp_path / "bad.yaml"
    bad.write_text(change(EXTENSION), encoding="utf-8")
    with pytest.raises(CodebookError) as e:
        load_codebook(extend=bad)
    assert str(bad) in str(e.value) and f"at {field}" in str(e.value)


def test_malformed_codebook_stops_the_workflow_with_the_field(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(EXTENSION.replace("      measures:\n", "      measure:\n"), encoding="utf-8")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(REPORT, encoding="utf-8")
    proc = pipeline(corpus, tmp_path / "out", tmp_path / "model", f"codebook_extend={bad}", check=False)
    assert proc.returncode != 0
    assert "categories/0/mechanism (category 'position')" in proc.stderr and "'measures' is a required property" in proc.stderr
    assert not (tmp_path / "model").exists()  # nothing ran


def test_extension_replaces_a_category_and_adds_stance_cues(tmp_path):
    ext = tmp_path / "ext.yaml"
    goal = dict(CB.category("goal"), problem_cues=["两张皮", "各唱各的调"])
    ext.write_text(yaml.safe_dump({"categories": [goal], "stance": {"negation": ["早已理顺"]}}, allow_unicode=True),
                   encoding="utf-8")
    cb = load_codebook(extend=ext)
    assert cb.ids == CB.ids and cb.category("goal")["problem_cues"] == ["两张皮", "各唱各的调"]
    assert "早已理顺" in cb.stance["negation"] and cb.sha256 != CB.sha256


# ---------------------------------------------------------------- user labels merge

def test_user_labels_win_and_duplicates_are_removed():
    project = [{"id": "p1", "doc": "d1", "text": "党建与业务两张皮。", "problem": ["goal"], "practice": []},
               {"id": "p2", "doc": "d1", "text": "二、存在的问题", "problem": [], "practice": []},
               {"id": "p3", "doc": "d2", "text": "二、存在的问题", "problem": [], "practice": []}]
    user = [{"id": "u1", "doc": "a", "text": "党建与业务 两张皮。", "problem": ["goal", "evaluation"], "practice": []},
            {"id": "u2", "doc": "b", "text": "黨建與業務兩張皮。", "problem": ["evaluation"], "practice": []},
            {"id": "u3", "doc": "c", "text": "新的一句。", "problem": [], "practice": ["carrier"]}]
    rows = merge(project, user)
    assert [r["id"] for r in rows] == ["p2", "p3", "u2", "u3"]  # the last user row for the same text wins
    assert holdout(user, 0.25) == holdout(list(reversed(user)), 0.25) and len(holdout(user, 0.25)) == 1
    assert holdout(user[:1], 0.25) == set()


# ---------------------------------------------------------------- sample

def _scored(n: int = 90, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        p = {c: float(rng.uniform(0, 0.3)) for c in CB.ids}
        q = {c: float(rng.uniform(0, 0.3)) for c in CB.ids}
        problem, practice = [], []
        if i % 9 == 0:
            p["goal"], problem = 0.9, ["goal"]
        if i % 15 == 0:
            q["carrier"], practice = 0.8, ["carrier"]
        if i == 4:
            p["evaluation"], problem = 0.8, ["evaluation"]
        rows.append({"id": f"r:{i}", "report_id": "r", "file": "r.txt", "sentence_no": i, "text": f"第{i}句。",
                     "source": f"第{i}句。", "section": "", "prev": "", "problem": problem, "practice": practice,
                     "p_problem": p, "p_practice": q})
    rows.append(dict(rows[1], id="r:dup", sentence_no=n))  # the same text again counts once
    return pd.DataFrame(rows)


def test_sample_is_stratified_and_seeded(tmp_path):
    df = _scored()
    thresholds = {lab: 0.5 for lab in CB.label_names}
    thresholds["problem:responsibility"] = 0.25
    s = sampling.draw(df, CB, thresholds, 30, seed=5)
    assert len(s) == 30 and s["text"].is_unique and s["sample_no"].tolist() == list(range(1, 31))
    counts = sampling.strata_counts(s)
    assert counts["uncertain"] == 10 and sum(v for k, v in counts.items() if k.startswith("predicted:")) == 10
    assert counts["negative"] == 10
    # uncertain: the ten sentences nearest a threshold (here: p_problem responsibility near 0.25)
    dedup = df.drop_duplicates("text")
    margin = sampling.margins(dedup, CB.label_names, thresholds).round(4)
    nearest = set(dedup["id"].to_numpy()[np.argsort(margin, kind="stable")[:10]])
    assert set(s.loc[s["stratum"] == "uncertain", "id"]) == nearest
    # every predicted label is represented, the rare one (one sentence) too
    pred = s[s["stratum"].str.startswith("predicted:")]
    assert set(pred["stratum"]) == {"predicted:problem:goal", "predicted:problem:evaluation",
                                    "predicted:practice:carrier"} - set(s.loc[s["stratum"] == "uncertain", "stratum"])
    for r in pred.itertuples():
        stance, cid = r.stratum.split(":")[1:]
        assert cid in getattr(r, stance)
    neg = s[s["stratum"] == "negative"]
    assert (neg["problem"].map(len) == 0).all() and (neg["practice"].map(len) == 0).all()
    # seeded: the same seed gives the same sample and order, another seed another draw
    again = sampling.draw(df, CB, thresholds, 30, seed=5)
    assert again["id"].tolist() == s["id"].tolist()
    assert sampling.draw(df, CB, thresholds, 30, seed=6)["id"].tolist() != s["id"].tolist()
    # a stratum that runs short passes its quota on; N above the sentences gives them all
    assert len(sampling.draw(df, CB, thresholds, 500, seed=5)) == len(dedup)


def test_sample_files_for_the_coder(tmp_path):
    df = _scored()
    df.loc[3, "source"] = "=HYPERLINK(\"x\")开头是等号的句子。"
    s = sampling.draw(df, CB, {lab: 0.5 for lab in CB.label_names}, 12, seed=1)
    paths = sampling.write_sample(s, CB, tmp_path)
    csv = read_csv(paths["csv"])
    xlsx = pd.read_excel(paths["xlsx"], sheet_name=None, dtype=str, keep_default_na=False)
    assert list(xlsx["sample"].columns) == sampling.CODER_COLUMNS
    assert xlsx["sample"]["id"].tolist() == csv["id"].tolist() == s["id"].tolist()
    assert list(xlsx["codebook"]["id"]) == CB.ids and xlsx["codebook"]["definition"].str.len().min() > 10
    assert len(xlsx["instructions"]) >= 3
    if "r:3" in set(s["id"]):
        assert xlsx["sample"].set_index("id").loc["r:3", "text"].startswith("=HYPERLINK")
    first = paths["xlsx"].read_bytes()
    sampling.write_sample(s, CB, tmp_path)
    assert paths["xlsx"].read_bytes() == first


# ---------------------------------------------------------------- agreement

def _codings(tmp_path):
    """Ten sentences. problem:goal — both 4, A only 1, B only 1, neither 4: p_o = .8, p_e = .5, κ = .6.
    problem:evaluation — both 2, A only 3, B only 1, neither 4: p_o = .6, p_a = .5, p_b = .3,
    p_e = .15 + .35 = .5, κ = .2. practice:carrier — both 10: κ undefined."""
    a_goal = [1, 1, 1, 1, 1, 0, 0, 0, 0, 0]
    b_goal = [1, 1, 1, 1, 0, 1, 0, 0, 0, 0]
    a_ev = [1, 1, 1, 1, 1, 0, 0, 0, 0, 0]
    b_ev = [1, 1, 0, 0, 0, 1, 0, 0, 0, 0]
    a_rows, b_rows = [], []
    for i in range(10):
        pa = [c for c, on in (("goal", a_goal[i]), ("evaluation", a_ev[i])) if on]
        pb = [c for c, on in (("goal", b_goal[i]), ("evaluation", b_ev[i])) if on]
        a_rows.append({"sample_no": i + 1, "id": f"s{i}", "text": f"句子{i}。", "problem": "，".join(pa),
                       "practice": "carrier", "note": ""})
        b_rows.append({"id": f"s{i}", "problem": pb, "practice": ["carrier"]})
    b_rows.append({"id": "extra", "problem": [], "practice": []})
    a = tmp_path / "coder1.csv"
    pd.DataFrame(a_rows).to_csv(a, index=False, encoding="utf-8-sig")
    b = write_jsonl(tmp_path / "coder2.jsonl", b_rows)
    return a, b, (a_goal, b_goal, a_ev, b_ev)


def test_kappa_matches_the_hand_computed_case(tmp_path):
    a, b, (a_goal, b_goal, a_ev, b_ev) = _codings(tmp_path)
    res = agreement.run(a, b, CB, tmp_path / "out")
    s = res["summary"].set_index(["stance", "category"])
    assert s.loc[("problem", "goal"), "agreement"] == 0.8 and s.loc[("problem", "goal"), "kappa"] == pytest.approx(0.6)
    assert s.loc[("problem", "evaluation"), "agreement"] == 0.6
    assert s.loc[("problem", "evaluation"), "kappa"] == pytest.approx(0.2)
    assert s.loc[("problem", "goal"), ["both", "only_a", "only_b", "neither"]].tolist() == [4, 1, 1, 4]
    # the same as scikit-learn's implementation
    assert s.loc[("problem", "goal"), "kappa"] == pytest.approx(cohen_kappa_score(a_goal, b_goal))
    assert s.loc[("problem", "evaluation"), "kappa"] == pytest.approx(cohen_kappa_score(a_ev, b_ev))
    assert pd.isna(s.loc[("practice", "carrier"), "kappa"]) and "undefined" in s.loc[("practice", "carrier"), "note"]
    assert s.loc[("practice", "all"), "agreement"] == 1.0
    assert s.loc[("problem", "all"), "agreement"] == 0.6  # s2–s5 differ in some category
    assert res["counts"] == {"matched": 10, "only_in_a": 0, "only_in_b": 1}
    dis = res["disagreements"]
    assert set(dis["id"]) == {"s2", "s3", "s4", "s5"} and (dis["stance"] == "problem").all()
    s4 = dis.set_index("id").loc["s4"]
    assert s4["a"] == "goal,evaluation" and s4["b"] == "" and s4["only_a"] == "goal,evaluation"
    assert s4["text"] == "句子4。"
    written = read_csv(res["paths"]["summary"])
    assert written.shape[0] == 2 * (len(CB.ids) + 1)


def test_agreement_reads_xlsx_and_the_cli(tmp_path):
    a, b, _ = _codings(tmp_path)
    x = tmp_path / "coder1.xlsx"
    pd.read_csv(a, dtype=str, keep_default_na=False).to_excel(x, index=False)
    proc = run_cli("agreement", "--a", str(x), "--b", str(b), "--out-dir", str(tmp_path / "out"))
    assert proc.returncode == 0, proc.stderr
    assert "0.600" in proc.stdout and "0.200" in proc.stdout
    summary = read_csv(tmp_path / "out" / "coder1_vs_coder2.agreement.csv")
    assert summary.set_index(["stance", "category"]).loc[("problem", "goal"), "kappa"] == pytest.approx(0.6)


@pytest.mark.parametrize("content, message", [
    ('{"id": "s1", "problem": ["goals"], "practice": []}\n', "unknown category ['goals'] in problem"),
    ('{"id": "s1", "problem": [], "practice": []}\n{"id": "s1", "problem": [], "practice": []}\n', "s1 appears more than once"),
    ('{"id": "zz", "problem": [], "practice": []}\n', "share no sentence id"),
    ('{"id": "s1", "labels": []}\n', "line 1 lacks problem, practice"),
    ('not json\n', "coder2.jsonl"),
])
def test_agreement_bad_input_gets_a_message(tmp_path, content, message):
    a, _, _ = _codings(tmp_path)
    b = tmp_path / "coder2.jsonl"
    b.write_text(content, encoding="utf-8")
    proc = run_cli("agreement", "--a", str(a), "--b", str(b), "--out-dir", str(tmp_path / "out"))
    assert proc.returncode == 2 and message in proc.stderr and "Traceback" not in proc.stderr


# ---------------------------------------------------------------- lexicon

def _corpus_df() -> pd.DataFrame:
    texts = [("党建与业务两张皮，考核各搞一套。", "党建 与 业务 两张皮 ， 考核 各搞 一套 。", ["goal"], [], 0.95),
             ("两张皮问题依然存在。", "两张皮 问题 依然 存在 。", ["goal"], [], 0.9),
             ("我们推行任务清单，两张皮现象明显改观。", "我们 推行 任务 清单 ， 两张皮 现象 明显 改观 。", [], ["goal"], 0.1),
             ("营业收入同比增长。", "营业 收入 同比 增长 。", [], [], 0.01)]
    extra = [(f"目标脱节导致合力弱化，第{i}次。", f"目标脱节 导致 合力 弱化 ， 第 {i} 次 。", ["goal"], [], 0.92) for i in range(4)]
    extra += [(f"收入结构稳定，第{i}次。", f"收入 结构 稳定 ， 第 {i} 次 。", [], [], 0.02) for i in range(6)]
    extra += [(f"合力有待加强，第{i}次。", f"合力 有待 加强 ， 第 {i} 次 。", [], [], 0.2) for i in range(2)]
    rows = []
    for i, (t, tok, p, q, pg) in enumerate(texts + extra):
        rows.append({"id": str(i), "text": t, "source": t, "tokens": tok, "problem": p, "practice": q,
                     "p_problem": {c: (pg if c == "goal" else 0.0) for c in CB.ids},
                     "p_practice": {c: (0.9 if c in q else 0.0) for c in CB.ids}})
    return pd.DataFrame(rows)


def test_cue_diagnostics_by_hand():
    df = _corpus_df()
    labelled = [{"text": "两张皮依然存在。", "problem": ["goal"], "practice": []},
                {"text": "不再有两张皮。", "problem": [], "practice": ["goal"]},
                {"text": "两张皮现象突出。", "problem": ["goal"], "practice": []},
                {"text": "推行了积分制。", "problem": [], "practice": ["evaluation"]}]
    d = lexicon.diagnostics(df, CB, labelled)
    row = d[(d["cue"] == "两张皮") & (d["category"] == "goal")].iloc[0]
    assert row["corpus_sentences"] == 3 and row["coverage"] == round(3 / len(df), 5)
    assert row["top_label"] == "problem:goal" and row["top_label_share"] == round(2 / 3, 4)
    assert row["labelled_sentences"] == 3 and row["labelled_precision"] == round(2 / 3, 4)
    push = d[(d["cue"] == "推行") & (d["category"] == "stance")].iloc[0]
    assert push["target"] == "practice:*" and push["labelled_precision"] == 1.0
    assert set(d["category"]) == set(CB.ids) | {"stance"}


def test_candidate_cues_by_pmi_are_for_review():
    df = _corpus_df()
    thresholds = {lab: 0.5 for lab in CB.label_names}
    c = lexicon.candidates(df, CB, thresholds, high=0.8, min_count=3, top=5)
    goal = c[c["label"] == "problem:goal"]
    # "合力" occurs in the 4 high-confidence goal sentences and 2 others: PMI = log2((4/6) / (6/16))
    row = goal.set_index("term").loc["合力"]
    assert row["pmi"] == pytest.approx(np.log2((4 / 6) / (6 / 16)), abs=1e-4)
    assert row["high_sentences"] == 4 and row["corpus_sentences"] == 6
    assert "两张皮" not in set(c["term"]) and "目标脱节" not in set(c["term"])  # existing cues are not candidates
    assert (c["decision"] == "").all() and "收入" not in set(goal["term"])
    assert lexicon.candidates(df, CB, thresholds, high=0.8, min_count=3, top=5).equals(c)


# ---------------------------------------------------------------- residual themes

def _residual_df() -> pd.DataFrame:
    texts = ["一是理论学习不够深入，学习笔记照抄照搬。", "理论学习缺乏系统性，学习内容零散。",
             "部分党员理论学习流于形式，学习效果不明显。", "党员队伍年龄结构老化，青年党员偏少。",
             "党员队伍后继乏人，年龄结构不合理。", "支部党员年龄偏大，青年党员发展不足。",
             "活动经费保障不足，经费来源单一。", "党建经费使用不规范，经费管理薄弱。",
             "经费保障缺乏稳定渠道，经费紧张。"]
    tokens = Tokenizer(ROOT / "resources" / "userdict.txt").cut_many(texts)
    rows = [{"id": f"d:{i}", "report_id": f"r{i % 3}", "file": f"r{i % 3}.txt", "sentence_no": i, "text": t,
             "source": t, "tokens": " ".join(tokens[i]), "heading_level": 0, "section": "", "problem": [],
             "practice": []} for i, t in enumerate(texts)]
    return pd.DataFrame(rows)


def test_problem_stance_rule():
    df = pd.DataFrame([
        {"text": "理论学习不够深入。", "section": "", "heading_level": 0},                 # problem marker
        {"text": "建立了理论学习制度。", "section": "", "heading_level": 0},               # practice marker
        {"text": "学用脱节问题已解决。", "section": "", "heading_level": 0},               # resolved
        {"text": "下一步将解决经费不足的问题。", "section": "", "heading_level": 0},        # planned
        {"text": "二、存在的问题", "section": "", "heading_level": 1},                     # a section heading
        {"text": "三是活动经费较为紧张。", "section": "二、存在的问题", "heading_level": 0},  # list item under problems
        {"text": "三是活动经费较为紧张。", "section": "一、主要做法", "heading_level": 0},    # ... not under practices
        {"text": "（二）协同运行机制存在梗阻", "section": "", "heading_level": 2},          # a heading naming a problem
    ])
    assert residual.problem_stance(df, CB).tolist() == [True, False, False, False, False, True, False, True]


def test_residual_themes_are_stable_under_a_fixed_seed():
    df = _residual_df()
    t1, s1 = residual.themes(df, CB, n_themes=3, seed=7)
    t2, s2 = residual.themes(df.sample(frac=1, random_state=1), CB, n_themes=3, seed=7)  # input order does not matter
    pd.testing.assert_frame_equal(t1, t2)
    pd.testing.assert_frame_equal(s1, s2)
    assert len(t1) == 3 and t1["theme_sentences"].sum() == len(df) == len(s1)
    # the three planted themes come out apart: each theme's sentences share their subject
    for theme, g in s1.groupby("theme"):
        subjects = {("学习" in t, "年龄" in t or "队伍" in t, "经费" in t) for t in g["text"]}
        assert len(subjects) == 1, (theme, g["text"].tolist())
    names = " ".join(t1["theme_name"])
    assert "经费" in names and "学习" in names
    # too few sentences: empty tables, no error
    t3, s3 = residual.themes(df.head(2), CB, n_themes=3, seed=7)
    assert t3.empty and list(t3.columns) == residual.THEME_COLUMNS
    assert len(s3) == 2 and (s3["theme"] == "").all()  # the sentences are still listed


def test_residual_html_section_escapes():
    df = _residual_df()
    t, _ = residual.themes(df, CB, n_themes=3, seed=7)
    t.loc[0, "examples"] = "<script>x</script> ‖ 第二句"
    html = residual.html_section(t, 9)
    assert "<script>" not in html and "&lt;script&gt;" in html and html.count("<tr>") == 4
    assert "没有足够" in residual.html_section(t.iloc[0:0])


def test_make_targets_call_the_commands():
    """`make sample` runs the workflow, then the sample command; `make agreement` the agreement one."""
    sample = subprocess.run(["make", "-n", "sample", "N=7"], cwd=ROOT, capture_output=True, text=True).stdout
    assert sample.index("snakemake --cores") < sample.index('-m reportdiag sample --n "7"')
    agree = subprocess.run(["make", "-n", "agreement", "A=a.csv", "B=b.xlsx"], cwd=ROOT, capture_output=True, text=True)
    assert '-m reportdiag agreement --a "a.csv" --b "b.xlsx"' in agree.stdout
    usage = subprocess.run(["make", "-n", "sample"], cwd=ROOT, capture_output=True, text=True).stdout
    assert "usage: make sample N=200" in usage

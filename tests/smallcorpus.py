"""A small corpus whose diagnosis is counted by hand: five reports in three unit types and two
years, each problem or practice sentence written to be unmistakable, plus one report to add
later. ``EXPECTED`` holds the hand count per report: (problem counts, practice counts) per category."""
from __future__ import annotations

import csv
from pathlib import Path

from docbuild import write_docx

CATS = ("goal", "responsibility", "carrier", "evaluation")

REPORTS = {
    "a_guoqi_2022.txt": {
        "meta": {"report_id": "rA", "unit": "东港能源第一党支部", "unit_type": "国企", "year": "2022", "genre": "述职"},
        "text": """东港能源第一党支部2022年度党建工作述职报告
一、基本情况
支部现有党员23名，全年召开支部委员会12次。
二、存在的问题
一是党建工作与生产经营目标衔接不够紧密，党建一套、业务一套的现象仍然存在。
二是党建考核与业务考核分开进行，两套指标各考各的，考核结果没有与绩效挂钩。
三是对巡察发现的问题重查摆轻整改，部分问题整改不到位，没有形成闭环。""",
    },
    "b_guoqi_2023.docx": {
        "meta": {"report_id": "rB", "unit": "东港能源第二党支部", "unit_type": "国企", "year": "2023", "genre": "总结"},
        "text": """东港能源第二党支部2023年党建工作总结
一、主要做法
在生产一线设立党员责任岗15个、党员攻坚岗6个，明确责任人和完成时限。
班子成员签订党建目标责任书，把党建责任分解到每一名党员。
二、存在的问题
部分支部书记责任意识不强，压力传导层层递减，一岗双责落实不到位。""",
    },
    "c_jiguan_2022.txt": {
        "meta": {"report_id": "rC", "unit": "北湖区发改局机关党支部", "unit_type": "机关", "year": "2022", "genre": "总结"},
        "text": """北湖区发改局机关党支部2022年工作总结
全年组织理论学习中心组学习10次，开展主题党日活动12次。
机关共有党员45名，本年度发展新党员2名。""",
    },
    "d_jiguan_2023.txt": {
        "meta": {"report_id": "rD", "unit": "北湖区财政局机关党支部", "unit_type": "机关", "year": "2023", "genre": "整改"},
        "text": """北湖区财政局机关党支部2023年度整改报告
一、存在的问题
党建活动载体单一，主要是开会学文件，形式大于内容，与业务工作结合不够。
党建考核结果运用不充分，考核流于形式。""",
    },
    "e_xuexiao_2023.txt": {
        "meta": {"report_id": "rE", "unit": "南山中学党总支", "unit_type": "学校", "year": "2023", "genre": "总结"},
        "text": """南山中学党总支2023年党建工作总结
一、主要做法
党总支将党建任务清单与学校年度工作计划同表编制、同会研究、同步下达。
二、存在的问题
学校党建工作与教育教学中心工作结合不够紧密，存在“两张皮”现象。""",
    },
}

ADDED = ("f_shequ_2024.txt", {
    "meta": {"report_id": "rF", "unit": "西门街道幸福社区党委", "unit_type": "社区", "year": "2024", "genre": "述职"},
    "text": """西门街道幸福社区党委2024年度述职报告
一、存在的问题
社区党建活动形式单一，为活动而活动，吸引力不强。""",
})

# hand count: report_id -> {category: (problem sentences, practice sentences)}
EXPECTED = {
    "rA": {"goal": (1, 0), "responsibility": (0, 0), "carrier": (0, 0), "evaluation": (2, 0)},
    "rB": {"goal": (0, 0), "responsibility": (1, 2), "carrier": (0, 0), "evaluation": (0, 0)},
    "rC": {"goal": (0, 0), "responsibility": (0, 0), "carrier": (0, 0), "evaluation": (0, 0)},
    "rD": {"goal": (0, 0), "responsibility": (0, 0), "carrier": (1, 0), "evaluation": (1, 0)},
    "rE": {"goal": (1, 1), "responsibility": (0, 0), "carrier": (0, 0), "evaluation": (0, 0)},
}
EXPECTED_ADDED = {"rF": {"goal": (0, 0), "responsibility": (0, 0), "carrier": (1, 0), "evaluation": (0, 0)}}


def write_report(corpus: Path, name: str, spec: dict) -> None:
    if name.endswith(".docx"):
        write_docx(corpus / name, spec["text"])
    else:
        (corpus / name).write_text(spec["text"], encoding="utf-8")


def write_metadata(corpus: Path, reports: dict) -> None:
    fields = ["file", "report_id", "unit", "unit_type", "year", "genre", "title"]
    with open(corpus / "metadata.csv", "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=fields)
        w.writeheader()
        for name, spec in sorted(reports.items()):
            w.writerow({"file": name, "title": spec["text"].splitlines()[0], **spec["meta"]})


def build(corpus: Path) -> Path:
    corpus.mkdir(parents=True, exist_ok=True)
    for name, spec in REPORTS.items():
        write_report(corpus, name, spec)
    write_metadata(corpus, REPORTS)
    return corpus


def add_report(corpus: Path) -> str:
    """Add the extra report and its metadata row; returns its file name."""
    name, spec = ADDED
    write_report(corpus, name, spec)
    write_metadata(corpus, {**REPORTS, name: spec})
    return name

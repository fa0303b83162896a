"""The project's own training data: sizes the classifier issue asks for, consistent labels, and
no text from ../shared."""
import glob
import json
from collections import Counter, defaultdict

from conftest import ROOT, shared_path

IDS = {"goal", "responsibility", "carrier", "evaluation"}


def _rows():
    return [json.loads(l) for f in sorted(glob.glob(str(ROOT / "data" / "training" / "*.jsonl")))
            for l in open(f, encoding="utf-8")]


def test_sizes_and_label_counts():
    rows = _rows()
    assert len(rows) >= 2000
    c = Counter((s, x) for r in rows for s in ("problem", "practice") for x in r[s])
    for cid in IDS:
        assert c[("problem", cid)] >= 200 and c[("practice", cid)] >= 120, cid
    unlabelled = sum(1 for r in rows if not r["problem"] and not r["practice"])
    assert unlabelled / len(rows) >= 0.40
    assert sum(1 for r in rows if len(r["problem"]) + len(r["practice"]) > 1) >= 200


def test_well_formed_and_consistent():
    rows = _rows()
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids))
    labels = defaultdict(set)
    for r in rows:
        assert r["text"].strip() and r["doc"]
        assert set(r["problem"]) <= IDS and set(r["practice"]) <= IDS
        labels[r["text"].strip()].add((tuple(sorted(r["problem"])), tuple(sorted(r["practice"]))))
    assert not {t: v for t, v in labels.items() if len(v) > 1}
    # sentences of one doc are consecutive
    seen, prev = set(), None
    for r in rows:
        if r["doc"] != prev:
            assert r["doc"] not in seen, r["doc"]
            seen.add(r["doc"])
            prev = r["doc"]


def test_no_text_from_shared():
    """No 24-character run of Chinese from the evaluation set, the source paper or the public corpora,
    and no line of the evaluation set of 10 or more characters (headings and list items are short)."""
    def han(s):
        return "".join(ch for ch in s if "\u4e00" <= ch <= "\u9fff")

    k = 24
    seen, dev_lines = set(), set()
    for line in open(shared_path("eval", "dev.jsonl"), encoding="utf-8"):
        t = han(json.loads(line)["text"])
        seen.update(t[i:i + k] for i in range(len(t) - k + 1))
        dev_lines.add(t)
    for p in shared_path("seed").glob("*"):
        t = han(p.read_text(encoding="utf-8", errors="ignore"))
        seen.update(t[i:i + k] for i in range(len(t) - k + 1))
    for p in shared_path("data").glob("*.jsonl"):  # the public corpora: every 4th window, as the hook does
        for line in open(p, encoding="utf-8"):
            t = han(json.loads(line).get("content", ""))
            seen.update(t[i:i + k] for i in range(0, len(t) - k + 1, 4))
    hits = [r["id"] for r in _rows() for t in [han(r["text"])]
            if any(t[i:i + k] in seen for i in range(len(t) - k + 1)) or (len(t) >= 10 and t in dev_lines)]
    assert not hits


def test_cross_validation_holds_out_whole_registers_and_spreads_user_documents():
    from collections import Counter
    from pathlib import Path

    from reportdiag.training import cv_folds, load_training

    files = sorted(glob.glob(str(ROOT / "data" / "training" / "*.jsonl")))
    user = [{"doc": f"my-report-{k}", "text": f"考核两张皮{k}。", "problem": ["evaluation"], "practice": []}
            for k in range(10)]
    rows = load_training(files) + user
    fold = cv_folds(rows, 3)
    by_register = {}
    for r, k in zip(rows, fold):
        by_register.setdefault(r.get("register"), set()).add(int(k))
    assert {reg for reg in by_register if reg} == {Path(f).stem for f in files}
    assert all(len(ks) == 1 for reg, ks in by_register.items() if reg)  # a register never spans two folds
    assert set(fold) == {0, 1, 2}
    # the user's ten one-sentence documents: 4/3/3 over the three folds, not all in one
    assert sorted(Counter(int(k) for k in fold[-10:]).values()) == [3, 3, 4]


def test_blind_audit_files_match_the_development_set():
    """data/audit: two coders' problem labels for the same development ids (errors and controls)."""
    from reportdiag.agreement import read_coding
    from reportdiag.codebook import load_codebook

    dev = {json.loads(l)["id"] for l in open(shared_path("eval", "dev.jsonl"), encoding="utf-8")}
    codebook = load_codebook(ROOT / "resources" / "codebook.yaml")
    paths = [ROOT / "data" / "audit" / f"blind_coder_{c}.jsonl" for c in "ab"]
    codings = [read_coding(p, codebook) for p in paths]  # the agreement command accepts them
    assert codings[0].keys() == codings[1].keys() <= dev
    for p in paths:
        rows = [json.loads(l) for l in open(p, encoding="utf-8")]
        assert Counter(r["set"] for r in rows) == {"error": 118, "control": 120}
        assert not any(r["practice"] for r in rows)
        assert all(set(r) == {"id", "item", "set", "problem", "practice"} for r in rows)  # no text of ../shared

import pytest

from conftest import ROOT
from reportdiag.tokenize import Tokenizer, read_userdict

USERDICT = ROOT / "resources" / "userdict.txt"
SENT = ("党建业务“两张皮”问题突出，三会一课流于形式，一岗双责落实不到位，压力层层递减、上热中温下冷，"
        "党员示范岗、党员责任岗作用不明显，党建任务清单与业务任务清单同表编制。")
WHOLE = ["两张皮", "三会一课", "一岗双责", "党员示范岗", "层层递减", "党员责任岗", "上热中温下冷", "同表编制"]


@pytest.mark.parametrize("backend", ["jieba", "rjieba"])
def test_domain_terms_come_out_whole(backend):
    toks = Tokenizer(USERDICT, backend).cut(SENT)
    for w in WHOLE:
        assert w in toks, (w, toks)


def test_without_dictionary_terms_are_split():
    toks = Tokenizer(None, "jieba").cut(SENT)
    assert "党员示范岗" not in toks and "上热中温下冷" not in toks


def test_dictionary_is_well_formed():
    entries = read_userdict(USERDICT)
    words = [w for w, _, _ in entries]
    assert len(words) == len(set(words)) >= 300
    assert all(f >= 2000 for _, f, _ in entries)  # lower frequencies are split again by jieba
    raw = USERDICT.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")


def test_unknown_backend_is_refused():
    with pytest.raises(ValueError, match="segmenter must be one of"):
        Tokenizer(USERDICT, "thulac")


def _spans(tokens):
    out, p = set(), 0
    for t in tokens:
        out.add((p, p + len(t)))
        p += len(t)
    return out


def test_rjieba_agrees_with_jieba_on_the_public_corpora():
    """The faster backend may be the default only if its tokens match jieba's (≥ 99.99 %)."""
    import json

    from conftest import shared_path
    from reportdiag.normalize import normalise

    ref, fast = Tokenizer(USERDICT, "jieba"), Tokenizer(USERDICT, "rjieba")
    same = total = 0
    for name in ("government_work_reports.jsonl", "cpc_congress_reports.jsonl"):
        for line in open(shared_path("data", name), encoding="utf-8"):
            text = normalise(json.loads(line)["content"]).text
            a, b = _spans(ref.cut(text)), _spans(fast.cut(text))
            same += len(a & b)
            total += len(a)
    assert total > 500_000
    assert same / total >= 0.9999, same / total


def test_rjieba_leaves_dev_labels_unchanged(model_dir):
    from conftest import shared_path
    from reportdiag.classify import Scorer, prepare
    from reportdiag.codebook import load_codebook
    from reportdiag.io import read_jsonl
    from reportdiag.training import load

    rows = [{k: r[k] for k in ("id", "text", "doc")} for r in read_jsonl(shared_path("eval", "dev.jsonl"))]
    model, _ = load(model_dir)
    scorer = Scorer(model, load_codebook())
    labels = []
    for backend in ("jieba", "rjieba"):
        scored = scorer.score(prepare(rows, Tokenizer(USERDICT, backend)))
        labels.append([(s["problem"], s["practice"]) for s in scored])
    assert labels[0] == labels[1]

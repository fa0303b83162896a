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

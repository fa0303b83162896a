import pytest

from reportdiag.segment import heading_level, split_sentences, with_context

# pySBD-style golden rules: (text, expected sentences)
GOLDEN = [
    ("党建工作取得成效。但仍存在不足！怎么办？", ["党建工作取得成效。", "但仍存在不足！", "怎么办？"]),
    ("一是责任清单没有细化；二是压力层层递减。", ["一是责任清单没有细化；", "二是压力层层递减。"]),
    ("主要问题：（一）目标不清；（二）措施不实。", ["主要问题：", "（一）目标不清；", "（二）措施不实。"]),
    ("存在问题：1.载体单一；2.考核脱节。增长2.5个百分点。", ["存在问题：", "1.载体单一；", "2.考核脱节。", "增长2.5个百分点。"]),
    ("他说：“两张皮问题依然存在。”大家表示认同。", ["他说：“两张皮问题依然存在。”", "大家表示认同。"]),
    ("标题一\n\n  正文第一句；分号不断句，逗号也不断。", ["标题一", "正文第一句；分号不断句，逗号也不断。"]),
    ("统一是必要的。", ["统一是必要的。"]),
    ("。。。\n——\n", []),
]


@pytest.mark.parametrize("text,expected", GOLDEN)
def test_golden_rules(text, expected):
    spans = split_sentences(text)
    assert [text[s.start:s.end] for s in spans] == expected


def test_paragraph_numbers_and_offsets():
    text = "一、基本情况\n本单位有党员56名。设3个支部。\n二、存在的问题"
    spans = split_sentences(text)
    assert [s.paragraph_no for s in spans] == [0, 1, 1, 2]
    assert text[spans[2].start:spans[2].end] == "设3个支部。"


@pytest.mark.parametrize("text,level", [
    ("二、存在的问题", 1), ("（一）责任传导不够精准", 2), ("1. 目标衔接", 3), ("（2）考核闭环", 4),
    ("（一）加强组织领导。", 2), ("存在的主要问题", 1),
    ("一是责任清单没有细化，压力层层递减，导致工作落实不到位。", 0), ("本单位有党员56名。", 0),
])
def test_heading_level(text, level):
    assert heading_level(text) == level


def test_context_chain():
    texts = ["二、存在的问题", "（一）责任传导不够精准", "一是清单不细；", "三、下一步打算", "推行示范岗。"]
    ctx = with_context(texts)
    assert ctx[2]["section"] == "二、存在的问题 / （一）责任传导不够精准"
    assert ctx[2]["heading"] == "（一）责任传导不够精准"
    assert ctx[4]["section"] == "三、下一步打算"          # a new level-1 heading clears the old chain
    assert ctx[0]["heading"] == ""

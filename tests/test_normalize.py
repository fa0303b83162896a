from hypothesis import given, settings, strategies as st

from reportdiag.normalize import clean, normalise, to_simplified


def _check_map(original: str, norm) -> None:
    for i, ch in enumerate(norm.text):
        o = norm.to_original(i)
        assert 0 <= o < len(original)


def test_traditional_zero_width_fullwidth_and_offsets():
    src = "黨建\u200b工作與業務工作長期存在「兩張皮」現象，主要表現在目標\r\n不一致方面，這需要高度重視。\r\n（一）責任不清\n　　第二段１２３ＡＢ。"
    n = normalise(src)
    assert n.text.startswith("党建工作与业务工作长期存在「两张皮」现象")
    assert "\u200b" not in n.text and "目标不一致" in n.text          # stray break inside a sentence joined
    assert "重视。\n（一）责任不清\n" in n.text                           # real breaks kept
    assert "  第二段123AB。" in n.text                                     # full-width space and alnum
    for i, ch in enumerate(n.text):
        o = n.to_original(i)
        assert to_simplified(src[o]) == ch or src[o] in "\u3000\r１２３ＡＢ"
    s, e = n.span_to_original(n.text.index("责任不清"), n.text.index("责任不清") + 4)
    assert src[s:e] == "責任不清"


def test_short_lines_and_list_items_keep_their_breaks():
    src = "二、存在的问题\n一是目标衔接不够紧密，党建工作计划与业务计划分开制定\n二是责任传导不够精准"
    assert clean(src).text == src


def test_t2s_keeps_length():
    for s in ["乾隆皇帝頭髮著作", "黨委會議紀要", "後來發現於此"]:
        assert len(to_simplified(s)) == len(s)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("党建与业務\u200b\u3000\r\n。，ＡＢ１ab 　\ufeff一是（二）")), max_size=80))
def test_offsets_always_map_back(text):
    n = normalise(text)
    _check_map(text, n)
    # mapped positions are increasing: the map never reorders text
    pos = [n.to_original(i) for i in range(len(n.text))]
    assert pos == sorted(pos) and len(set(pos)) == len(pos)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_random_unicode_never_raises(text):
    n = normalise(text)
    _check_map(text, n)

"""Split a normalised report into sentences by the codebook's unit rule, with offsets, paragraphs
and the headings each sentence sits under.

Unit rule (codebook): split at 。！？ and line breaks; a list item (一是……, （二）……, 1. ……) is a
sentence of its own; ；does not split.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

_END = re.compile(r"[。！？!?]+[”’」』）)\"']*")
# list markers that open a new sentence when they follow punctuation inside a paragraph
_ITEM = re.compile(
    r"(?<=[；;。：:，,\s])(?=(?:[一二三四五六七八九十]{1,3}是|第[一二三四五六七八九十]{1,3}[，,、]|"
    r"[（(][一二三四五六七八九十]{1,3}[）)]|[（(][0-9]{1,2}[）)]|(?<![0-9.])[0-9]{1,2}[.．、](?![0-9])))"
)
_HAS_CONTENT = re.compile(r"[\u3400-\u9fffA-Za-z0-9]")

_H1 = re.compile(r"^[一二三四五六七八九十]{1,3}[、.．]")
_H2 = re.compile(r"^[（(][一二三四五六七八九十]{1,3}[）)]")
_H3 = re.compile(r"^[0-9]{1,2}[.．、](?![0-9])")
_H4 = re.compile(r"^[（(][0-9]{1,2}[）)]")
_TERMINAL = "。！？!?；;，,："


def heading_level(text: str) -> int:
    """0 for a body sentence; 1–4 for a heading by its numbering (一、 （一） 1. （1）).

    Headings are short and, unless very short, carry no sentence-final punctuation; an
    unnumbered short line without punctuation (e.g. "存在的问题") counts as level 1.
    """
    s = text.strip()
    if not s or len(s) > 40:
        return 0
    bare = s.rstrip("。.：:")
    if any(ch in bare for ch in "。！？!?；;"):
        return 0
    for level, pat in ((1, _H1), (2, _H2), (3, _H3), (4, _H4)):
        if pat.match(s):
            # a numbered line ending in 。 is a heading only when short ("（一）加强组织领导。")
            return level if (s[-1] not in _TERMINAL or len(s) <= 22) else 0
    if len(s) <= 25 and s[-1] not in _TERMINAL and "，" not in s and "," not in s:
        return 1
    return 0


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    paragraph_no: int


def split_sentences(text: str) -> list[Span]:
    """Sentence spans over ``text``; spans are trimmed of white space, never empty."""
    spans: list[Span] = []
    pos = 0
    for para_no, para in enumerate(text.split("\n")):
        base = pos
        pos += len(para) + 1
        if not para.strip():
            continue
        cuts = {0, len(para)}
        cuts.update(m.end() for m in _END.finditer(para))
        cuts.update(m.start() for m in _ITEM.finditer(para))
        bounds = sorted(cuts)
        for a, b in zip(bounds, bounds[1:]):
            seg = para[a:b]
            lead = len(seg) - len(seg.lstrip())
            trail = len(seg.rstrip())
            if trail > lead and _HAS_CONTENT.search(seg):
                spans.append(Span(base + a + lead, base + a + trail, para_no))
    return spans


def with_context(texts: list[str], para_initial: list[bool] | None = None) -> list[dict]:
    """For each sentence of one report in reading order: its heading level, the nearest heading
    above it and the chain of headings (section path). A heading's context is what is above it.
    When the layout is known (``para_initial``), only a paragraph's first sentence can be a heading."""
    chain: dict[int, str] = {}
    out = []
    for i, t in enumerate(texts):
        level = heading_level(t) if para_initial is None or para_initial[i] else 0
        path = [chain[k] for k in sorted(chain)]
        out.append({"heading_level": level, "heading": path[-1] if path else "", "section": " / ".join(path)})
        if level:
            chain = {k: v for k, v in chain.items() if k < level}
            chain[level] = t.strip()
    return out


def segment_document(doc: dict, tokenizer=None) -> list[dict]:
    """Sentences of one ingested document, with offsets into the original text."""
    from .normalize import Normalised

    norm = Normalised(doc["text"], doc["norm_pos"], doc["orig_pos"])
    spans = split_sentences(norm.text)
    texts = [norm.text[s.start:s.end] for s in spans]
    initial = [i == 0 or s.paragraph_no != spans[i - 1].paragraph_no for i, s in enumerate(spans)]
    ctx = with_context(texts, initial)
    rows = []
    for i, (span, text, c) in enumerate(zip(spans, texts, ctx), 1):
        o_start, o_end = norm.span_to_original(span.start, span.end)
        rows.append({
            "id": f"{doc['report_id']}:{i}", "report_id": doc["report_id"], "file": doc["file"],
            "sentence_no": i, "paragraph_no": span.paragraph_no + 1, "start": o_start, "end": o_end,
            "text": text, "source": doc["original"][o_start:o_end], **c,
        })
    if tokenizer is not None:
        for row, toks in zip(rows, tokenizer.cut_many(texts)):
            row["tokens"] = " ".join(toks)
    return rows

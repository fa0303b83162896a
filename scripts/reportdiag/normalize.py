"""Normalisation for analysis that keeps a map back to the original characters.

All edits are computed on the original text and are 1→1, 1→0 or 2→1, so the map is a short list
of breakpoints (normalised offset, original offset) instead of one integer per character.
Traditional → simplified conversion (OpenCC ``t2s``) is applied last and only where it keeps the
length, so the map stays exact.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import lru_cache

ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
SPACES = "\u3000\u00a0\u2002\u2003\u2009\u202f\t\x0b\x0c"
# A line ending in one of these ends a sentence or a heading; otherwise the break may be stray.
LINE_END_OK = "。！？!?；;：:…」』”’）)】》"
LIST_START = (
    r"(?:[一二三四五六七八九十]+[、是]|第[一二三四五六七八九十]+[，,、]|[（(][一二三四五六七八九十0-9]+[）)]"
    r"|[0-9]+[.．、](?![0-9])|[①-⑳]|[•·\-*])"
)

_CHAR_EDIT = re.compile(rf"([{ZERO_WIDTH}]+)|([{SPACES}])|([０-９Ａ-Ｚａ-ｚ])")
_BREAK = re.compile(r"\r\n|\r|\n")
_LIST_LINE = re.compile(rf"^[\s{ZERO_WIDTH}]*{LIST_START}")
_STRIP = re.compile(rf"[\s{ZERO_WIDTH}{SPACES}]+")


@dataclass
class Normalised:
    text: str
    norm_pos: list[int]  # run starts in the normalised text
    orig_pos: list[int]  # matching offsets in the original text

    def to_original(self, i: int) -> int:
        """Original offset of normalised offset ``i`` (``len(text)`` maps past the last run)."""
        k = bisect.bisect_right(self.norm_pos, i) - 1
        return self.orig_pos[k] + (i - self.norm_pos[k])

    def span_to_original(self, start: int, end: int) -> tuple[int, int]:
        if end <= start:
            o = self.to_original(start)
            return o, o
        return self.to_original(start), self.to_original(end - 1) + 1


def _stray_break_edits(text: str, min_line: int) -> list[tuple[int, int, str]]:
    """One edit per line break: kept as ``\\n`` or removed when it splits a sentence.

    A break is stray when the line before is long (headings are short), does not end with
    sentence-final punctuation, and the next line is not empty and not a list item.
    """
    edits = []
    breaks = list(_BREAK.finditer(text))
    line_start = 0
    for i, m in enumerate(breaks):
        line = _STRIP.sub("", text[line_start:m.start()])
        next_end = breaks[i + 1].start() if i + 1 < len(breaks) else len(text)
        nxt = text[m.end():next_end]
        stray = (
            len(line) >= min_line
            and line[-1] not in LINE_END_OK
            and _STRIP.sub("", nxt) != ""
            and not _LIST_LINE.match(nxt)
        )
        edits.append((m.start(), m.end(), "" if stray else "\n"))
        line_start = m.end()
    return edits


def _char_edits(text: str) -> list[tuple[int, int, str]]:
    edits = []
    for m in _CHAR_EDIT.finditer(text):
        if m.group(1):
            edits.append((m.start(), m.end(), ""))
        elif m.group(2):
            edits.append((m.start(), m.end(), " "))
        else:
            edits.append((m.start(), m.end(), chr(ord(m.group(3)) - 0xFEE0)))
    return edits


def clean(text: str, join_breaks: bool = True, min_line: int = 20) -> Normalised:
    """Apply the character and line-break edits and build the offset map."""
    text = replace_surrogates(text)
    edits = _char_edits(text)
    if join_breaks:
        edits += _stray_break_edits(text, min_line)
    else:
        edits += [(m.start(), m.end(), "\n") for m in _BREAK.finditer(text)]
    edits.sort()
    parts: list[str] = []
    norm_pos, orig_pos = [0], [0]
    n = pos = 0
    for start, end, repl in edits:
        parts.append(text[pos:start])
        n += start - pos
        parts.append(repl)
        n += len(repl)
        pos = end
        # after an edit that changed length, the next run starts at (n, end)
        if end - start != len(repl):
            if norm_pos[-1] == n:
                orig_pos[-1] = end
            else:
                norm_pos.append(n)
                orig_pos.append(end)
    parts.append(text[pos:])
    return Normalised("".join(parts), norm_pos, orig_pos)


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """OpenCC t2s, restricted to length-preserving output so offsets stay valid.

    Phrase-level conversion is used per line; a line whose length would change (rare) is converted
    character by character instead.
    """
    conv = _t2s()
    text = replace_surrogates(text)  # OpenCC encodes to UTF-8, which has no lone surrogates
    out = conv.convert(text)
    if len(out) == len(text):
        return out
    lines = text.split("\n")
    fixed = []
    for line in lines:
        c = conv.convert(line)
        if len(c) != len(line):
            c = "".join(ch2 if len(ch2 := conv.convert(ch)) == 1 else ch for ch in line)
        fixed.append(c)
    return "\n".join(fixed)


def normalise(text: str, traditional_to_simplified: bool = True, join_breaks: bool = True) -> Normalised:
    norm = clean(text, join_breaks=join_breaks)
    if traditional_to_simplified:
        norm.text = to_simplified(norm.text)
    return norm


_SURROGATE = re.compile("[\ud800-\udfff]")


def replace_surrogates(text: str) -> str:
    """Lone UTF-16 surrogates (from broken PDF text layers or UTF-16 files) → U+FFFD.

    One character for one, so offsets do not move; without this no UTF-8 table could hold the text.
    """
    return _SURROGATE.sub("\ufffd", text)


HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def han_count(text: str) -> int:
    # subn, not findall: a list of one-character strings costs ~80 bytes per Han character
    return HAN.subn("", text)[1]

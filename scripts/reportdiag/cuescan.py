"""Find codebook cue terms in a whole batch of texts with one Aho–Corasick automaton.

A regular expression of several hundred alternatives is tried at every position of the text; the
automaton reads each character once and reports every occurrence of every term, overlapping and
nested ones included. From those occurrences follow both what the features need (how many times a
regular expression of some of the terms, longest first, would match: its ``findall`` count) and what
the lexicon needs (which terms each text contains).
"""
from __future__ import annotations

import ahocorasick
import numpy as np


class TermScanner:
    def __init__(self, terms: list[str]):
        self.terms = list(dict.fromkeys(t for t in terms if t))
        self.index = {t: k for k, t in enumerate(self.terms)}
        self.lengths = np.array([len(t) for t in self.terms], dtype=np.int64)
        self._automaton = ahocorasick.Automaton()
        for k, t in enumerate(self.terms):
            self._automaton.add_word(t, k)
        if self.terms:
            self._automaton.make_automaton()

    def scan(self, texts: list[str]) -> "Matches":
        """Every occurrence of every term in ``texts``. Each distinct text is read once (headings
        and section paths repeat across sentences); texts are joined by NUL, which no term
        contains, so no occurrence spans two texts."""
        index: dict[str, int] = {}
        inverse = np.fromiter((index.setdefault(t, len(index)) for t in texts), dtype=np.int64, count=len(texts))
        distinct = list(index)
        starts = np.cumsum([0] + [len(t) + 1 for t in distinct[:-1]]).astype(np.int64)
        found = list(self._automaton.iter("\x00".join(distinct))) if self.terms and distinct else []
        term = np.fromiter((k for _, k in found), dtype=np.int64, count=len(found))
        end = np.fromiter((e for e, _ in found), dtype=np.int64, count=len(found))
        start = end - self.lengths[term] + 1 if len(found) else end
        order = np.lexsort((-self.lengths[term], start))  # by position, longest first
        return Matches(self, inverse, starts, start[order], term[order])


class Matches:
    """The occurrences found by :meth:`TermScanner.scan` in the distinct texts, sorted by position,
    longest term first; results are given per text scanned (``inverse`` maps it to its distinct text)."""

    def __init__(self, scanner: TermScanner, inverse: np.ndarray, text_starts: np.ndarray, start: np.ndarray,
                 term: np.ndarray):
        self.scanner, self.inverse, self.text_starts = scanner, inverse, text_starts
        self.start, self.term = start, term
        self._counts: dict[frozenset, np.ndarray] = {}

    def _text_of(self, pos: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.text_starts, pos, side="right") - 1

    def pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """(text index, term index) for every term a text contains, each pair once, sorted."""
        n = max(len(self.scanner.terms), 1)
        code = np.unique(self._text_of(self.start) * n + self.term)
        d_text, d_term = code // n, code % n  # pairs of distinct texts, sorted by distinct text
        per = np.bincount(d_text, minlength=len(self.text_starts))
        first = np.concatenate([[0], np.cumsum(per)[:-1]])
        rep = per[self.inverse]
        rows = np.repeat(np.arange(len(self.inverse)), rep)
        offset = np.arange(rep.sum()) - np.repeat(np.cumsum(rep) - rep, rep)
        return rows, d_term[np.repeat(first[self.inverse], rep) + offset]

    def findall_counts(self, terms: list[str]) -> np.ndarray:
        """Per text, ``len(pattern.findall(text))`` for the alternation of ``terms`` longest first
        (:meth:`reportdiag.codebook.Codebook.cue_pattern`): at each position the longest of the terms
        that starts there, then on from its end."""
        key = frozenset(terms)
        if key not in self._counts:
            self._counts[key] = self._findall_counts(key)
        return self._counts[key][self.inverse]

    def _findall_counts(self, terms: frozenset) -> np.ndarray:
        wanted = np.zeros(len(self.scanner.terms) + 1, dtype=bool)
        wanted[[self.scanner.index[t] for t in terms if t in self.scanner.index]] = True
        sel = wanted[self.term]
        taken, pos = [], -1
        for s, n in zip(self.start[sel].tolist(), self.scanner.lengths[self.term[sel]].tolist()):
            if s >= pos:
                taken.append(s)
                pos = s + n
        return np.bincount(self._text_of(np.array(taken, dtype=np.int64)), minlength=len(self.text_starts))

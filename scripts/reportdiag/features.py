"""Sentence features: character n-grams, jieba words, codebook cues with stance, and context.

Context is what a sentence alone lacks: the heading it sits under ("存在的问题" vs "主要做法") and
the sentence before it. All blocks are built for a whole batch at once.
"""
from __future__ import annotations

import re

import numpy as np
import scipy.sparse as sp
from .codebook import Codebook
from .ngrams import CharNgramTfidf, WordTfidf
from .segment import heading_level, with_context

_LIST_ITEM = re.compile(r"^(?:[一二三四五六七八九十]{1,3}[是、]|[（(][一二三四五六七八九十0-9]{1,3}[）)]|[0-9]{1,2}[.．、])")


def add_context(rows: list[dict]) -> list[dict]:
    """Fill ``heading``, ``section``, ``heading_level`` and ``prev`` for rows of one or more docs
    (rows of a doc are consecutive and in reading order; rows without ``doc`` stand alone)."""
    out = []
    i = 0
    while i < len(rows):
        doc = rows[i].get("doc")
        j = i + 1
        if doc is not None:
            while j < len(rows) and rows[j].get("doc") == doc:
                j += 1
        group = rows[i:j]
        need = any("heading" not in r for r in group)
        ctx = with_context([r["text"] for r in group]) if need else None
        for k, r in enumerate(group):
            r = dict(r)
            if ctx is not None:
                r.update({key: r.get(key, ctx[k][key]) for key in ctx[k]})
            r.setdefault("prev", group[k - 1]["text"] if k else "")
            out.append(r)
        i = j
    return out


class CueFeatures:
    """Dense cue and stance features from the codebook, crossed so a linear model can tell
    "考核评价机制不健全" (cue + problem marker) from "建立了一体化考核评价机制" (cue + practice marker)."""

    def __init__(self, codebook_data: dict | None = None):
        self.codebook_data = codebook_data

    def fit(self, rows, y=None):
        return self

    def _patterns(self):
        if not hasattr(self, "_pats"):
            cb = Codebook(self.codebook_data, None, "")
            st = cb.stance
            self._pats = {
                "cat_problem": [cb.cue_pattern(c["problem_cues"]) for c in cb.categories],
                "cat_practice": [cb.cue_pattern(c["practice_cues"]) for c in cb.categories],
                "problem": cb.cue_pattern(st["problem"]),
                "practice": cb.cue_pattern(st["practice"]),
                "negation": cb.cue_pattern(st["negation"]),
                "requirement": cb.cue_pattern(st["requirement"]),
                "planned": cb.cue_pattern(st["planned"]),
                "h_problem": cb.cue_pattern(st["headings"]["problem"]),
                "h_practice": cb.cue_pattern(st["headings"]["practice"]),
            }
            self._names = None
        return self._pats

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_pats", None)  # compiled patterns are rebuilt on load
        return state

    def get_feature_names_out(self, input_features=None):
        cb = Codebook(self.codebook_data, None, "")
        names = ["stance:problem", "stance:practice", "stance:negation", "stance:requirement",
                 "stance:planned", "ctx:heading_problem", "ctx:heading_practice", "ctx:is_heading",
                 "ctx:list_item", "ctx:prev_problem"]
        for c in cb.ids:
            names += [f"cue:{c}:problem", f"cue:{c}:practice", f"cue:{c}:problem×marker",
                      f"cue:{c}:practice×marker", f"cue:{c}:negated", f"cue:{c}:×heading_problem",
                      f"cue:{c}:×heading_practice", f"cue:{c}:heading_cue"]
        return np.array(names, dtype=object)

    def transform(self, rows):
        p = self._patterns()
        n_cat = len(p["cat_problem"])
        texts = [r["text"] for r in rows]
        sections = [r.get("section", "") or "" for r in rows]
        headings = [r.get("heading", "") or "" for r in rows]
        prob = match_counts(p["problem"], texts)
        prac = match_counts(p["practice"], texts)
        neg = match_counts(p["negation"], texts)
        hp = match_counts(p["h_problem"], sections) > 0
        hq = match_counts(p["h_practice"], sections) > 0
        X = np.zeros((len(rows), 10 + 8 * n_cat), dtype=np.float64)
        X[:, 0], X[:, 1] = np.log1p(prob), np.log1p(prac)
        X[:, 2] = neg > 0
        X[:, 3] = match_counts(p["requirement"], texts) > 0
        X[:, 4] = match_counts(p["planned"], texts) > 0
        X[:, 5], X[:, 6] = hp, hq
        X[:, 7] = [bool(r.get("heading_level") or heading_level(r["text"])) for r in rows]
        X[:, 8] = [bool(_LIST_ITEM.match(t)) for t in texts]
        X[:, 9] = match_counts(p["problem"], [r.get("prev", "") or "" for r in rows]) > 0
        for k in range(n_cat):
            cp = match_counts(p["cat_problem"][k], texts)
            cq = match_counts(p["cat_practice"][k], texts)
            anyc = (cp > 0) | (cq > 0)
            hc = (match_counts(p["cat_problem"][k], headings) > 0) | (match_counts(p["cat_practice"][k], headings) > 0)
            X[:, 10 + 8 * k:18 + 8 * k] = np.column_stack([
                np.log1p(cp), np.log1p(cq), anyc & (prob > 0), anyc & (prac > 0),
                anyc & (neg > 0), anyc & hp, anyc & hq, hc,
            ])
        return sp.csr_matrix(X)


def match_counts(pattern: re.Pattern, texts: list[str]) -> np.ndarray:
    """Non-overlapping matches of ``pattern`` in each text (``len(pattern.findall(t))``), found in one
    scan of the joined batch: cue patterns are plain alternations of terms without NUL, so no match
    can span two texts and the scan restarts at each text exactly as it would alone."""
    if not texts:
        return np.zeros(0, dtype=np.int64)
    joined, text_of = joined_batch(texts)
    return np.bincount(text_of([m.start() for m in pattern.finditer(joined)]), minlength=len(texts))


def joined_batch(texts: list[str]):
    """The texts joined by NUL (which no cue contains, so no match spans two texts) and a function
    from offsets in the joined string to the index of the text they fall in."""
    starts = np.cumsum([0] + [len(t) + 1 for t in texts[:-1]])
    return "\x00".join(texts), lambda pos: np.searchsorted(starts, np.asarray(pos, dtype=np.int64), side="right") - 1


class FeatureBuilder:
    """Concatenate the chosen blocks. ``blocks`` ⊆ {char, word, cue, context}."""

    def __init__(self, codebook_data: dict | None = None, blocks: tuple = ("char", "word", "cue", "context"),
                 context_weight: float = 0.4, cue_weight: float = 1.0):
        self.codebook_data = codebook_data
        self.blocks = blocks
        self.context_weight = context_weight
        self.cue_weight = cue_weight

    def _make(self):
        parts = {}
        if "char" in self.blocks:
            parts["char"] = CharNgramTfidf((1, 4), min_df=2, max_features=60000)
        if "word" in self.blocks:
            parts["word"] = WordTfidf()
        if "cue" in self.blocks:
            parts["cue"] = CueFeatures(self.codebook_data)
        if "context" in self.blocks:
            parts["context"] = CharNgramTfidf((2, 4), min_df=2, max_features=20000)
        return parts

    @staticmethod
    def _input(name, rows):
        if name == "char":
            return [r["text"] for r in rows]
        if name == "word":
            return [r["tokens"] if isinstance(r["tokens"], str) else " ".join(r["tokens"]) for r in rows]
        if name == "context":
            return [(r.get("section") or "") + " ‖ " + (r.get("prev") or "")[-30:] for r in rows]
        return rows

    def fit(self, rows, y=None):
        self.parts_ = self._make()
        for name, part in self.parts_.items():
            part.fit(self._input(name, rows))
        return self

    def transform(self, rows):
        mats = []
        for name, part in self.parts_.items():
            M = part.transform(self._input(name, rows))
            if name == "context":
                M = M * self.context_weight
            elif name == "cue":
                M = M * self.cue_weight
            mats.append(sp.csr_matrix(M))
        return sp.hstack(mats, format="csr")

    def get_feature_names_out(self, input_features=None):
        names = []
        for name, part in self.parts_.items():
            prefix = {"char": "", "word": "词:", "cue": "", "context": "上下文:"}[name]
            names.extend(prefix + str(f) for f in part.get_feature_names_out())
        return np.array(names, dtype=object)

"""Sentence features: character n-grams, jieba words, codebook cues with stance, and context.

Context is what a sentence alone lacks: the heading it sits under ("存在的问题" vs "主要做法") and
the sentence before it. All blocks are built for a whole batch at once.
"""
from __future__ import annotations

import re

import numpy as np
import scipy.sparse as sp
from .codebook import STANCE_CUES, Codebook
from .cuescan import TermScanner
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

    def _terms(self):
        """The term lists the features count, and one scanner for all of them."""
        if not hasattr(self, "_lists"):
            cb = Codebook(self.codebook_data, None, "")
            st = cb.stance
            per_category = {"cat_problem": [c["problem_cues"] for c in cb.categories],
                            "cat_practice": [c["practice_cues"] for c in cb.categories]}
            stance = {**{k: st[k] for k in STANCE_CUES},
                      "h_problem": st["headings"]["problem"], "h_practice": st["headings"]["practice"]}
            self._lists = {**per_category, **stance}
            every = [t for lists in per_category.values() for terms in lists for t in terms]
            every += [t for terms in stance.values() for t in terms]
            self._scanner = TermScanner(every)
        return self._lists, self._scanner

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_lists", None)  # rebuilt on load
        state.pop("_scanner", None)
        return state

    def get_feature_names_out(self, input_features=None):
        cb = Codebook(self.codebook_data, None, "")
        names = ["stance:problem", "stance:practice", "stance:negation", "stance:requirement",
                 "stance:planned", "ctx:heading_problem", "ctx:heading_practice", "ctx:is_heading",
                 "ctx:list_item", "ctx:prev_problem", "stance:achieved"]
        for c in cb.ids:
            names += [f"cue:{c}:problem", f"cue:{c}:practice", f"cue:{c}:problem×marker",
                      f"cue:{c}:practice×marker", f"cue:{c}:negated", f"cue:{c}:×heading_problem",
                      f"cue:{c}:×heading_practice", f"cue:{c}:heading_cue", f"cue:{c}:achieved"]
        return np.array(names, dtype=object)

    def transform(self, rows):
        p, scanner = self._terms()
        n_cat = len(p["cat_problem"])
        n = len(rows)
        # one scan for the four strings of every row: a sentence is also the next one's ``prev``
        found = scanner.scan([r["text"] for r in rows] + [r.get(k, "") or "" for k in ("section", "heading", "prev")
                                                          for r in rows])

        def count(terms, part=0):  # 0 text, 1 section, 2 heading, 3 previous sentence
            return found.findall_counts(terms)[part * n:(part + 1) * n]

        prob, prac, neg = (count(p[k]) for k in ("problem", "practice", "negation"))
        hp = count(p["h_problem"], 1) > 0
        hq = count(p["h_practice"], 1) > 0
        achieved = count(p["achieved"]) > 0
        X = np.zeros((len(rows), 11 + 9 * n_cat), dtype=np.float64)
        X[:, 0], X[:, 1] = np.log1p(prob), np.log1p(prac)
        X[:, 2] = neg > 0
        X[:, 3] = count(p["requirement"]) > 0
        X[:, 4] = count(p["planned"]) > 0
        X[:, 5], X[:, 6] = hp, hq
        X[:, 7] = [bool(r.get("heading_level") or heading_level(r["text"])) for r in rows]
        X[:, 8] = [bool(_LIST_ITEM.match(r["text"])) for r in rows]
        X[:, 9] = count(p["problem"], 3) > 0
        X[:, 10] = achieved
        for k in range(n_cat):
            cp = count(p["cat_problem"][k])
            cq = count(p["cat_practice"][k])
            anyc = (cp > 0) | (cq > 0)
            hc = (count(p["cat_problem"][k], 2) > 0) | (count(p["cat_practice"][k], 2) > 0)
            X[:, 11 + 9 * k:20 + 9 * k] = np.column_stack([
                np.log1p(cp), np.log1p(cq), anyc & (prob > 0), anyc & (prac > 0),
                anyc & (neg > 0), anyc & hp, anyc & hq, hc, anyc & achieved,
            ])
        return sp.csr_matrix(X)


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
            # 150,000 of the ~230,000 n-grams seen twice: at 60,000 the rarer topic n-grams were cut and
            # the development set's mean average precision for problems was 0.008 lower (README)
            parts["char"] = CharNgramTfidf((1, 4), min_df=2, max_features=150000)
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

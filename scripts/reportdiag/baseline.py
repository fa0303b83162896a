"""The dictionary baseline (cntext-style): count codebook cue terms and stance cues, no learning.

problem c:  a problem cue of c, or a practice cue of c next to a generic problem marker; not when a
            negation ("已解决", "不再") is present.
practice c: a practice cue of c with no problem marker in the sentence.
"""
from __future__ import annotations

from .codebook import Codebook


class DictionaryScorer:
    def __init__(self, codebook: Codebook):
        self.codebook = codebook
        st = codebook.stance
        self.problem_marker = codebook.cue_pattern(st["problem"])
        self.negation = codebook.cue_pattern(st["negation"])
        self.cats = [(c["id"], codebook.cue_pattern(c["problem_cues"]), codebook.cue_pattern(c["practice_cues"]))
                     for c in codebook.categories]

    def score(self, text: str) -> dict:
        marker = bool(self.problem_marker.search(text))
        negated = bool(self.negation.search(text))
        out = {"problem": [], "practice": [], "counts": {}}
        for cid, prob, prac in self.cats:
            n_prob = len(prob.findall(text))
            n_prac = len(prac.findall(text))
            out["counts"][cid] = {"problem": n_prob, "practice": n_prac}
            if not negated and (n_prob or (n_prac and marker)):
                out["problem"].append(cid)
            if n_prac and not marker:
                out["practice"].append(cid)
        return out

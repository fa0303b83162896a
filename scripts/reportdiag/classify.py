"""Score sentences with the trained model: probabilities, thresholded labels and the terms that
drove each label. Works on whole batches (one feature matrix per call)."""
from __future__ import annotations

import re

import numpy as np

from .codebook import Codebook, CodebookError
from .features import add_context
from .normalize import to_simplified

_READABLE = {
    "stance:problem": "问题标记", "stance:practice": "做法标记", "stance:negation": "否定/已解决",
    "stance:requirement": "要求句", "stance:planned": "计划句", "ctx:heading_problem": "位于问题部分",
    "ctx:heading_practice": "位于做法部分", "ctx:is_heading": "标题", "ctx:list_item": "列举项",
    "ctx:prev_problem": "前句为问题",
    "stance:achieved": "成效句",
}


_HAN_ALNUM = re.compile(r"[\u3400-\u9fffA-Za-z0-9]")


def readable(name: str, codebook: Codebook) -> str:
    if name in _READABLE:
        return _READABLE[name]
    if name.startswith("cue:"):
        _, cid, what = name.split(":", 2)
        short = codebook.category(cid)["short"] if cid in codebook.ids else cid
        what = (what.replace("problem", "问题").replace("practice", "做法").replace("×marker", "+标记")
                .replace("×heading_", "+部分:").replace("negated", "被否定").replace("heading_cue", "标题线索").replace("achieved", "成效"))
        return f"{short}线索({what})"
    return name


def prepare(rows: list[dict], tokenizer) -> list[dict]:
    """Normalise text to simplified characters, add context and tokens where missing."""
    rows = [dict(r, text=to_simplified(r["text"])) for r in rows]
    rows = add_context(rows)
    missing = [i for i, r in enumerate(rows) if "tokens" not in r]
    if missing:
        toks = tokenizer.cut_many([rows[i]["text"] for i in missing])
        for i, t in zip(missing, toks):
            rows[i]["tokens"] = " ".join(t)
    return rows


def _dedupe_substrings(terms: list[str]) -> list[str]:
    kept: list[str] = []
    for t in sorted(terms, key=len, reverse=True):
        if not any(t in k for k in kept):
            kept.append(t)
    return kept


class Scorer:
    def __init__(self, model, codebook: Codebook, top_k: int = 4):
        if list(model.labels) != codebook.label_names:
            raise CodebookError(f"the model was trained for the categories {sorted({lab.split(':')[1] for lab in model.labels})} "
                             f"but the codebook has {codebook.ids}: retrain it with this codebook and codebook_extend")
        self.model = model
        self.codebook = codebook
        self.ids = codebook.ids
        self.top_k = top_k
        self.names = model.features.get_feature_names_out()
        self.W = model.coefficients()
        st = codebook.stance
        self.cue_pats = {}
        for c in codebook.categories:
            self.cue_pats[f"problem:{c['id']}"] = codebook.cue_pattern(c["problem_cues"] + st["problem"])
            self.cue_pats[f"practice:{c['id']}"] = codebook.cue_pattern(c["practice_cues"])

    def _explain(self, X, i: int, j: int, text: str, label: str) -> str:
        row = X.getrow(i)
        contrib = row.data * self.W[j, row.indices]
        order = np.argsort(-contrib, kind="stable")
        terms = []
        for k in order[: self.top_k * 3]:
            if contrib[k] <= 0:
                break
            term = readable(str(self.names[row.indices[k]]), self.codebook)
            # single characters and punctuation explain nothing to a reader
            if len(_HAN_ALNUM.findall(term.removeprefix("词:").removeprefix("上下文:"))) >= 2:
                terms.append(term)
        plain = _dedupe_substrings([t for t in terms if "线索" not in t and not t.startswith("上下文")])
        other = [t for t in terms if t not in plain and (("线索" in t) or t.startswith("上下文"))]
        cues = sorted(set(self.cue_pats[label].findall(text)), key=text.find)
        out = []
        for t in cues + plain[: self.top_k] + other[:2]:
            if t not in out:
                out.append(t)
        return "；".join(out)

    def score(self, rows: list[dict]) -> list[dict]:
        """``rows`` must be prepared (see :func:`prepare`)."""
        if not rows:
            return []
        X = self.model.transform(rows)
        P = self.model.predict_proba(rows, X)
        L = self.model.predict(P)
        labels = [(lab, *lab.split(":")) for lab in self.model.labels]
        out = []
        for i, (r, p_row, l_row) in enumerate(zip(rows, P.tolist(), L.tolist())):
            rec = {"id": r["id"], "problem": [], "practice": [], "p_problem": {}, "p_practice": {}, "cues": {}}
            for j, (lab, stance, cid) in enumerate(labels):
                rec["p_" + stance][cid] = round(p_row[j], 4)
                if l_row[j]:
                    rec[stance].append(cid)
                    rec["cues"][lab] = self._explain(X, i, j, r["text"], lab)
            out.append(rec)
        return out


def cue_hits(text: str, pattern: re.Pattern) -> list[str]:
    return sorted(set(pattern.findall(text)), key=text.find)


# where each scored sentence is (its text and heading are in the batch's sentence file)
SENTENCE_FIELDS = ("report_id", "file", "sentence_no", "paragraph_no", "start", "end")


def score_file(sentences_path, out_path, model_dir, codebook: Codebook) -> tuple[list, list, dict]:
    """Score one batch file of segmented sentences; one output line per sentence. Returns the
    sentences as read, their scores and the model's metadata (thresholds) for the batch's tally."""
    from .io import read_jsonl, write_jsonl
    from .training import load

    model, meta = load(model_dir)
    scorer = Scorer(model, codebook)
    sentences = list(read_jsonl(sentences_path))
    rows = add_context([dict(r, doc=r["report_id"]) for r in sentences])
    scored = scorer.score(rows)
    write_jsonl(out_path, ({**{k: r[k] for k in SENTENCE_FIELDS}, **s} for r, s in zip(rows, scored)))
    return sentences, scored, meta

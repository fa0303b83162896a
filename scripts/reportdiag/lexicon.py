"""Cue lexicon diagnostics and candidate new cues, for a human to review (never applied).

Diagnostics (Snorkel's coverage/accuracy per labelling rule, applied to the codebook's cue terms):
for every cue, the sentences of the corpus that contain it (coverage), the share of those the model
gives each label (co-occurrence), and, on labelled sentences, its precision as a rule: the share of
labelled sentences containing the cue that carry the cue's own label (a category's problem cue →
``problem:<id>``, practice cue → ``practice:<id>``; a stance cue → any label of that stance).

Candidates (cntext-style seed expansion): for each label, the jieba words most associated with the
sentences the model gives that label with high confidence, by pointwise mutual information
PMI(w, L) = log2(P(w | L) / P(w)) over sentence frequencies, among words seen at least
``min_count`` times in both. Existing cues are left out. The ``decision`` column is for the reviewer.
"""
from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

from .codebook import STANCES, Codebook

DIAG_COLUMNS = ["cue", "category", "kind", "target", "corpus_sentences", "coverage", "top_label", "top_label_share",
                "labelled_sentences", "labelled_precision"]
CAND_COLUMNS = ["label", "rank", "term", "pmi", "high_sentences", "corpus_sentences", "share_high", "example",
                "decision"]
_WORD = re.compile(r"^[\u3400-\u9fff]{2,}$")


def cue_list(codebook: Codebook) -> list[dict]:
    """Every cue term with what it is evidence for (``target``: a label, ``problem:*``/``practice:*``
    for any label of a stance, ``none`` for negations, empty when it is not a labelling rule)."""
    out = []
    for c in codebook.categories:
        for kind, stance in (("problem_cues", "problem"), ("practice_cues", "practice")):
            out += [{"cue": t, "category": c["id"], "kind": kind, "target": f"{stance}:{c['id']}"} for t in c[kind]]
    st = codebook.stance
    targets = {"problem": "problem:*", "practice": "practice:*", "negation": "none", "requirement": "",
               "planned": ""}
    for kind, target in targets.items():
        out += [{"cue": t, "category": "stance", "kind": kind, "target": target} for t in st[kind]]
    return out


def _has(labels_by_stance: dict, target: str) -> bool:
    if target == "none":
        return not labels_by_stance["problem"]
    stance, cid = target.split(":")
    return bool(labels_by_stance[stance]) if cid == "*" else cid in labels_by_stance[stance]


def diagnostics(sentences: pd.DataFrame, codebook: Codebook, labelled: list[dict] | None = None) -> pd.DataFrame:
    """One row per cue. ``sentences``: scored corpus sentences (``text``, ``problem``, ``practice``);
    ``labelled``: rows with ``text``, ``problem``, ``practice`` (simplified text)."""
    texts = sentences["text"].tolist()
    preds = [{"problem": p, "practice": q} for p, q in zip(sentences["problem"], sentences["practice"])]
    lab_texts = [r["text"] for r in labelled or []]
    rows = []
    for cue in cue_list(codebook):
        term = cue["cue"]
        hits = [i for i, t in enumerate(texts) if term in t]
        row = {**cue, "corpus_sentences": len(hits),
               "coverage": round(len(hits) / len(texts), 5) if texts else 0.0, "top_label": "", "top_label_share": None}
        if hits:
            counts = {lab: sum(_has(preds[i], lab) for i in hits) for lab in codebook.label_names}
            best = max(codebook.label_names, key=lambda lab: (counts[lab], -codebook.label_names.index(lab)))
            if counts[best]:
                row["top_label"], row["top_label_share"] = best, round(counts[best] / len(hits), 4)
        lab_hits = [k for k, t in enumerate(lab_texts) if term in t]
        row["labelled_sentences"] = len(lab_hits)
        row["labelled_precision"] = (round(sum(_has(labelled[k], cue["target"]) for k in lab_hits) / len(lab_hits), 4)
                                     if lab_hits and cue["target"] else None)
        rows.append(row)
    return pd.DataFrame(rows, columns=DIAG_COLUMNS)


def candidates(sentences: pd.DataFrame, codebook: Codebook, thresholds: dict[str, float], high: float = 0.8,
               min_count: int = 3, top: int = 20) -> pd.DataFrame:
    """Candidate cue terms per label by PMI against the label's high-confidence sentences."""
    known = {c["cue"] for c in cue_list(codebook)}
    docs = [sorted({w for w in str(toks).split() if _WORD.match(w) and w not in known})
            for toks in sentences["tokens"]]
    n = len(docs)
    df_all: dict[str, int] = {}
    for d in docs:
        for w in d:
            df_all[w] = df_all.get(w, 0) + 1
    rows = []
    for lab in codebook.label_names:
        stance, cid = lab.split(":")
        cut = max(high, thresholds.get(lab, 0.5))
        p = sentences[f"p_{stance}"].map(lambda d, c=cid: d.get(c, 0.0)).to_numpy(dtype=float)
        idx = np.flatnonzero(p >= cut)
        if len(idx) == 0:
            continue
        df_high: dict[str, int] = {}
        for i in idx:
            for w in docs[i]:
                df_high[w] = df_high.get(w, 0) + 1
        scored = []
        for w, k in df_high.items():
            if k >= min_count and df_all[w] >= min_count:
                pmi = math.log2((k / len(idx)) / (df_all[w] / n))
                if pmi > 0:
                    scored.append((-round(pmi, 6), -k, w))
        for rank, (neg_pmi, neg_k, w) in enumerate(sorted(scored)[:top], 1):
            example = next(sentences["source"].iat[i] for i in idx if w in docs[i])
            rows.append({"label": lab, "rank": rank, "term": w, "pmi": round(-neg_pmi, 4), "high_sentences": -neg_k,
                         "corpus_sentences": df_all[w], "share_high": round(-neg_k / df_all[w], 4),
                         "example": example[:120], "decision": ""})
    return pd.DataFrame(rows, columns=CAND_COLUMNS)


def labelled_rows(paths: list[str]) -> list[dict]:
    """Labelled sentences (training data, annotations, gold files) in simplified characters."""
    from .annotations import read_labels
    from .normalize import to_simplified

    rows = []
    for p in paths:
        for r in read_labels(p):
            if r.get("text"):
                rows.append({"text": to_simplified(r["text"]), **{s: r[s] for s in STANCES}})
    return rows


def write_lexicon(sentence_files: list[str], score_files: list[str], reports_csv: str, codebook: Codebook,
                  thresholds: dict[str, float], labelled_files: list[str], cfg: dict, out_diagnostics: str,
                  out_candidates: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rule's work: cue diagnostics on the diagnosed reports and the labelled files, and candidates."""
    from .io import read_csv, write_csv
    from .tables import load_scored_sentences

    sentences = load_scored_sentences(sentence_files, score_files, set(read_csv(reports_csv)["file"]))
    diag = diagnostics(sentences, codebook, labelled_rows(labelled_files))
    cand = candidates(sentences, codebook, thresholds, high=cfg["high_confidence"], min_count=cfg["min_count"],
                      top=cfg["candidates"])
    write_csv(diag, out_diagnostics)
    write_csv(cand, out_candidates)
    return diag, cand

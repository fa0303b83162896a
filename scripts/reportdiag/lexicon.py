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
import scipy.sparse as sp

from .codebook import STANCES, Codebook
from .cuescan import TermScanner

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
               "planned": "", "achieved": ""}
    for kind, target in targets.items():
        out += [{"cue": t, "category": "stance", "kind": kind, "target": target} for t in st[kind]]
    return out


def _has(labels_by_stance: dict, target: str) -> bool:
    if target == "none":
        return not labels_by_stance["problem"]
    stance, cid = target.split(":")
    return bool(labels_by_stance[stance]) if cid == "*" else cid in labels_by_stance[stance]


class LexiconTally:
    """Cue diagnostics and candidate counts, merged batch by batch from per-report parts
    (:meth:`part`, :meth:`merge`), so the corpus is never in memory at once; what is kept grows
    with the vocabulary, not with the corpus."""

    def __init__(self, codebook: Codebook, thresholds: dict[str, float] | None = None, high: float = 0.8):
        self.cues = cue_list(codebook)
        self.labels = codebook.label_names
        self.matcher = TermScanner([c["cue"] for c in self.cues])
        self.known = set(self.matcher.terms)
        self.n = 0
        self.term_n = np.zeros(len(self.matcher.terms), np.int64)
        self.term_labels = np.zeros((len(self.matcher.terms), len(self.labels)), np.int64)
        self.cut = {lab: max(high, (thresholds or {}).get(lab, 0.5)) for lab in self.labels}
        self.df_all: dict[str, int] = {}
        self.n_high = dict.fromkeys(self.labels, 0)
        self.df_high: dict[str, dict[str, int]] = {lab: {} for lab in self.labels}
        self.example: dict[str, dict[str, tuple]] = {lab: {} for lab in self.labels}  # word → (file, no, source)

    def part(self, sentences: pd.DataFrame, sentence_words=None) -> dict:
        """Per report file of ``sentences`` (scored: ``text``, ``tokens``, ``source``, ``file``,
        ``sentence_no``, labels, probabilities): sentence, cue and word counts, and per label the
        high-confidence counts and each word's first example. ``sentence_words``: the
        batch's :class:`reportdiag.tally.SentenceWords` when already built."""
        from .tally import SentenceWords, file_index, label_matrix, probability_matrix

        files, f_of = file_index(sentences["file"])
        n_files, n_terms, n_labels = len(files), len(self.matcher.terms), len(self.labels)
        L = label_matrix(sentences, self.labels)
        rows, terms = self.matcher.scan(sentences["text"].tolist()).pairs()
        term_n = sp.csr_matrix((np.ones(len(rows), np.int64), (f_of[rows], terms)), shape=(n_files, n_terms))
        hit_rows, hit_labels = np.nonzero(L[rows])
        term_labels = sp.csr_matrix((np.ones(len(hit_rows), np.int64),
                                     (f_of[rows[hit_rows]], terms[hit_rows] * n_labels + hit_labels)),
                                    shape=(n_files, n_terms * n_labels))
        sw = sentence_words or SentenceWords(sentences["tokens"])
        keep = self._candidate_word
        words, df_all = sw.counts(f_of, n_files, keep)
        # a word's example is its first sentence in (file, sentence_no) order
        rank = np.empty(len(f_of), np.int64)
        rank[np.lexsort((sentences["sentence_no"].to_numpy(), f_of))] = np.arange(len(f_of))
        keys = list(zip(sentences["file"].tolist(), sentences["sentence_no"].tolist(), sentences["source"].tolist()))
        high = {}
        P = probability_matrix(sentences, self.labels)
        for j, lab in enumerate(self.labels):
            idx = np.flatnonzero(P[:, j] >= self.cut[lab])
            h_words, h_df = sw.counts(f_of, n_files, keep, idx)
            high[lab] = (np.bincount(f_of[idx], minlength=n_files), h_words, h_df, self._first_examples(sw, idx, rank, keys))
        return {"files": files, "n": np.bincount(f_of, minlength=n_files), "term_n": term_n, "term_labels": term_labels,
                "words": words, "df_all": df_all, "high": high}

    def _candidate_word(self, w: str) -> bool:
        return bool(_WORD.match(w)) and w not in self.known

    def _first_examples(self, sw, idx: np.ndarray, rank: np.ndarray, keys: list[tuple]) -> dict[str, tuple]:
        """Each candidate word of the sentences ``idx`` → the key of its first sentence among them."""
        B = sw.matrix[idx].tocoo()
        order = np.lexsort((rank[idx[B.row]], B.col))
        first = order[np.r_[True, B.col[order][1:] != B.col[order][:-1]]] if len(order) else order
        return {sw.words[B.col[k]]: keys[idx[B.row[k]]] for k in first if self._candidate_word(sw.words[B.col[k]])}

    def merge(self, part: dict, accepted: set[str] | None = None) -> None:
        """Add a :meth:`part`'s counts for the ``accepted`` report files (all when None). A word's
        example stays the first (file, sentence) among accepted ones: an exact duplicate that drops
        out always has its original, earlier in path order, with the same sentence."""
        from .tally import add_counts, column_sums, row_mask

        mask = row_mask(part["files"], accepted)
        self.n += int(part["n"][mask].sum())
        self.term_n += column_sums(part["term_n"], mask)
        self.term_labels += column_sums(part["term_labels"], mask).reshape(self.term_labels.shape)
        add_counts(self.df_all, part["words"], column_sums(part["df_all"], mask))
        for lab, (n_high, words, df, example) in part["high"].items():
            self.n_high[lab] += int(n_high[mask].sum())
            add_counts(self.df_high[lab], words, column_sums(df, mask))
            best = self.example[lab]
            for w, key in example.items():
                if (accepted is None or key[0] in accepted) and (w not in best or key[:2] < best[w][:2]):
                    best[w] = key

    def add(self, sentences: pd.DataFrame) -> None:
        if not sentences.empty:
            self.merge(self.part(sentences))

    def diagnostics(self, labelled: list[dict] | None = None) -> pd.DataFrame:
        """One row per cue; ``labelled``: rows with ``text``, ``problem``, ``practice`` (simplified text)."""
        labelled = labelled or []
        lab_rows, lab_terms = self.matcher.scan([r["text"] for r in labelled]).pairs()
        lab_hits: dict[int, list[int]] = {}
        for i, k in zip(lab_rows.tolist(), lab_terms.tolist()):
            lab_hits.setdefault(k, []).append(i)
        index = {t: k for k, t in enumerate(self.matcher.terms)}
        rows = []
        for cue in self.cues:
            k = index[cue["cue"]]
            n = int(self.term_n[k])
            row = {**cue, "corpus_sentences": n, "coverage": round(n / self.n, 5) if self.n else 0.0,
                   "top_label": "", "top_label_share": None}
            if n:
                counts = self.term_labels[k]
                best = max(range(len(self.labels)), key=lambda j: (counts[j], -j))
                if counts[best]:
                    row["top_label"], row["top_label_share"] = self.labels[best], round(int(counts[best]) / n, 4)
            hits = lab_hits.get(k, [])
            row["labelled_sentences"] = len(hits)
            row["labelled_precision"] = (round(sum(_has(labelled[i], cue["target"]) for i in hits) / len(hits), 4)
                                         if hits and cue["target"] else None)
            rows.append(row)
        return pd.DataFrame(rows, columns=DIAG_COLUMNS)

    def candidates(self, min_count: int = 3, top: int = 20) -> pd.DataFrame:
        """Candidate cue terms per label by PMI against the label's high-confidence sentences."""
        rows = []
        for lab in self.labels:
            n_high = self.n_high[lab]
            if not n_high:
                continue
            scored = []
            for w, k in self.df_high[lab].items():
                if k >= min_count and self.df_all[w] >= min_count:
                    pmi = math.log2((k / n_high) / (self.df_all[w] / self.n))
                    if pmi > 0:
                        scored.append((-round(pmi, 6), -k, w))
            for rank, (neg_pmi, neg_k, w) in enumerate(sorted(scored)[:top], 1):
                rows.append({"label": lab, "rank": rank, "term": w, "pmi": round(-neg_pmi, 4), "high_sentences": -neg_k,
                             "corpus_sentences": self.df_all[w], "share_high": round(-neg_k / self.df_all[w], 4),
                             "example": str(self.example[lab][w][2])[:120], "decision": ""})
        return pd.DataFrame(rows, columns=CAND_COLUMNS)


def diagnostics(sentences: pd.DataFrame, codebook: Codebook, labelled: list[dict] | None = None) -> pd.DataFrame:
    """Cue diagnostics of one frame of scored sentences (see :class:`LexiconTally`)."""
    tally = LexiconTally(codebook)
    tally.add(sentences.assign(**{k: sentences.get(k, "") for k in ("tokens", "source", "file", "sentence_no")
                                  if k not in sentences}))
    return tally.diagnostics(labelled)


def candidates(sentences: pd.DataFrame, codebook: Codebook, thresholds: dict[str, float], high: float = 0.8,
               min_count: int = 3, top: int = 20) -> pd.DataFrame:
    tally = LexiconTally(codebook, thresholds, high)
    tally.add(sentences.assign(**{k: sentences.get(k, 0) for k in ("file", "sentence_no") if k not in sentences}))
    return tally.candidates(min_count, top)


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


def write_lexicon(part_files: list[str], status_files: list[str], codebook: Codebook, thresholds: dict[str, float],
                  labelled_files: list[str], cfg: dict, out_diagnostics: str,
                  out_candidates: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rule's work: merge the batches' lexicon parts (see :mod:`reportdiag.tally`) for the
    diagnosed reports (:func:`reportdiag.diagnose.accepted_files`), then cue diagnostics (with the labelled files) and candidates."""
    from .diagnose import accepted_files
    from .io import write_csv
    from .tally import read_parts

    accepted = accepted_files(status_files)
    tally = LexiconTally(codebook, thresholds, high=cfg["high_confidence"])
    for part in read_parts(part_files):
        if part is not None:
            tally.merge(part, accepted)
    diag = tally.diagnostics(labelled_rows(labelled_files))
    cand = tally.candidates(min_count=cfg["min_count"], top=cfg["candidates"])
    write_csv(diag, out_diagnostics)
    write_csv(cand, out_candidates)
    return diag, cand

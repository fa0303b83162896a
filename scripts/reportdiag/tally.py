"""Per-batch partial results that the corpus-wide steps merge.

Each batch job reads its own sentences and scores once and keeps, per report file, what the
diagnosis, the cue lexicon and the residual themes need: report counts and evidence rows, cue and
word counts as sparse report × term matrices, residual sentences, and the paragraph context of
every evidence sentence. The corpus-wide steps then merge small files instead of re-reading every
sentence, so adding one report re-runs one batch and cheap merges. Counts stay per report because
which reports count is decided corpus-wide (an exact duplicate in another batch drops out).
"""
from __future__ import annotations

import pickle
from pathlib import Path
from typing import Iterator

import numpy as np
import scipy.sparse as sp

from .io import read_jsonl

CONTEXT_CHARS = 160  # paragraph text kept on each side of an evidence sentence
PARTS = ("diagnose", "lexicon", "residual", "contexts")


def file_index(files) -> tuple[np.ndarray, np.ndarray]:
    """The distinct report files (sorted) and, per row, the index of its file."""
    names, idx = np.unique(np.asarray(files, dtype=str), return_inverse=True)
    return names, idx.astype(np.int64)


class SentenceWords:
    """The distinct words of each sentence of a batch as a binary sentence × word matrix, built with
    one split per sentence and one hash factorisation for the batch (not a set per sentence)."""

    def __init__(self, tokens):
        import pandas as pd

        lists = [str(t).split() for t in (tokens.tolist() if hasattr(tokens, "tolist") else tokens)]
        rows = np.repeat(np.arange(len(lists)), [len(x) for x in lists])
        codes, self.words = pd.factorize(np.array([w for x in lists for w in x], dtype=object))
        M = sp.csr_matrix((np.ones(len(codes), np.int64), (rows, codes)), shape=(len(lists), len(self.words)))
        M.sum_duplicates()
        M.data[:] = 1
        self.matrix = M
        self._columns: dict = {}

    def counts(self, file_of: np.ndarray, n_files: int, keep, rows: np.ndarray | None = None):
        """Words passing ``keep`` (tested once per distinct word) and a report × word matrix: in how
        many of each report's sentences (those in ``rows``, all when None) a word occurs."""
        if keep not in self._columns:
            self._columns[keep] = np.flatnonzero([keep(w) for w in self.words])
        cols = self._columns[keep]
        B = self.matrix[:, cols] if rows is None else self.matrix[rows][:, cols]
        f = file_of if rows is None else file_of[rows]
        M = (sp.csr_matrix((np.ones(len(f), np.int64), (f, np.arange(len(f)))), shape=(n_files, len(f))) @ B).tocsc()
        used = np.flatnonzero(np.diff(M.indptr))
        return np.asarray(self.words[cols[used]], dtype=object), M[:, used].tocsr()


def label_matrix(sentences, labels: list[str]) -> np.ndarray:
    """Sentences × labels (``stance:category``): whether the sentence carries the label."""
    lists = {stance: sentences[stance].tolist() for stance in ("problem", "practice")}
    cols = [np.fromiter((cid in labs for labs in lists[stance]), bool, len(sentences))
            for stance, cid in (lab.split(":") for lab in labels)]
    return np.column_stack(cols) if cols else np.zeros((len(sentences), 0), bool)


def probability_matrix(sentences, labels: list[str]) -> np.ndarray:
    """Sentences × labels: the probability the classify step wrote for each label."""
    dicts = {stance: sentences[f"p_{stance}"].tolist() for stance in ("problem", "practice")}
    cols = [np.fromiter((d.get(cid, 0.0) for d in dicts[stance]), float, len(sentences))
            for stance, cid in (lab.split(":") for lab in labels)]
    return np.column_stack(cols) if cols else np.zeros((len(sentences), 0))


def row_mask(files: np.ndarray, accepted: set[str] | None) -> np.ndarray:
    return np.ones(len(files), bool) if accepted is None else np.isin(files, sorted(accepted))


def column_sums(M: sp.csr_matrix, mask: np.ndarray) -> np.ndarray:
    return np.asarray(M[np.flatnonzero(mask)].sum(axis=0)).ravel().astype(np.int64)


def add_counts(into: dict[str, int], words: np.ndarray, counts: np.ndarray) -> None:
    for k in np.flatnonzero(counts):
        w = words[k]
        into[w] = into.get(w, 0) + int(counts[k])


def paragraph_contexts(doc_files: list[str], wanted: set[tuple[str, int, int]]) -> dict:
    """For each (file, start, end) the text before the sentence, the sentence and the text after it,
    within its paragraph of the original text; documents are streamed, only what is wanted kept."""
    by_file: dict[str, list[tuple[int, int]]] = {}
    for f, a, b in wanted:
        by_file.setdefault(f, []).append((a, b))
    out = {}
    for path in doc_files:
        for doc in read_jsonl(path):
            for a, b in by_file.get(doc["file"], ()):
                text = doc["original"]
                p0 = text.rfind("\n", 0, a) + 1
                p1 = text.find("\n", b)
                p1 = len(text) if p1 < 0 else p1
                before, after = text[max(p0, a - CONTEXT_CHARS):a], text[b:min(p1, b + CONTEXT_CHARS)]
                out[(doc["file"], a, b)] = ("…" * (a - CONTEXT_CHARS > p0) + before, text[a:b],
                                            after + "…" * (b + CONTEXT_CHARS < p1))
    return out


def tally_batch(batch, doc_file: str, codebook, thresholds: dict[str, float], high: float) -> dict[str, object]:
    """The four partial results of one batch (see the module docstring) from its scored sentences
    (:func:`reportdiag.tables.scored_frame`); None where the batch has no sentences."""
    from .diagnose import evidence_table, report_counts
    from .lexicon import LexiconTally
    from .residual import residual_part

    out: dict[str, object] = {"diagnose": None, "lexicon": None, "residual": None, "contexts": {}}
    if batch is not None:
        evidence = evidence_table(batch, codebook)
        out["diagnose"] = {"counts": report_counts(batch, codebook), "evidence": evidence}
        out["contexts"] = paragraph_contexts([doc_file], set(zip(evidence["file"], evidence["start"], evidence["end"])))
        words = SentenceWords(batch["tokens"])
        out["lexicon"] = LexiconTally(codebook, thresholds, high).part(batch, words)
        out["residual"] = residual_part(batch, codebook, words)
    return out


def write_tally(parts: dict[str, object], outputs: dict[str, str]) -> None:
    for name in PARTS:
        Path(outputs[name]).parent.mkdir(parents=True, exist_ok=True)
        with open(outputs[name], "wb") as fh:
            pickle.dump(parts[name], fh, protocol=5)


def read_parts(paths: list[str]) -> Iterator:
    """The partial results of one kind, batch by batch (None for a batch without sentences)."""
    for p in paths:
        with open(p, "rb") as fh:
            yield pickle.load(fh)

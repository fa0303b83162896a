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


def word_counts(file_of: np.ndarray, docs, n_files: int) -> tuple[np.ndarray, sp.csr_matrix]:
    """Words of ``docs`` (iterables of distinct words) and a report × word matrix: in how many of
    each report's documents a word occurs."""
    vocab: dict[str, int] = {}
    rows, cols = [], []
    for f, d in zip(file_of, docs):
        for w in d:
            cols.append(vocab.setdefault(w, len(vocab)))
            rows.append(f)
    M = sp.csr_matrix((np.ones(len(cols), np.int64), (np.array(rows, np.int64), np.array(cols, np.int64))),
                      shape=(n_files, len(vocab)))
    M.sum_duplicates()
    return np.array(list(vocab), dtype=object), M


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


def tally_batch(doc_file: str, sentence_file: str, score_file: str, codebook, thresholds: dict[str, float],
                high: float) -> dict[str, object]:
    """The four partial results of one batch (see the module docstring); None where the batch has no
    sentences."""
    from .diagnose import evidence_table, report_counts
    from .lexicon import LexiconTally
    from .residual import residual_part
    from .tables import iter_scored_batches

    out: dict[str, object] = {"diagnose": None, "lexicon": None, "residual": None, "contexts": {}}
    batch = next(iter_scored_batches([sentence_file], [score_file]), None)
    if batch is not None:
        evidence = evidence_table(batch, codebook)
        out["diagnose"] = {"counts": report_counts(batch, codebook), "evidence": evidence}
        out["contexts"] = paragraph_contexts([doc_file], set(zip(evidence["file"], evidence["start"], evidence["end"])))
        out["lexicon"] = LexiconTally(codebook, thresholds, high).part(batch)
        out["residual"] = residual_part(batch, codebook)
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

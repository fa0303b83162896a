"""Character n-gram TF-IDF computed with numpy over a whole batch at once.

scikit-learn's char analyzer builds every n-gram as a Python string; on a batch of 10^5–10^6
characters that dominates classification. Here each n-gram is an integer code (a polynomial hash of
its code points), all codes of a batch are computed by array arithmetic, and looked up in the sorted
vocabulary with ``searchsorted``. The weighting follows ``TfidfVectorizer(sublinear_tf=True)``:
(1 + log tf) · idf, idf = ln((1 + n) / (1 + df)) + 1, then L2 row normalisation.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

_MUL = np.uint64(1_000_003)  # odd multiplier; codes wrap modulo 2**64 (collisions are negligible)


def _codes(texts: list[str], n: int) -> tuple[np.ndarray, np.ndarray]:
    """Codes of all n-grams that lie inside one text, and the row each belongs to."""
    if not texts:
        return np.empty(0, np.uint64), np.empty(0, np.int64)
    joined = "\x00".join(texts)
    cps = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    starts = np.concatenate([[0], np.cumsum(lengths + 1)[:-1]])
    rows_of_pos = np.repeat(np.arange(len(texts)), lengths + 1)[: len(cps)]
    m = len(cps) - n + 1
    if m <= 0:
        return np.empty(0, np.uint64), np.empty(0, np.int64)
    code = np.zeros(m, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for k in range(n):
            code = code * _MUL + cps[k:k + m] + np.uint64(1)
    # valid when the whole n-gram sits inside its own text (no separator inside)
    pos = np.arange(m)
    valid = (pos + n - 1) < (starts[rows_of_pos[:m]] + lengths[rows_of_pos[:m]])
    return code[valid], rows_of_pos[:m][valid]


class CharNgramTfidf:
    def __init__(self, ngram_range: tuple[int, int] = (1, 4), min_df: int = 2, max_features: int | None = None):
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.max_features = max_features

    def _all(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray, dict]:
        codes, rows, names = [], [], {}
        for n in range(self.ngram_range[0], self.ngram_range[1] + 1):
            c, r = _codes(texts, n)
            codes.append(c)
            rows.append(r)
        return np.concatenate(codes), np.concatenate(rows), names

    def fit(self, texts: list[str]) -> "CharNgramTfidf":
        codes, rows, _ = self._all(texts)
        # document frequency: unique (row, code) pairs
        pairs = np.unique(np.stack([codes, rows.astype(np.uint64)], axis=1), axis=0)
        vocab, df = np.unique(pairs[:, 0], return_counts=True)
        tf_total = np.unique(codes, return_counts=True)[1]
        keep = df >= self.min_df
        vocab, df, tf_total = vocab[keep], df[keep], tf_total[keep]
        if self.max_features and len(vocab) > self.max_features:
            # most frequent first, ties by code so the choice is deterministic
            order = np.lexsort((vocab, -tf_total))[: self.max_features]
            order.sort()
            vocab, df = vocab[order], df[order]
        self.vocab_ = vocab
        self.idf_ = np.log((1 + len(texts)) / (1 + df)) + 1.0
        self._names_from(texts)
        return self

    def _names_from(self, texts: list[str]) -> None:
        """Readable n-gram strings for the vocabulary (for explanations)."""
        names = np.empty(len(self.vocab_), dtype=object)
        for n in range(self.ngram_range[0], self.ngram_range[1] + 1):
            for t in texts:
                if len(t) < n:
                    continue
                c, _ = _codes([t], n)
                idx = np.searchsorted(self.vocab_, c)
                idx[idx >= len(self.vocab_)] = 0
                hit = self.vocab_[idx] == c
                for j, i in zip(np.nonzero(hit)[0], idx[hit]):
                    if names[i] is None:
                        names[i] = t[j:j + n]
        self.names_ = names

    def _lookup(self, codes: np.ndarray) -> np.ndarray:
        """Vocabulary index of each code, -1 where absent: a hash table (pandas' Index) is four
        times faster than a binary search over the sorted vocabulary for millions of codes."""
        import pandas as pd

        if getattr(self, "_index", None) is None:
            self._index = pd.Index(self.vocab_)
        return self._index.get_indexer(codes)

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_index", None)  # rebuilt on first use
        return state

    def transform(self, texts: list[str]) -> sp.csr_matrix:
        codes, rows, _ = self._all(texts)
        idx = self._lookup(codes)
        hit = idx >= 0
        X = sp.csr_matrix((np.ones(int(hit.sum())), (rows[hit], idx[hit])), shape=(len(texts), len(self.vocab_)))
        X.sum_duplicates()
        X.data = (1.0 + np.log(X.data)) * self.idf_[X.indices]
        return _l2_rows(X)

    def get_feature_names_out(self, input_features=None):
        return self.names_


class WordTfidf:
    """TF-IDF over pre-split words (space-separated tokens), the weighting of
    ``TfidfVectorizer(analyzer=str.split, sublinear_tf=True)`` without importing scikit-learn, whose
    import alone costs each batch job over a second."""

    def __init__(self, min_df: int = 1):
        self.min_df = min_df

    def fit(self, docs: list[str]) -> "WordTfidf":
        return self.fit_counts(document_frequencies(docs), len(docs))

    def fit_counts(self, df: dict[str, int], n_docs: int) -> "WordTfidf":
        """Fit from document frequencies counted elsewhere (e.g. batch by batch over a corpus)."""
        kept = sorted(w for w, k in df.items() if k >= self.min_df)  # sorted, as scikit-learn orders it
        self.names_ = np.array(kept, dtype=object)
        self.vocab_ = {w: i for i, w in enumerate(kept)}
        counts = np.array([df[w] for w in kept], dtype=np.float64)
        self.idf_ = np.log((1 + n_docs) / (1 + counts)) + 1.0
        return self

    def transform(self, docs: list[str]) -> sp.csr_matrix:
        vocab = self.vocab_
        cols, lengths = [], []
        for d in docs:
            ids = [i for i in map(vocab.get, d.split()) if i is not None]
            cols.extend(ids)
            lengths.append(len(ids))
        rows = np.repeat(np.arange(len(docs)), lengths)
        X = sp.csr_matrix((np.ones(len(cols)), (rows, np.array(cols, dtype=np.int64))),
                          shape=(len(docs), len(self.names_)))
        X.sum_duplicates()
        X.data = (1.0 + np.log(X.data)) * self.idf_[X.indices]
        return _l2_rows(X)

    def get_feature_names_out(self, input_features=None):
        return self.names_


def document_frequencies(docs: list[str], into: dict[str, int] | None = None) -> dict[str, int]:
    """In how many of ``docs`` (space-separated words) each word occurs, added to ``into``."""
    df = {} if into is None else into
    for d in docs:
        for w in set(d.split()):
            df[w] = df.get(w, 0) + 1
    return df


def _l2_rows(X: sp.csr_matrix) -> sp.csr_matrix:
    norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.csr_matrix(sp.diags(1.0 / norms) @ X)

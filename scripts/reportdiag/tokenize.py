"""Word segmentation with the project's domain dictionary.

Two backends with the same dictionary: ``jieba`` (the reference, pure Python) and ``rjieba``
(jieba-rs, a Rust port). The config chooses; the manifest records which ran.
"""
from __future__ import annotations

import hashlib
import logging
from pathlib import Path

log = logging.getLogger(__name__)
BACKENDS = ("jieba", "rjieba")


def read_userdict(path: Path | str) -> list[tuple[str, int, str]]:
    entries = []
    for line in Path(path).read_text(encoding="utf-8-sig").splitlines():
        parts = line.strip().split()
        if not parts:
            continue
        word = parts[0]
        freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 2000
        tag = parts[2] if len(parts) > 2 else "n"
        entries.append((word, freq, tag))
    return entries


def dictionary_hash(path: Path | str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


class Tokenizer:
    """A segmenter instance with the domain dictionary loaded in this process (jieba ignores
    dictionaries loaded before a fork, so each job builds its own)."""

    def __init__(self, userdict: Path | str | None, backend: str = "jieba"):
        if backend not in BACKENDS:
            raise ValueError(f"segmenter must be one of {BACKENDS}, not {backend!r}")
        self.backend = backend
        entries = read_userdict(userdict) if userdict else []
        if backend == "jieba":
            import jieba

            jieba.setLogLevel(logging.WARNING)
            self._tk = jieba.Tokenizer()
            self._tk.initialize()
            for word, freq, tag in entries:
                self._tk.add_word(word, freq, tag)
            self._cut = lambda s: self._tk.lcut(s, HMM=True)
        else:
            import rjieba

            self._tk = rjieba.Jieba()
            for word, freq, tag in entries:
                self._tk.add_word(word, freq, tag)
            self._cut = lambda s: self._tk.cut(s, True)

    def cut(self, text: str) -> list[str]:
        return [t for t in self._cut(text) if t.strip()]

    def cut_many(self, texts: list[str]) -> list[list[str]]:
        return [self.cut(t) for t in texts]

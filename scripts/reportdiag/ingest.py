"""Ingest one batch of corpus files: read, normalise, attach metadata; reject what cannot be read."""
from __future__ import annotations

import logging
from pathlib import Path

from .corpus import corpus_paths, resolve_metadata
from .io import sha256_file, sha256_text
from .normalize import normalise, replace_surrogates
from .readers import Rejected, read_file

log = logging.getLogger(__name__)

STATUS_COLUMNS = [
    "file", "status", "reason", "message", "report_id", "unit", "unit_type", "year", "genre", "title",
    "sha256", "text_sha256", "encoding", "n_chars",
]


def _sha256(path: Path) -> str:
    """Hash of the raw bytes, streamed in 1 MiB blocks (also for too_large files); empty when the
    file cannot be opened, which read_file reports as unreadable."""
    try:
        return sha256_file(path)
    except OSError:
        return ""


def ingest_file(corpus: Path, rel: str, meta_row: dict | None, max_bytes: int,
                t2s: bool = True, disk_rel: str | None = None) -> tuple[dict | None, dict]:
    """One file → (document or None, status row). Never raises for bad input. ``rel`` is the
    file's name in the tables; ``disk_rel`` its path on disk when that differs (see corpus_paths)."""
    path = corpus / (disk_rel or rel)
    meta, _ = resolve_metadata(rel, meta_row)
    status = {"file": rel, "status": "ok", "reason": "", "message": "", **meta,
              "sha256": _sha256(path), "text_sha256": "", "encoding": "", "n_chars": 0}
    try:
        result = read_file(path, max_bytes=max_bytes)
    except Rejected as r:
        status.update(status="rejected", reason=r.code, message=r.message)
        return None, status
    except Exception as e:  # a reader bug must not lose the file: record it and go on
        log.exception("unexpected error reading %s", rel)
        status.update(status="rejected", reason="corrupt_file", message=f"{type(e).__name__}: {e}"[:300])
        return None, status
    original = replace_surrogates(result.text)
    norm = normalise(original, traditional_to_simplified=t2s)
    status.update(encoding=result.encoding, n_chars=len(original), text_sha256=sha256_text(norm.text))
    doc = {
        "file": rel, "report_id": meta["report_id"], "original": original, "text": norm.text,
        "norm_pos": norm.norm_pos, "orig_pos": norm.orig_pos,
    }
    return doc, status


def ingest_batch(corpus: Path | str, files: list[str], meta_rows: dict[str, dict] | None,
                 max_bytes: int, t2s: bool = True) -> tuple[list[dict], list[dict]]:
    corpus = Path(corpus)
    on_disk = corpus_paths(corpus)
    docs, statuses = [], []
    for i, rel in enumerate(files, 1):
        doc, status = ingest_file(corpus, rel, (meta_rows or {}).get(rel), max_bytes, t2s, on_disk.get(rel))
        statuses.append(status)
        if doc is not None:
            docs.append(doc)
        else:
            log.warning("rejected %s: %s", rel, status["message"])
        if i % 100 == 0:
            log.info("ingested %d/%d files", i, len(files))
    log.info("batch done: %d files, %d read, %d rejected", len(files), len(docs), len(files) - len(docs))
    return docs, statuses

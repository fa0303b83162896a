"""Logging for rule scripts: everything goes to the rule's ``log:`` file."""
from __future__ import annotations

import logging
import sys


def setup(log_path: str | None = None, level: int = logging.INFO) -> logging.Logger:
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_path:
        handlers = [logging.FileHandler(log_path, mode="w", encoding="utf-8")]
    logging.basicConfig(level=level, handlers=handlers, force=True,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("jieba").setLevel(logging.WARNING)
    return logging.getLogger("reportdiag")

"""The codebook YAML: the single source of category ids, names, cue terms and mechanisms."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import yaml

SCHEMA = Path(__file__).resolve().parents[2] / "resources" / "codebook.schema.yaml"
DEFAULT = Path(__file__).resolve().parents[2] / "resources" / "codebook.yaml"
STANCES = ("problem", "practice")


class CodebookError(ValueError):
    pass


@dataclass
class Codebook:
    data: dict
    path: Path
    sha256: str

    @property
    def categories(self) -> list[dict]:
        return self.data["categories"]

    @property
    def ids(self) -> list[str]:
        return [c["id"] for c in self.categories]

    def category(self, cid: str) -> dict:
        return next(c for c in self.categories if c["id"] == cid)

    @property
    def stance(self) -> dict:
        return self.data["stance"]

    @cached_property
    def label_names(self) -> list[str]:
        """Model outputs in a fixed order: ``problem:goal`` … ``practice:evaluation``."""
        return [f"{s}:{c}" for s in STANCES for c in self.ids]

    def cue_pattern(self, terms: list[str]) -> re.Pattern:
        # longest first so that overlapping cues match the most specific term
        alts = sorted({t for t in terms if t}, key=lambda t: (-len(t), t))
        return re.compile("|".join(map(re.escape, alts))) if alts else re.compile(r"(?!x)x")


def _validate(data: dict, path: Path) -> None:
    import jsonschema

    schema = yaml.safe_load(SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        e = errors[0]
        where = "/".join(str(p) for p in e.absolute_path) or "(top level)"
        raise CodebookError(f"{path}: invalid codebook at {where}: {e.message}")
    ids = [c["id"] for c in data["categories"]]
    dup = {i for i in ids if ids.count(i) > 1}
    if dup:
        raise CodebookError(f"{path}: invalid codebook at categories: duplicate id(s) {sorted(dup)}")


def load_codebook(path: Path | str | None = None, extend: Path | str | None = None) -> Codebook:
    """Load and validate a codebook. ``extend`` adds categories (or replaces those with the same
    id) from a user's YAML with the same structure."""
    path = Path(path or DEFAULT)
    raw = path.read_bytes()
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as e:
        raise CodebookError(f"{path}: not valid YAML: {e}") from e
    if not isinstance(data, dict):
        raise CodebookError(f"{path}: invalid codebook at (top level): expected a mapping")
    h = hashlib.sha256(raw)
    if extend:
        ext_path = Path(extend)
        ext_raw = ext_path.read_bytes()
        ext = yaml.safe_load(ext_raw) or {}
        by_id = {c["id"]: c for c in data["categories"]}
        for c in ext.get("categories", []):
            by_id[c.get("id")] = c
        data["categories"] = list(by_id.values())
        h.update(ext_raw)
    _validate(data, path)
    return Codebook(data, path, h.hexdigest())

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
# the codebook's stance cue lists (besides the section headings)
STANCE_CUES = ("problem", "practice", "negation", "requirement", "planned", "achieved")


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


def _schema() -> dict:
    return yaml.load(SCHEMA.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)


def _extension_schema() -> dict:
    """A user's extension: categories as in the codebook (each complete), and/or stance cue lists
    to add; nothing else."""
    main = _schema()
    stance = dict(main["properties"]["stance"])
    stance.pop("required", None)
    stance["additionalProperties"] = False
    stance["properties"] = dict(stance["properties"], headings={
        k: v for k, v in stance["properties"]["headings"].items() if k != "required"})
    return {"type": "object", "minProperties": 1, "additionalProperties": False,
            "properties": {"categories": main["properties"]["categories"], "stance": stance}}


def _check(data, schema: dict, path: Path, what: str = "codebook") -> None:
    import jsonschema

    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        e = errors[0]
        parts = list(e.absolute_path)
        where = "/".join(str(p) for p in parts) or "(top level)"
        if len(parts) >= 2 and parts[0] == "categories" and isinstance(data, dict):
            item = data["categories"][parts[1]]
            if isinstance(item, dict) and item.get("id"):
                where += f" (category '{item['id']}')"
        raise CodebookError(f"{path}: invalid {what} at {where}: {e.message}")


def _validate(data: dict, path: Path) -> None:
    _check(data, _schema(), path)
    ids = [c["id"] for c in data["categories"]]
    dup = {i for i in ids if ids.count(i) > 1}
    if dup:
        raise CodebookError(f"{path}: invalid codebook at categories: duplicate id(s) {sorted(dup)}")


def _read(path: Path) -> tuple[dict, bytes]:
    if not path.is_file():
        raise CodebookError(f"{path}: codebook file not found")
    raw = path.read_bytes()
    try:
        data = yaml.load(raw, Loader=yaml.CSafeLoader)  # libyaml: every batch job reads the codebook
    except yaml.YAMLError as e:
        raise CodebookError(f"{path}: not valid YAML: {e}") from e
    if not isinstance(data, dict):
        raise CodebookError(f"{path}: invalid codebook at (top level): expected a mapping")
    return data, raw


def load_codebook(path: Path | str | None = None, extend: Path | str | None = None) -> Codebook:
    """Load and validate a codebook. ``extend`` is a user's YAML whose ``categories`` are added (or
    replace those with the same id) and whose ``stance`` cue lists are added to the codebook's."""
    path = Path(path or DEFAULT)
    data, raw = _read(path)
    if isinstance(data, dict) and isinstance(data.get("stance"), dict):
        data["stance"].setdefault("achieved", [])  # added later than the others: older codebooks lack it
    h = hashlib.sha256(raw)
    if extend:
        ext_path = Path(extend)
        ext, ext_raw = _read(ext_path)
        _check(ext, _extension_schema(), ext_path, "codebook extension")
        _validate(data, path)
        by_id = {c["id"]: c for c in data["categories"]}
        for c in ext.get("categories", []):
            by_id[c["id"]] = c
        data["categories"] = list(by_id.values())
        for key, terms in ext.get("stance", {}).items():
            if key == "headings":
                for side, more in terms.items():
                    data["stance"]["headings"][side] = list(dict.fromkeys(data["stance"]["headings"][side] + more))
            else:
                data["stance"][key] = list(dict.fromkeys(data["stance"][key] + terms))
        h.update(ext_raw)
    _validate(data, path)
    return Codebook(data, path, h.hexdigest())

"""Provenance of one run (results/manifest.json): every input file's hash and fate, the config,
the hashes of the codebook, model, training data and segmenter dictionary, package versions and
the hashes of the tables. The run id is a hash of this content, so identical inputs give the
same manifest and the same run id; nothing in it depends on the clock or on where files live."""
from __future__ import annotations

import hashlib
import json
import platform
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pandas as pd

from .codebook import Codebook
from .io import read_jsonl, sha256_file
from .tokenize import dictionary_hash

MANIFEST_VERSION = 1
PACKAGES = ("reportdiag", "snakemake", "jieba", "rjieba", "pyahocorasick", "opencc", "scikit-learn", "numpy",
            "scipy", "pandas", "openpyxl", "matplotlib", "python-docx", "pypdfium2", "charset-normalizer",
            "beautifulsoup4", "lxml", "pyyaml", "jsonschema", "joblib")
# machine-local locations: their contents are recorded by hash instead, so the same inputs in
# another folder give the same manifest
LOCATION_KEYS = ("corpus", "results", "model_dir")
MODEL_FIELDS = ("variant", "params", "thresholds", "folds", "n_sentences", "n_docs", "n_user_sentences",
                "codebook_sha256", "training_sha256", "userdict_sha256", "versions")


def _package_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return ""


def segmenter_info(name: str, userdict: str) -> dict:
    info = {"name": name, "version": _package_version(name), "userdict": userdict,
            "userdict_sha256": dictionary_hash(userdict)}
    if name == "jieba":  # rjieba compiles its base dictionary in, so its version identifies it
        import jieba

        info["base_dictionary_sha256"] = sha256_file(Path(jieba.__file__).with_name("dict.txt"))
    return info


def input_files(status_files: list[str], reports: pd.DataFrame, rejected: pd.DataFrame) -> list[dict]:
    """Each corpus file once, with its sha256 and what became of it: its report_id when it was
    analysed, the rejection reason otherwise."""
    reasons = dict(zip(rejected["file"], rejected["reason"]))
    analysed = dict(zip(reports["file"], reports["report_id"]))
    rows = []
    for f in status_files:
        for s in read_jsonl(f):
            rows.append({"file": s["file"], "sha256": s["sha256"], "report_id": analysed.get(s["file"], ""),
                         "status": "analysed" if s["file"] in analysed else f"rejected:{reasons.get(s['file'], '')}"})
    return sorted(rows, key=lambda r: r["file"])


def build_manifest(*, status_files: list[str], reports: pd.DataFrame, rejected: pd.DataFrame,
                   codebook: Codebook, codebook_extend: str, model_file: str, model_meta: str,
                   training_files: list[str], userdict: str, segmenter: str, config: dict,
                   tables: dict[str, str], extra_files: dict[str, str]) -> dict:
    """``tables`` and ``extra_files`` map a name to a file whose sha256 is recorded."""
    meta = json.loads(Path(model_meta).read_text(encoding="utf-8"))
    files = input_files(status_files, reports, rejected)
    body = {
        "manifest_version": MANIFEST_VERSION,
        "inputs": files,
        "counts": {"files": len(files), "reports": len(reports), "rejected": len(rejected)},
        "config": {k: v for k, v in sorted(config.items()) if k not in LOCATION_KEYS},
        "codebook": {"path": str(codebook.path), "extend": codebook_extend, "sha256": codebook.sha256,
                     "version": codebook.data.get("version"), "categories": codebook.ids},
        "model": {"sha256": sha256_file(model_file), **{k: meta[k] for k in MODEL_FIELDS if k in meta}},
        "training_data": {"sha256": meta.get("training_sha256", ""),
                          "files": {f: sha256_file(f) for f in sorted(training_files)}},
        "segmenter": segmenter_info(segmenter, userdict),
        "resources": {name: sha256_file(p) for name, p in sorted(extra_files.items())},
        "packages": {"python": platform.python_version(), **{p: _package_version(p) for p in PACKAGES}},
        "tables": {name: sha256_file(p) for name, p in sorted(tables.items())},
    }
    return {"run_id": run_id(body), **body}


def run_id(body: dict) -> str:
    canonical = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def write_manifest(manifest: dict, path: Path | str) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        json.dump(manifest, fh, ensure_ascii=False, sort_keys=True, indent=1)
        fh.write("\n")

# Configuration, validation and the batch plan; everything the rules below look up.
import os
from importlib.metadata import version
from pathlib import Path

from snakemake.utils import min_version, validate

from reportdiag.corpus import batches, list_corpus, read_metadata

min_version("9.0")

configfile: "config/config.yaml"


validate(config, "../config/config.schema.yaml")

CORPUS = config["corpus"]
R = config["results"]
MODEL = config["model_dir"]
FILES = list_corpus(CORPUS)
BATCH = {b: fs for b, fs in batches(FILES, config["batches"]).items() if fs}
METADATA = read_metadata(CORPUS) or {}
ANNOTATIONS = sorted(
    str(p) for p in Path(config.get("annotations") or "data/annotations").glob("*")
    if p.suffix.lower() in (".jsonl", ".csv", ".xlsx") and not p.name.startswith(".")
)
# the model is retrained when the libraries that pickle it change
MODEL_STACK = {p: version(p) for p in ("scikit-learn", "numpy", "scipy", "jieba")}


def batch_files(wildcards):
    """Existing files of a batch (broken links are left to ingest, which rejects them)."""
    return [f for f in (os.path.join(CORPUS, rel) for rel in BATCH[wildcards.batch]) if os.path.exists(f)]


def batch_metadata(wildcards):
    return {rel: METADATA[rel] for rel in BATCH[wildcards.batch] if rel in METADATA}


def all_batches(pattern):
    return expand(pattern, batch=sorted(BATCH))

# Configuration, validation and the batch plan; everything the rules below look up.
import hashlib
import os
from importlib.metadata import version
from pathlib import Path

from snakemake.exceptions import WorkflowError
from snakemake.utils import min_version, validate

from reportdiag.codebook import load_codebook
from reportdiag.corpus import batches, corpus_paths, read_metadata
from reportdiag import MODEL_FORMAT

min_version("9.0")

configfile: "config/config.yaml"


validate(config, "../config/config.schema.yaml")
# a malformed codebook or extension stops the run here, naming the file and the field
load_codebook(config["codebook"], config["codebook_extend"] or None)
CODEBOOK_EXTEND = [config["codebook_extend"]] if config["codebook_extend"] else []

CORPUS = config["corpus"]
R = config["results"]
MODEL = config["model_dir"]
ON_DISK = corpus_paths(CORPUS)  # table name → path on disk (they differ for NFD or GBK-encoded names)
FILES = sorted(ON_DISK)
BATCH = {b: fs for b, fs in batches(FILES, config["batches"]).items() if fs}
METADATA = read_metadata(CORPUS) or {}
# training files may be given as glob patterns; sorted so the model sees them in a fixed order
TRAINING = sorted({str(p) for pat in config["training"] for p in Path().glob(pat)})
if not TRAINING:
    raise WorkflowError(f"no training files match {config['training']} (config key 'training')")
ANNOTATIONS = sorted(
    str(p) for p in Path(config.get("annotations") or "data/annotations").glob("*")
    if p.suffix.lower() in (".jsonl", ".csv", ".xlsx") and not p.name.startswith(".")
)
# the model is retrained when the libraries that pickle it, its pickled form, or the code that fits it
# change (Snakemake tracks a rule's script, not the modules the script imports)
FIT_MODULES = ("annotations", "classify", "features", "metrics", "model", "ngrams", "normalize", "tokenize",
               "training")
MODEL_STACK = {**{p: version(p) for p in ("scikit-learn", "numpy", "scipy", "jieba")}, "format": MODEL_FORMAT,
               "code": hashlib.sha256(b"".join(Path(workflow.basedir, "scripts", "reportdiag", f"{m}.py").read_bytes()
                                               for m in FIT_MODULES)).hexdigest()}


def batch_files(wildcards):
    """Existing files of a batch (broken links are left to ingest, which rejects them; names that
    are not UTF-8 on disk are read by ingest but cannot be tracked as Snakemake inputs)."""
    paths = (os.path.join(CORPUS, ON_DISK[rel]) for rel in BATCH[wildcards.batch])
    return [f for f in paths if os.path.exists(f) and _is_utf8(f)]


def _is_utf8(path):
    try:
        path.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


def batch_metadata(wildcards):
    return {rel: METADATA[rel] for rel in BATCH[wildcards.batch] if rel in METADATA}


def all_batches(pattern):
    return expand(pattern, batch=sorted(BATCH))

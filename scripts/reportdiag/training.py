"""Train the default model from the project's own labelled sentences, choose thresholds by grouped
cross-validation, compare feature variants, and save the model with what made it."""
from __future__ import annotations

import hashlib
import json
import logging
import platform
from pathlib import Path

import pickle
import numpy as np

from .codebook import Codebook
from .io import read_jsonl
from .metrics import evaluate_sets
from .model import SentenceModel, VARIANTS, choose_thresholds, out_of_fold

log = logging.getLogger(__name__)


def load_training(paths: list[Path | str]) -> list[dict]:
    """Labelled sentences from JSON Lines files, in file order. Repeated texts (stock headings such
    as "二、存在的问题") stay: each sits in its own document and gives context to what follows."""
    rows = []
    for path in paths:
        for i, r in enumerate(read_jsonl(path)):
            r.setdefault("doc", f"{Path(path).stem}-{r.get('id', i)}")
            rows.append(r)
    return rows


def label_matrix(rows: list[dict], labels: list[str]) -> np.ndarray:
    Y = np.zeros((len(rows), len(labels)), dtype=int)
    for i, r in enumerate(rows):
        for j, lab in enumerate(labels):
            stance, cid = lab.split(":")
            Y[i, j] = int(cid in r.get(stance, []))
    return Y


def to_sets(M: np.ndarray, labels: list[str]) -> list[dict]:
    out = []
    for row in M:
        d = {"problem": [], "practice": []}
        for j, lab in enumerate(labels):
            if row[j]:
                stance, cid = lab.split(":")
                d[stance].append(cid)
        out.append(d)
    return out


def versions() -> dict:
    import jieba
    import pandas
    import scipy
    import sklearn

    return {"python": platform.python_version(), "scikit-learn": sklearn.__version__, "numpy": np.__version__,
            "scipy": scipy.__version__, "pandas": pandas.__version__, "jieba": jieba.__version__}


def files_hash(paths: list[Path | str]) -> str:
    h = hashlib.sha256()
    for p in paths:
        h.update(Path(p).name.encode())
        h.update(Path(p).read_bytes())
    return h.hexdigest()


def cross_validate(codebook: Codebook, rows, Y, groups, variant: str, folds: int, params: dict):
    make = lambda: SentenceModel(codebook, variant=variant, **params)  # noqa: E731
    P = out_of_fold(make, rows, Y, groups, folds)
    labels = codebook.label_names
    thresholds = choose_thresholds(labels, Y, P)
    T = np.array([thresholds[lab] for lab in labels])
    report = evaluate_sets(to_sets(Y, labels), to_sets(P >= T, labels), codebook.ids)
    return thresholds, report


def train(codebook: Codebook, rows: list[dict], variant: str, params: dict, folds: int = 5,
          compare: list[str] | None = None) -> tuple[SentenceModel, dict]:
    labels = codebook.label_names
    Y = label_matrix(rows, labels)
    groups = [r["doc"] for r in rows]
    comparison = {}
    for v in (compare or []):
        if v == variant:
            continue
        _, rep = cross_validate(codebook, rows, Y, groups, v, folds, params)
        comparison[v] = {"problem_macro_f1": rep["problem"]["macro_f1"],
                         "practice_macro_f1": rep["practice"]["macro_f1"]}
        log.info("variant %s: %s", v, comparison[v])
    thresholds, cv = cross_validate(codebook, rows, Y, groups, variant, folds, params)
    comparison[variant] = {"problem_macro_f1": cv["problem"]["macro_f1"],
                           "practice_macro_f1": cv["practice"]["macro_f1"]}
    model = SentenceModel(codebook, variant=variant, **params).fit(rows, Y)
    model.thresholds = thresholds
    info = {
        "variant": variant, "params": params, "folds": folds, "thresholds": thresholds,
        "n_sentences": len(rows), "n_docs": len(set(groups)),
        "label_counts": {lab: int(Y[:, j].sum()) for j, lab in enumerate(labels)},
        "n_unlabelled": int((Y.sum(axis=1) == 0).sum()),
        "cv": cv, "comparison": dict(sorted(comparison.items())),
        "constant_labels": [lab for lab, m in zip(labels, model.models_) if not hasattr(m, "calibrated_classifiers_")],
    }
    return model, info


def save(model: SentenceModel, info: dict, out_dir: Path | str, provenance: dict) -> None:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    # plain pickle (C unpickler): loads several times faster than joblib's, and each batch job loads it
    with open(out_dir / "model.pkl", "wb") as fh:
        pickle.dump(model, fh, protocol=5)
    meta = {**info, **provenance, "versions": versions(),
            "model_sha256": hashlib.sha256((out_dir / "model.pkl").read_bytes()).hexdigest()}
    (out_dir / "model.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
                                        encoding="utf-8")


class ModelVersionError(RuntimeError):
    pass


def load(model_dir: Path | str) -> tuple[SentenceModel, dict]:
    model_dir = Path(model_dir)
    meta = json.loads((model_dir / "model.json").read_text(encoding="utf-8"))
    now = versions()
    stale = {k: (v, now.get(k)) for k, v in meta["versions"].items() if k != "python" and now.get(k) != v}
    if stale:
        raise ModelVersionError(f"model in {model_dir} was saved with other library versions {stale}; "
                                "retrain it (snakemake retrains when the versions change)")
    with open(model_dir / "model.pkl", "rb") as fh:
        return pickle.load(fh), meta


def model_card_section(info: dict) -> list[str]:
    """Markdown lines describing the training data, variants and cross-validation figures."""
    lines = [
        f"- Variant: `{info['variant']}` with {info['params']}; thresholds chosen by {info['folds']}-fold "
        "cross-validation grouped by document.",
        f"- Training data: {info['n_sentences']} sentences in {info['n_docs']} mini-documents; "
        f"{info['n_unlabelled']} without any label.",
        "", "| label | sentences | threshold | CV precision | CV recall | CV F1 |", "|---|---|---|---|---|---|",
    ]
    for lab, n in info["label_counts"].items():
        stance, cid = lab.split(":")
        m = info["cv"][stance]["per_category"].get(cid, {})
        lines.append(f"| {lab} | {n} | {info['thresholds'][lab]:.3f} | {m.get('precision', 0):.3f} | "
                     f"{m.get('recall', 0):.3f} | {m.get('f1', 0):.3f} |")
    lines += ["", "Feature variants compared by the same cross-validation (macro-F1):", "",
              "| variant | problem | practice |", "|---|---|---|"]
    for v, r in info["comparison"].items():
        mark = " (default)" if v == info["variant"] else ""
        lines.append(f"| {v}{mark} | {r['problem_macro_f1']:.3f} | {r['practice_macro_f1']:.3f} |")
    if info.get("constant_labels"):
        lines.append(f"\nLabels with too few examples to learn (constant prevalence): {info['constant_labels']}")
    return lines


def build_and_save(codebook: Codebook, training: list[str], annotations: list[str], userdict: str,
                   out_dir: str, model_cfg: dict) -> dict:
    from .annotations import load_annotations
    from .classify import prepare
    from .tokenize import Tokenizer, dictionary_hash

    rows = load_training(training)
    user = load_annotations(annotations) if annotations else []
    if user:
        user_texts = {r["text"].strip() for r in user}
        rows = [r for r in rows if r["text"].strip() not in user_texts] + user
        log.info("%d user-labelled sentences merged (user labels win on the same text)", len(user))
    rows = prepare(rows, Tokenizer(userdict))
    params = {k: model_cfg[k] for k in ("C", "context_weight", "cue_weight") if k in model_cfg}
    model, info = train(codebook, rows, model_cfg["variant"], params, folds=model_cfg.get("folds", 5),
                        compare=model_cfg.get("compare", []))
    info["n_user_sentences"] = len(user)
    provenance = {"training_sha256": files_hash(training + annotations), "codebook_sha256": codebook.sha256,
                  "userdict_sha256": dictionary_hash(userdict), "training_files": [Path(p).name for p in training]}
    save(model, info, out_dir, provenance)
    Path(out_dir, "model_card.md").write_text("\n".join(model_card_section(info)) + "\n", encoding="utf-8")
    return info

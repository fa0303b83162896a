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
from .metrics import evaluate_sets, f1_table
from . import MODEL_FORMAT
from .model import SentenceModel, VARIANTS, choose_thresholds, out_of_fold

log = logging.getLogger(__name__)


def load_training(paths: list[Path | str]) -> list[dict]:
    """Labelled sentences from JSON Lines files, in file order. Repeated texts (stock headings such
    as "二、存在的问题") stay: each sits in its own document and gives context to what follows.
    Each file holds one register (news, 述职, academic …), recorded as ``register``."""
    rows = []
    for path in paths:
        for i, r in enumerate(read_jsonl(path)):
            r.setdefault("doc", f"{Path(path).stem}-{r.get('id', i)}")
            r.setdefault("register", Path(path).stem)
            rows.append(r)
    return rows


def cv_folds(rows: list[dict], folds: int) -> np.ndarray:
    """Each row's cross-validation fold. The project's rows by whole registers (training files,
    ``GroupKFold``), so every fold scores writing in a register the model has not seen, as it will
    score reports nobody wrote for it; thresholds chosen on document-grouped folds were too high for
    real reports (they scored 0.62/0.59 problem/practice macro-F1 on the development set against
    0.64/0.60 this way). A user's rows carry no register: their documents go round-robin over the
    folds (in hash order), so every fold trains on most of them. Left to ``GroupKFold`` they all
    landed in the smallest fold, and a category only the user labels was never learned in CV."""
    from sklearn.model_selection import GroupKFold

    fold = np.zeros(len(rows), dtype=int)
    project = [i for i, r in enumerate(rows) if r.get("register")]
    for k, (_, te) in enumerate(GroupKFold(n_splits=folds).split(project, groups=[rows[i]["register"] for i in project])):
        fold[[project[i] for i in te]] = k
    user_docs = sorted({r["doc"] for r in rows if not r.get("register")}, key=lambda d: hashlib.sha256(d.encode()).hexdigest())
    doc_fold = {d: k % folds for k, d in enumerate(user_docs)}
    for i, r in enumerate(rows):
        if not r.get("register"):
            fold[i] = doc_fold[r["doc"]]
    return fold


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
    # from the installed metadata: importing scikit-learn and jieba just to read a version costs seconds
    from importlib.metadata import version

    return {"python": platform.python_version(),
            **{name: version(name) for name in ("scikit-learn", "numpy", "scipy", "pandas", "jieba")}}


def files_hash(paths: list[Path | str]) -> str:
    h = hashlib.sha256()
    for p in paths:
        h.update(Path(p).name.encode())
        h.update(Path(p).read_bytes())
    return h.hexdigest()


def cross_validate(codebook: Codebook, rows, Y, fold, w, variant: str, params: dict):
    """Thresholds and figures of the model's heads combined, from out-of-fold probabilities; with
    more than one head, also each head alone (same folds, own thresholds) for the model card."""
    make = lambda: SentenceModel(codebook, variant=variant, **params)  # noqa: E731
    P_heads = out_of_fold(make, rows, Y, fold, w)
    labels = codebook.label_names

    def figures(P):
        thresholds = choose_thresholds(labels, Y, P)
        T = np.array([thresholds[lab] for lab in labels])
        return thresholds, evaluate_sets(to_sets(Y, labels), to_sets(P >= T, labels), codebook.ids)

    thresholds, report = figures(SentenceModel.combine(P_heads))
    alone = {h: macro(figures(P)[1]) for h, P in P_heads.items()} if len(P_heads) > 1 else {}
    return thresholds, report, alone


def macro(report: dict) -> dict:
    return {"problem_macro_f1": report["problem"]["macro_f1"], "practice_macro_f1": report["practice"]["macro_f1"]}


def train(codebook: Codebook, rows: list[dict], variant: str, params: dict, folds: int = 5,
          compare: list[str] | None = None, held_out: set[int] | None = None,
          w: np.ndarray | None = None) -> tuple[SentenceModel, dict]:
    """Cross-validate (thresholds, variant comparison) on ``rows`` minus ``held_out`` (indices kept
    out of every choice, for an honest before/after figure), then fit on all ``rows``; ``w`` (one
    per row, default 1) weighs the rows in every fit."""
    labels = codebook.label_names
    Y = label_matrix(rows, labels)
    w = np.ones(len(rows)) if w is None else w
    cv_idx = [i for i in range(len(rows)) if i not in (held_out or set())]
    cv_rows, cv_Y, cv_w = [rows[i] for i in cv_idx], Y[cv_idx], w[cv_idx]
    fold = cv_folds(cv_rows, folds)
    comparison = {}
    for v in (compare or []):
        if v == variant:
            continue
        comparison[v] = macro(cross_validate(codebook, cv_rows, cv_Y, fold, cv_w, v, params)[1])
        log.info("variant %s: %s", v, comparison[v])
    thresholds, cv, alone = cross_validate(codebook, cv_rows, cv_Y, fold, cv_w, variant, params)
    comparison[variant] = macro(cv)
    comparison.update({f"{variant}, {h} head only": figs for h, figs in alone.items()})
    model = SentenceModel(codebook, variant=variant, **params).fit(rows, Y, w)
    model.thresholds = thresholds
    info = {
        "variant": variant, "params": params, "folds": folds, "thresholds": thresholds,
        "n_sentences": len(rows), "n_docs": len({r["doc"] for r in rows}),
        "n_registers": len({r["register"] for r in rows if r.get("register")}),
        "label_counts": {lab: int(Y[:, j].sum()) for j, lab in enumerate(labels)},
        "n_unlabelled": int((Y.sum(axis=1) == 0).sum()),
        "cv": cv, "comparison": dict(sorted(comparison.items())),
        "constant_parts": model.constant_parts(),
    }
    return model, info


def save(model: SentenceModel, info: dict, out_dir: Path | str, provenance: dict) -> None:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    # plain pickle (C unpickler): loads several times faster than joblib's, and each batch job loads it
    with open(out_dir / "model.pkl", "wb") as fh:
        pickle.dump(model, fh, protocol=5)
    meta = {**info, **provenance, "versions": versions(), "format": MODEL_FORMAT,
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
    if meta.get("format") != MODEL_FORMAT:
        stale["model format"] = (meta.get("format"), MODEL_FORMAT)
    if stale:
        raise ModelVersionError(f"model in {model_dir} was saved with other library versions {stale}; "
                                "retrain it (snakemake retrains when the versions change)")
    with open(model_dir / "model.pkl", "rb") as fh:
        return pickle.load(fh), meta


def model_card_section(info: dict) -> list[str]:
    """Markdown lines describing the training data, variants and cross-validation figures."""
    lines = [
        f"- Variant: `{info['variant']}` with {info['params']}; thresholds chosen by {info['folds']}-fold "
        "cross-validation that holds out whole registers (training files; a user's documents spread over the folds), "
        "so the CV figures below are for writing in a register the model has not seen.",
        f"- Training data: {info['n_sentences']} sentences in {info['n_docs']} mini-documents of "
        f"{info.get('n_registers', 0)} registers; {info['n_unlabelled']} without any label.",
        "", "| label | sentences | threshold | CV precision | CV recall | CV F1 |", "|---|---|---|---|---|---|",
    ]
    for lab, n in info["label_counts"].items():
        stance, cid = lab.split(":")
        m = info["cv"][stance]["per_category"].get(cid, {})
        lines.append(f"| {lab} | {n} | {info['thresholds'][lab]:.3f} | {m.get('precision', 0):.3f} | "
                     f"{m.get('recall', 0):.3f} | {m.get('f1', 0):.3f} |")
    lines += ["", "Feature variants and heads compared by the same cross-validation (macro-F1):", "",
              "| variant | problem | practice |", "|---|---|---|"]
    for v, r in info["comparison"].items():
        mark = " (default)" if v == info["variant"] else ""
        lines.append(f"| {v}{mark} | {r['problem_macro_f1']:.3f} | {r['practice_macro_f1']:.3f} |")
    if info.get("constant_parts"):
        lines.append(f"\nModel parts with too few examples to learn (constant prevalence): {info['constant_parts']}")
    if info.get("n_user_sentences"):
        lines += ["", f"User-labelled sentences merged: {info['n_user_sentences']} (user labels win on the same text), "
                  f"each weighted {info.get('user_weight', 1.0):g} in the fit."]
    if info.get("user_holdout"):
        lines += user_holdout_lines(info["user_holdout"])
    return lines


def user_holdout_lines(h: dict) -> list[str]:
    """The before/after table of the model card."""
    lines = ["", "## Before and after your labels", "",
             f"Measured on {h['n_sentences']} of your labelled sentences ({h['n_docs']} documents) that were held "
             "out of training and of every threshold choice. *Before*: the model fitted on the project's data only; "
             "*after*: fitted with the rest of your labels too; both with the same thresholds.", ""]
    return lines + f1_table("", [(name, stance, h[name][stance], {"exact match": h[name]["exact"]})
                                 for name in ("before", "after") for stance in ("problem", "practice")], support=True)


def before_after(codebook: Codebook, rows: list[dict], user_docs: set[str], held: set[int],
                 thresholds: dict[str, float], variant: str, params: dict, weights: np.ndarray) -> dict:
    """Figures on the held-out part of the user's labels for a model fitted without any user label
    (before) and one fitted with the rest of them (after); both use ``thresholds`` (chosen without
    the held-out part), so the difference comes from the user's labels alone."""
    labels = codebook.label_names
    Y = label_matrix(rows, labels)
    test = sorted(held)
    gold = to_sets(Y[test], labels)
    T = np.array([thresholds[lab] for lab in labels])
    out = {"n_sentences": len(test), "n_docs": len({rows[i]["doc"] for i in test})}
    for name, keep in (("before", [i for i, r in enumerate(rows) if r["doc"] not in user_docs]),
                       ("after", [i for i in range(len(rows)) if i not in held])):
        m = SentenceModel(codebook, variant=variant, **params).fit([rows[i] for i in keep], Y[keep], weights[keep])
        pred = to_sets(m.predict_proba([rows[i] for i in test]) >= T, labels)
        out[name] = evaluate_sets(gold, pred, codebook.ids)
        out[name]["exact"] = round(float(np.mean([g == p for g, p in zip(gold, pred)])), 4)
        log.info("user held-out, %s their labels: problem macro-F1 %.3f", name, out[name]["problem"]["macro_f1"])
    return out


def build_and_save(codebook: Codebook, training: list[str], annotations: list[str], userdict: str,
                   out_dir: str, model_cfg: dict) -> dict:
    from .annotations import holdout, load_annotations, merge
    from .classify import prepare
    from .tokenize import Tokenizer, dictionary_hash

    rows = load_training(training)
    user = load_annotations(annotations) if annotations else []
    if user:
        rows = merge(rows, user)
        log.info("%d user-labelled sentences merged (user labels win on the same text)", len(user))
    rows = prepare(rows, Tokenizer(userdict))
    params = {k: model_cfg[k] for k in ("C", "context_weight", "cue_weight", "heads") if k in model_cfg}
    user_docs = {r["doc"] for r in user}
    held_docs = holdout(user, model_cfg.get("user_holdout", 0.25))
    held = {i for i, r in enumerate(rows) if r["doc"] in held_docs}
    user_weight = float(model_cfg.get("user_weight", 1.0))
    weights = np.where([r["doc"] in user_docs for r in rows], user_weight, 1.0)
    model, info = train(codebook, rows, model_cfg["variant"], params, folds=model_cfg.get("folds", 5),
                        compare=model_cfg.get("compare", []), held_out=held, w=weights)
    info["n_user_sentences"] = sum(r["doc"] in user_docs for r in rows)
    info["user_weight"] = user_weight
    if held:
        info["user_holdout"] = before_after(codebook, rows, user_docs, held, model.thresholds,
                                            model_cfg["variant"], params, weights)
    provenance = {"training_sha256": files_hash(training + annotations), "codebook_sha256": codebook.sha256,
                  "userdict_sha256": dictionary_hash(userdict), "training_files": [Path(p).name for p in training]}
    save(model, info, out_dir, provenance)
    Path(out_dir, "model_card.md").write_text("\n".join(model_card_section(info)) + "\n", encoding="utf-8")
    return info

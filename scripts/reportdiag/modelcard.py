"""The model card (results/model_card.md): data, cross-validation, evaluations, failure modes."""
from __future__ import annotations

import json
from pathlib import Path

from .evaluate import uncertainty_lines
from .metrics import f1_table
from .reportcheck import summary_lines as report_summary_lines


def _failure_examples(rep: dict, per_kind: int = 2) -> list[str]:
    lines = []
    for stance in ("problem", "practice"):
        for kind in ("missed", "false"):
            shown = 0
            for e in rep["errors"]:
                if e["stance"] == stance and e[kind] and shown < per_kind:
                    label = ",".join(e[kind])
                    word = "missed" if kind == "missed" else "false"
                    lines.append(f"- {stance}, {word} `{label}`: {e['text'][:90]}")
                    shown += 1
    return lines


def _sentence_section(rep: dict) -> list[str]:
    lines = ["", f"## Evaluation on `{rep['gold']}` ({rep['n']} sentences)", ""]
    lines += f1_table("scorer", [(who, stance, rep[who][stance], {}) for who in ("model", "dictionary_baseline")
                                 for stance in ("problem", "practice")])
    return lines + ["", f"Gain over the dictionary baseline (problem macro-F1): {rep['gain_problem_macro_f1']:+.3f}",
                    ""] + [f"- {x.strip()}" for x in uncertainty_lines(rep)] + [
                    "", "Known failure modes, with examples from this evaluation:", ""] + _failure_examples(rep)


def _report_section(rep: dict) -> list[str]:
    return ["", f"## Report-level check on the pages of `{rep['gold']}` (pipeline run `{rep['run']}`)", "",
            "```"] + report_summary_lines(rep) + ["```"]


def write_model_card(path: Path, model_dir: Path, eval_dir: Path) -> Path:
    """The training section the model was saved with, then every evaluation in eval_dir: sentence-level
    files from `evaluate` and report-level files from `evaluate-reports` (told apart by their keys)."""
    meta = json.loads((model_dir / "model.json").read_text(encoding="utf-8"))
    lines = ["# Model card: reportdiag sentence classifier", "",
             "Categories and stances follow the project codebook (resources/codebook.yaml), after "
             "王晓英《基层党建与业务工作深度融合的机制探索》.", "",
             f"- model sha256 `{meta['model_sha256'][:16]}…`, training data sha256 `{meta['training_sha256'][:16]}…`, "
             f"codebook sha256 `{meta['codebook_sha256'][:16]}…`", f"- library versions: {meta['versions']}", "",
             "## Training and cross-validation", ""]
    lines += (model_dir / "model_card.md").read_text(encoding="utf-8").splitlines()
    for f in sorted(eval_dir.glob("*.json")):
        rep = json.loads(f.read_text(encoding="utf-8"))
        lines += _report_section(rep) if "n_pages" in rep else _sentence_section(rep)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path

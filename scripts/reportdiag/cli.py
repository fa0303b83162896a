"""Command line: ``python -m reportdiag classify|evaluate ...`` (the Makefile's targets call these)."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import yaml

CONFIG = Path("config/config.yaml")


def _config() -> dict:
    return yaml.safe_load(CONFIG.read_text(encoding="utf-8"))


def _model_and_tools(cfg: dict, model_dir: str | None = None):
    from .codebook import load_codebook
    from .tokenize import Tokenizer
    from .training import load

    model, meta = load(model_dir or cfg["model_dir"])
    codebook = load_codebook(cfg["codebook"], cfg.get("codebook_extend") or None)
    return model, meta, codebook, Tokenizer(cfg["userdict"], cfg.get("segmenter", "jieba"))


def cmd_classify(args) -> int:
    from .classify import Scorer, prepare
    from .io import read_jsonl, write_jsonl

    cfg = _config()
    model, _, codebook, tok = _model_and_tools(cfg, args.model_dir)
    rows = []
    for n, r in enumerate(read_jsonl(args.inp), 1):
        if "id" not in r or "text" not in r:
            print(f"{args.inp}:{n}: each line needs \"id\" and \"text\"", file=sys.stderr)
            return 2
        rows.append({k: r[k] for k in ("id", "text", "doc") if k in r})
    scored = Scorer(model, codebook).score(prepare(rows, tok))
    keys = ("id", "problem", "practice", "p_problem", "p_practice")
    n = write_jsonl(args.out, ({k: s[k] for k in keys} for s in scored))
    print(f"{n} sentences classified → {args.out}")
    return 0


def cmd_evaluate(args) -> int:
    from .evaluate import evaluate_gold, summary_lines
    from .modelcard import write_model_card

    cfg = _config()
    if args.results:
        cfg["results"] = args.results
    model, meta, codebook, tok = _model_and_tools(cfg, args.model_dir)
    rep = evaluate_gold(args.gold, model, codebook, tok)
    out_dir = Path(cfg["results"]) / "evaluation"
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / f"{Path(args.gold).stem}.json"
    out.write_text(json.dumps(rep, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print("\n".join(summary_lines(rep)))
    card = write_model_card(Path(cfg["results"]) / "model_card.md", Path(args.model_dir or cfg["model_dir"]), meta,
                            out_dir)
    print(f"written {out} and {card}")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="reportdiag")
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("classify", help="classify sentences: JSON Lines {id,text[,doc]} in, predictions out")
    c.add_argument("--in", dest="inp", required=True)
    c.add_argument("--out", required=True)
    c.add_argument("--model-dir", help="default: model_dir of config/config.yaml")
    c.set_defaults(func=cmd_classify)
    e = sub.add_parser("evaluate", help="score the model and the dictionary baseline on a gold file")
    e.add_argument("--gold", required=True)
    e.add_argument("--model-dir", help="default: model_dir of config/config.yaml")
    e.add_argument("--results", help="default: results of config/config.yaml")
    e.set_defaults(func=cmd_evaluate)
    args = ap.parse_args(argv)
    return args.func(args)

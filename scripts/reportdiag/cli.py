"""Command line: ``python -m reportdiag classify|evaluate|evaluate-reports ...`` (the Makefile's targets call these)."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import yaml

from .codebook import CodebookError

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
    model, _, codebook, tok = _model_and_tools(cfg, args.model_dir)
    rep = evaluate_gold(args.gold, model, codebook, tok, cfg["summaries"]["bootstrap_resamples"],
                        cfg["summaries"]["seed"])
    out_dir = Path(cfg["results"]) / "evaluation"
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / f"{Path(args.gold).stem}.json"
    out.write_text(json.dumps(rep, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print("\n".join(summary_lines(rep)))
    card = write_model_card(Path(cfg["results"]) / "model_card.md", Path(args.model_dir or cfg["model_dir"]), out_dir)
    print(f"written {out} and {card}")
    return 0


def cmd_write_pages(args) -> int:
    from .reportcheck import write_pages

    n = write_pages(args.pages, args.out)
    print(f"{n} pages written to {args.out}")
    return 0


def cmd_evaluate_reports(args) -> int:
    from .io import read_jsonl
    from .modelcard import write_model_card
    from .reportcheck import compare, gold_counts, run_counts, summary_lines

    cfg = _config()
    ids = _codebook(cfg, None).ids
    diagnosis = Path(args.run) / "tables" / "report_diagnosis.csv"
    if not diagnosis.exists():
        print(f"{diagnosis} not found: run the pipeline on the pages first (make evaluate-reports)", file=sys.stderr)
        return 2
    rep = compare(gold_counts(list(read_jsonl(args.gold)), ids), run_counts(diagnosis, ids), ids, cfg["recommend"])
    rep = {"gold": str(args.gold), "run": str(args.run), **rep}
    out_dir = Path(args.results or cfg["results"]) / "evaluation"
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / f"{Path(args.gold).stem}_reports.json"
    out.write_text(json.dumps(rep, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print("\n".join(summary_lines(rep)))
    card = write_model_card(Path(args.results or cfg["results"]) / "model_card.md",
                            Path(args.model_dir or cfg["model_dir"]), out_dir)
    print(f"written {out} and {card}")
    return 0


def _codebook(cfg: dict, extend: str | None):
    from .codebook import load_codebook

    return load_codebook(cfg["codebook"], (extend if extend is not None else cfg.get("codebook_extend")) or None)


def cmd_sample(args) -> int:
    from .io import read_csv
    from .sampling import draw, strata_counts, write_sample
    from .tables import load_scored_sentences

    cfg = _config()
    results = Path(args.results or cfg["results"])
    model_dir = Path(args.model_dir or cfg["model_dir"])
    reports = results / "tables" / "report_diagnosis.csv"
    scores = sorted((results / "work" / "classify").glob("*.jsonl"))
    if args.n < 1:
        print("N must be a positive number of sentences, e.g. make sample N=200", file=sys.stderr)
        return 2
    if not reports.exists() or not scores:
        print(f"{results}: no diagnosed run found (tables/report_diagnosis.csv and work/classify/); "
              "run the pipeline first (make run)", file=sys.stderr)
        return 2
    codebook = _codebook(cfg, args.codebook_extend)
    thresholds = json.loads((model_dir / "model.json").read_text(encoding="utf-8"))["thresholds"]
    if set(thresholds) != set(codebook.label_names):
        print(f"the model in {model_dir} was trained for other categories than the codebook's {codebook.ids}; "
              "rerun the pipeline with the same codebook settings", file=sys.stderr)
        return 2
    try:
        sentences = load_scored_sentences(sorted((results / "work" / "segment").glob("*.jsonl")), scores,
                                          set(read_csv(reports)["file"]))
    except ValueError as e:
        print(f"{results}: {e}", file=sys.stderr)
        return 2
    seed = args.seed if args.seed is not None else cfg["summaries"]["seed"]
    sample = draw(sentences, codebook, thresholds, args.n, seed)
    paths = write_sample(sample, codebook, results / "annotation")
    print(f"{len(sample)} of {len(sentences)} sentences sampled (seed {seed}): {strata_counts(sample)}")
    print(f"for the coders: {paths['xlsx']} and {paths['csv']}; the model's labels: {paths['model']}")
    return 0


def cmd_agreement(args) -> int:
    from .agreement import AgreementError, run, summary_lines

    cfg = _config()
    codebook = _codebook(cfg, args.codebook_extend)
    out_dir = Path(args.out_dir or Path(cfg["results"]) / "agreement")
    try:
        res = run(args.a, args.b, codebook, out_dir)
    except AgreementError as e:
        print(e, file=sys.stderr)
        return 2
    print("\n".join(summary_lines(res["summary"], res["counts"])))
    print(f"written {res['paths']['summary']} and {res['paths']['disagreements']} "
          f"({len(res['disagreements'])} disagreements)")
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
    w = sub.add_parser("write-pages", help="write the pages of a JSON Lines file {id,text} as a corpus of .txt files")
    w.add_argument("--pages", required=True)
    w.add_argument("--out", required=True)
    w.set_defaults(func=cmd_write_pages)
    r = sub.add_parser("evaluate-reports", help="score a run's report-level diagnosis against sentence gold")
    r.add_argument("--gold", required=True, help="sentence gold with a doc key (the page id)")
    r.add_argument("--run", required=True, help="results directory of a pipeline run on those pages")
    r.add_argument("--results", help="where evaluation/ is written; default: results of config/config.yaml")
    r.add_argument("--model-dir", help="the run's model, for the model card; default: model_dir of config/config.yaml")
    r.set_defaults(func=cmd_evaluate_reports)
    s = sub.add_parser("sample", help="stratified sample of a run's sentences for hand annotation")
    s.add_argument("--n", type=int, required=True, help="number of sentences")
    s.add_argument("--seed", type=int, help="default: summaries.seed of config/config.yaml")
    s.add_argument("--results", help="default: results of config/config.yaml")
    s.add_argument("--model-dir", help="default: model_dir of config/config.yaml")
    s.add_argument("--codebook-extend", help="default: codebook_extend of config/config.yaml")
    s.set_defaults(func=cmd_sample)
    a = sub.add_parser("agreement", help="percentage agreement and Cohen's kappa of two codings, by id")
    a.add_argument("--a", required=True, help="coder file: filled sample CSV/XLSX or JSON Lines")
    a.add_argument("--b", required=True, help="another coder's file, or the model's (sample_model.jsonl)")
    a.add_argument("--out-dir", help="default: <results>/agreement")
    a.add_argument("--codebook-extend", help="default: codebook_extend of config/config.yaml")
    a.set_defaults(func=cmd_agreement)
    args = ap.parse_args(argv)
    try:
        return args.func(args)
    except CodebookError as e:
        print(e, file=sys.stderr)
        return 2

"""`make bench`: throughput, incremental re-runs and memory on a corpus built from ../shared/data.

Everything is measured in one run on this machine and reported as ratios against raw single-core
jieba.lcut over the same text, so figures from different machines stay comparable.
"""
from __future__ import annotations

import argparse
import csv
import json
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
SMK = str(Path(sys.executable).with_name("snakemake"))


def source_texts() -> list[str]:
    texts = []
    for name in ("government_work_reports.jsonl", "cpc_congress_reports.jsonl"):
        for line in open(SHARED / name, encoding="utf-8"):
            t = json.loads(line)["content"]
            if len(t) > 2000:
                texts.append(t)
    return texts


def build_corpus(folder: Path, n: int, seed: int, start: int = 0) -> int:
    """n reports of 2,000–20,000 characters, each 2–4 slices of real texts recombined (seeded)."""
    rng = random.Random(seed)
    texts = source_texts()
    folder.mkdir(parents=True, exist_ok=True)
    total = 0
    for i in range(start, start + n):
        parts = []
        for _ in range(rng.randint(2, 4)):
            t = rng.choice(texts)
            size = rng.randint(500, 5000)
            a = rng.randint(0, max(0, len(t) - size))
            parts.append(t[a:a + size])
        text = "\n".join(parts)
        (folder / f"{2000 + i % 26}_bench_{i:05d}.txt").write_text(text, encoding="utf-8")
        total += len(text)
    return total


def raw_jieba(folder: Path) -> tuple[float, int]:
    code = (
        "import sys,time,jieba,pathlib;jieba.initialize();"
        "ts=[p.read_text(encoding='utf-8') for p in sorted(pathlib.Path(sys.argv[1]).glob('*.txt'))];"
        "t=time.perf_counter();n=sum(len(jieba.lcut(x)) for x in ts);"
        "print(time.perf_counter()-t, sum(map(len,ts)))"
    )
    out = subprocess.run([sys.executable, "-c", code, str(folder)], capture_output=True, text=True, check=True)
    secs, chars = out.stdout.split()
    return float(secs), int(chars)


def snakemake(corpus: Path, results: Path, *extra: str, dry: bool = False) -> float:
    cmd = [SMK, "--cores", "2", "--quiet", "rules", "--config", f"corpus={corpus}", f"results={results}", *extra]
    if dry:
        cmd.insert(1, "-n")
    t = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t


def peak_rss_mb(results: Path) -> float:
    """Largest max_rss any job recorded in its Snakemake benchmark file."""
    peak = 0.0
    for f in (results / "benchmarks").rglob("*.tsv"):
        with open(f) as fh:
            for row in csv.DictReader(fh, delimiter="\t"):
                try:
                    peak = max(peak, float(row["max_rss"]))
                except (KeyError, ValueError):
                    pass
    return peak


def step_seconds(results: Path) -> dict:
    out: dict[str, float] = {}
    for f in (results / "benchmarks").rglob("*.tsv"):
        step = f.parent.name if f.parent.name != "benchmarks" else f.stem
        with open(f) as fh:
            for row in csv.DictReader(fh, delimiter="\t"):
                out[step] = round(out.get(step, 0.0) + float(row["s"]), 2)
    return out


def run(n: int, seed: int, work: Path, extra: list[str]) -> dict:
    corpus, results = work / f"corpus_{n}", work / f"results_{n}"
    shutil.rmtree(corpus, ignore_errors=True)
    shutil.rmtree(results, ignore_errors=True)
    chars = build_corpus(corpus, n, seed)
    ref_s, ref_chars = raw_jieba(corpus)
    ref_cps = ref_chars / ref_s
    cold = snakemake(corpus, results, *extra)
    noop = snakemake(corpus, results, *extra)
    build_corpus(corpus, 1, seed + 1, start=n)
    add_one = snakemake(corpus, results, *extra)
    cold_cps = chars / cold
    return {
        "n_reports": n, "chars": chars, "reference_jieba_lcut_chars_per_s": round(ref_cps),
        "cold_s": round(cold, 2), "cold_chars_per_s": round(cold_cps), "cold_vs_reference": round(cold_cps / ref_cps, 2),
        "noop_rerun_s": round(noop, 2), "add_one_rerun_s": round(add_one, 2),
        "add_one_vs_cold": round(add_one / cold, 4), "peak_job_rss_mb": round(peak_rss_mb(results), 1),
        "job_seconds_by_step": step_seconds(results),
    }


def dry_run_many(work: Path, n: int) -> float:
    corpus = work / "many"
    shutil.rmtree(corpus, ignore_errors=True)
    corpus.mkdir(parents=True)
    for i in range(n):
        (corpus / f"r{i:05d}.txt").write_text("党建工作与业务工作结合不够紧密。", encoding="utf-8")
    return snakemake(corpus, work / "many_results", dry=True)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, nargs="+", default=[500, 2000])
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--work", default="/tmp/reportdiag-bench")
    ap.add_argument("--many", type=int, default=20000)
    ap.add_argument("--config", nargs="*", default=[], help="extra key=value for --config")
    args = ap.parse_args()
    work = Path(args.work)
    subprocess.run([SMK, "resources/model/model.pkl", "--cores", "2", "--quiet", "rules"], cwd=ROOT, check=True)
    report = {"runs": [run(n, args.seed, work, args.config) for n in args.n]}
    report["dry_run_s"] = {str(args.many): round(dry_run_many(work, args.many), 2)}
    out = ROOT / "results" / "bench.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    for r in report["runs"]:
        print(f"N={r['n_reports']}: {r['chars']:,} chars; raw jieba.lcut {r['reference_jieba_lcut_chars_per_s']:,} c/s; "
              f"cold {r['cold_s']} s = {r['cold_chars_per_s']:,} c/s ({r['cold_vs_reference']}× reference); "
              f"no-op {r['noop_rerun_s']} s; +1 report {r['add_one_rerun_s']} s ({r['add_one_vs_cold']:.1%} of cold); "
              f"peak job RSS {r['peak_job_rss_mb']} MB; {r['job_seconds_by_step']}")
    print(f"dry run on {args.many} files: {report['dry_run_s'][str(args.many)]} s")
    print(f"written {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Shared fixtures: paths, the shared material beside the repo, and one trained model per session."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))
CJK_FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")


def shared_path(*parts: str) -> Path:
    p = SHARED.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"{p} is not present (../shared is beside the repo in CI)")
    return p


FAST_CONFIG = str(Path(__file__).with_name("config.fast.yaml"))


def run_snakemake(*targets: str, config: tuple[str, ...] = (), cores: int = 2, check: bool = True,
                  extra: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    cmd = [SNAKEMAKE, *targets, "--cores", str(cores), "--configfile", FAST_CONFIG, *extra]
    if config:
        cmd += ["--config", *config]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise AssertionError(f"snakemake failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}")
    return proc


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory) -> Path:
    """The default model trained by the pipeline's own rule from the repo's data (3 folds, no
    variant comparison, to keep the suite fast)."""
    out = tmp_path_factory.mktemp("model")
    run_snakemake(str(out / "model.pkl"), config=(f"model_dir={out}",))
    return out


def pipeline(corpus: Path, results: Path, model: Path, *config: str, **kw) -> subprocess.CompletedProcess:
    """Run the whole workflow on ``corpus`` with the session's model."""
    return run_snakemake(config=(f"corpus={corpus}", f"results={results}", f"model_dir={model}",
                                 *config), **kw)


def write_jsonl(path: Path, rows) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def have_cjk_font() -> Path:
    assert CJK_FONT.exists(), "Debian's fonts-noto-cjk is missing: run make test, whose setup installs it"
    return CJK_FONT


@pytest.fixture(scope="session")
def small_run(tmp_path_factory, model_dir) -> tuple[Path, Path]:
    """The hand-counted corpus of tests/smallcorpus.py run through the whole workflow once."""
    import smallcorpus

    tmp = tmp_path_factory.mktemp("small")
    corpus = smallcorpus.build(tmp / "corpus")
    pipeline(corpus, tmp / "results", model_dir)
    return corpus, tmp / "results"

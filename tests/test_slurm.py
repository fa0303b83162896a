"""The workflow through the SLURM profile on a real single-node cluster gives the same tables as a
local run. The cluster is tools/slurm-cluster.sh's (Debian's slurm-wlm and munge); the test starts
it when ``sinfo`` does not answer and stops it again afterwards."""
import os
import shutil
import subprocess

import pytest

from conftest import ROOT, pipeline

pytestmark = pytest.mark.slurm

CLUSTER = ROOT / "tools" / "slurm-cluster.sh"
TABLES = ("report_diagnosis.csv", "evidence.csv", "summary_by_category.csv", "rejected.csv", "warnings.csv")
STEPS = ("ingest", "segment", "classify", "diagnose")


def _sinfo_answers() -> bool:
    if not shutil.which("sinfo"):
        return False
    return subprocess.run(["sinfo", "-h"], capture_output=True).returncode == 0


@pytest.fixture(scope="module")
def cluster():
    started = False
    if not _sinfo_answers():
        if os.geteuid() != 0:
            pytest.skip("no SLURM cluster answers and starting one (tools/slurm-cluster.sh) needs root")
        proc = subprocess.run(["bash", str(CLUSTER), "start"], capture_output=True, text=True)
        assert proc.returncode == 0, f"tools/slurm-cluster.sh start failed:\n{proc.stdout}\n{proc.stderr}"
        started = True
    yield
    if started:
        subprocess.run(["bash", str(CLUSTER), "stop"], check=True, capture_output=True)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """A slice of the repo's sample corpus (two reports of each format), a duplicate and an empty
    file, so every table has rows."""
    src = ROOT / "corpus"
    c = tmp_path_factory.mktemp("slurm") / "corpus"
    c.mkdir()
    picked = []
    for suffix in (".txt", ".docx", ".pdf"):
        files = sorted(p for p in src.iterdir() if p.suffix == suffix)[:2]
        assert len(files) == 2, f"corpus/ should hold at least two {suffix} reports"
        picked += files
    for p in picked:
        shutil.copy(p, c / p.name)
    shutil.copy(picked[0], c / "副本.txt")
    (c / "empty.txt").write_bytes(b"")
    return c


def test_slurm_run_equals_local_run(cluster, corpus, model_dir, tmp_path):
    config = ("batches=2",)  # 7 SLURM jobs: ingest, segment, classify for two batches, diagnose
    local = tmp_path / "local"
    pipeline(corpus, local, model_dir, *config)

    slurm, logs = tmp_path / "slurm", tmp_path / "slurm-logs"
    proc = pipeline(corpus, slurm, model_dir, *config, extra=(
        "--profile", str(ROOT / "profiles" / "slurm"),
        # a cluster without accounting: no account to charge, and sacct has nothing to say
        "--slurm-no-account", "--slurm-status-command", "squeue",
        # jobs here take seconds; the 40 s default first check would dominate the test
        "--slurm-init-seconds-before-status-checks", "2",
        "--slurm-logdir", str(logs), "--slurm-keep-successful-logs",
    ))

    # every step really ran as a SLURM job: one kept log per job, under the rule's folder
    for step in STEPS:
        assert list((logs / f"rule_{step}").rglob("*.log")), f"no SLURM job ran {step}:\n{proc.stderr[-3000:]}"
    assert "SLURM jobid" in proc.stderr

    for name in TABLES:
        assert (slurm / "tables" / name).read_bytes() == (local / "tables" / name).read_bytes(), name

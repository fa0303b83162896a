"""The workflow through the SLURM profile on a real single-node cluster gives the same tables as a
local run. The cluster is tools/slurm-cluster.sh's (Debian's slurm-wlm and munge); the test starts
it when ``sinfo`` does not answer and stops it again afterwards."""
import os
import shutil
import subprocess

import pytest
import yaml

from conftest import ROOT, pipeline

pytestmark = pytest.mark.slurm

CLUSTER = ROOT / "tools" / "slurm-cluster.sh"
PROFILE = ROOT / "profiles" / "slurm"


def _sinfo_answers() -> bool:
    if not shutil.which("sinfo"):
        return False
    return subprocess.run(["sinfo", "-h"], capture_output=True).returncode == 0


def _minutes(limit: str) -> int:
    """SLURM's time limit ([D-][H:]MM:SS) in minutes."""
    days, _, clock = limit.rpartition("-")
    h, m, _ = ([0] * 3 + [int(x) for x in clock.split(":")])[-3:]
    return int(days or 0) * 1440 + h * 60 + m


@pytest.fixture(scope="module")
def cluster():
    started = False
    if not _sinfo_answers():
        if os.geteuid() != 0:
            pytest.skip("no SLURM cluster answers and starting one (tools/slurm-cluster.sh) needs root")
        proc = subprocess.run(["bash", str(CLUSTER), "start"], capture_output=True, text=True)
        assert proc.returncode == 0, f"tools/slurm-cluster.sh start failed:\n{proc.stdout}\n{proc.stderr}"
        started = True
    # a controller without a usable node would leave the jobs pending for ever
    states = subprocess.run(["sinfo", "-h", "-o", "%T"], capture_output=True, text=True).stdout.split()
    assert {"idle", "mixed", "allocated"} & set(states), f"no SLURM node can take jobs (states: {states})"
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
    config = ("batches=2",)  # two batches keep the SLURM jobs few (ingest, segment, classify twice each)
    local = tmp_path / "local"
    pipeline(corpus, local, model_dir, *config)

    slurm, logs = tmp_path / "slurm", tmp_path / "slurm-logs"
    proc = pipeline(corpus, slurm, model_dir, *config, extra=(
        "--profile", str(PROFILE),
        # a cluster without accounting: no account to charge, and sacct has nothing to say
        "--slurm-no-account", "--slurm-status-command", "squeue",
        # jobs here take seconds; the 40 s default first check would dominate the test
        "--slurm-init-seconds-before-status-checks", "2",
        "--slurm-logdir", str(logs), "--slurm-keep-successful-logs",
    ))

    # every rule the local run ran (one log each under logs/, by rule name) ran as a SLURM job,
    # which kept its log under rule_<name>/
    rules = {p.name.removesuffix(".log") for p in (local / "logs").iterdir()}
    assert {"ingest", "segment", "classify", "diagnose"} <= rules
    jobs = {}
    for rule in sorted(rules):
        found = list((logs / f"rule_{rule}").rglob("*.log"))  # named <SLURM job id>.log
        assert found, f"no SLURM job ran {rule}:\n{proc.stderr[-3000:]}"
        jobs.update({p.stem: rule for p in found})

    # each job got the profile's memory and time limit for its rule (finished jobs stay listed
    # for MinJobAge = 300 s)
    profile = yaml.safe_load((PROFILE / "config.yaml").read_text(encoding="utf-8"))
    out = subprocess.run(["squeue", "--states=all", "-h", "-o", "%i|%m|%l", "-j", ",".join(jobs)],
                         capture_output=True, text=True, check=True).stdout
    granted = {i: (m, _minutes(t)) for i, m, t in (line.split("|") for line in out.split())}
    assert set(granted) == set(jobs)
    for job, rule in jobs.items():
        want = {**profile["default-resources"], **profile["set-resources"].get(rule, {})}
        assert granted[job] == (f"{want['mem_mb']}M", want["runtime"]), rule

    tables = sorted(p.name for p in (local / "tables").glob("*.csv"))
    assert sorted(p.name for p in (slurm / "tables").glob("*.csv")) == tables
    for name in tables:
        assert (slurm / "tables" / name).read_bytes() == (local / "tables" / name).read_bytes(), name

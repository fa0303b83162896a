"""The workflow itself: lint-clean, and the model is reproducible."""
import hashlib
import os
import subprocess

from conftest import FAST_CONFIG, ROOT, SNAKEMAKE


def test_snakemake_lint_is_clean():
    proc = subprocess.run([SNAKEMAKE, "--lint"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0 and "Congratulations" in proc.stdout + proc.stderr, proc.stdout[-3000:]


def test_training_is_deterministic(tmp_path, model_dir):
    """Same data and config, another hash seed and process: the same model bytes."""
    out = tmp_path / "again"
    env = dict(os.environ, PYTHONHASHSEED="12345")
    subprocess.run([SNAKEMAKE, str(out / "model.pkl"), "--cores", "2", "--configfile", FAST_CONFIG,
                    "--config", f"model_dir={out}"], cwd=ROOT, env=env, check=True, capture_output=True)
    digest = lambda p: hashlib.sha256(p.read_bytes()).hexdigest()  # noqa: E731
    assert digest(out / "model.pkl") == digest(model_dir / "model.pkl")

"""A stratified sample of scored sentences for hand annotation (``make sample N=200``).

Strata, filled in this order, each sentence at most once (identical texts count once):

- ``uncertain``: the sentences closest to a decision threshold (smallest min |p - t| over all
  labels), where a coder's label teaches the model most;
- ``predicted:<stance>:<id>``: sentences the model gives that label, drawn at random label by label
  in turn, so every predicted category is represented even when it is rare;
- ``negative``: random sentences without any predicted label (what the model may miss).

Each stratum gets a third of N; a stratum that runs short passes its remainder on. The coder's
sheet is shuffled and does not show the model's labels or the stratum (no anchoring); those go to
``sample_model.jsonl`` beside it, which ``make agreement`` can compare a coder against.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd

from .codebook import Codebook
from .io import write_csv, write_jsonl, write_xlsx

# section (the headings above) and prev (the sentence before) are read back as context on retraining
CODER_COLUMNS = ["sample_no", "id", "file", "section", "prev", "text", "problem", "practice", "note"]


def margins(df: pd.DataFrame, labels: list[str], thresholds: dict[str, float]) -> np.ndarray:
    """Per sentence, the distance of the nearest label probability to that label's threshold."""
    cols = []
    for lab in labels:
        stance, cid = lab.split(":")
        p = df[f"p_{stance}"].map(lambda d, c=cid: d.get(c, 0.0)).to_numpy(dtype=float)
        cols.append(np.abs(p - thresholds[lab]))
    return np.min(np.column_stack(cols), axis=1) if cols else np.zeros(len(df))


def _key(seed: int, sid: str) -> str:
    return hashlib.sha256(f"{seed}:{sid}".encode()).hexdigest()


def draw(df: pd.DataFrame, codebook: Codebook, thresholds: dict[str, float], n: int, seed: int) -> pd.DataFrame:
    """The sample rows of ``df`` (scored sentences) with ``stratum`` and ``margin`` columns, in the
    order the coder sees them."""
    if n < 1:
        raise ValueError("the sample size N must be at least 1")
    df = df.drop_duplicates("text", keep="first").reset_index(drop=True)
    df["margin"] = margins(df, codebook.label_names, thresholds).round(4)
    df["_key"] = [_key(seed, i) for i in df["id"]]
    rng = np.random.default_rng(seed)
    n = min(n, len(df))
    quota = {"uncertain": n // 3, "predicted": n // 3}
    taken: dict[int, str] = {}

    for i in df.sort_values(["margin", "_key"], kind="stable").index[: quota["uncertain"]]:
        taken[i] = "uncertain"
    want = quota["predicted"] + quota["uncertain"] - len(taken)
    pools = []
    for lab in codebook.label_names:
        stance, cid = lab.split(":")
        idx = [i for i in df.index[df[stance].map(lambda labs, c=cid: c in labs)] if i not in taken]
        pools.append((lab, list(rng.permutation(idx))))
    while want > 0 and any(p for _, p in pools):
        for lab, pool in pools:
            while pool and pool[0] in taken:
                pool.pop(0)
            if pool and want > 0:
                taken[int(pool.pop(0))] = f"predicted:{lab}"
                want -= 1
    unlabelled = df["problem"].map(len).eq(0) & df["practice"].map(len).eq(0)
    for stratum, mask in (("negative", unlabelled), ("random", pd.Series(True, index=df.index))):
        rest = [i for i in df.index[mask] if i not in taken]
        for i in rng.permutation(rest)[: n - len(taken)]:
            taken[int(i)] = stratum
    out = df.loc[sorted(taken)].copy()
    out["stratum"] = [taken[i] for i in out.index]
    out = out.iloc[rng.permutation(len(out))].reset_index(drop=True)
    out["sample_no"] = np.arange(1, len(out) + 1)
    return out.drop(columns=["_key"])


def codebook_sheet(codebook: Codebook) -> pd.DataFrame:
    return pd.DataFrame([{
        "id": c["id"], "name": c["name"], "definition": c["definition"],
        "problem_cues": "、".join(c["problem_cues"][:15]), "mechanism": c["mechanism"]["name"],
        "practice_examples": "；".join(c["mechanism"]["measures"]),
    } for c in codebook.categories])


def instructions(codebook: Codebook) -> pd.DataFrame:
    ids = ", ".join(codebook.ids)
    return pd.DataFrame({"说明": [
        "每行是一个句子，请只根据该句（可参考标题和前一句）判断。",
        f"problem 列：句子指出该单位存在的问题属于哪些类别，填类别 id（{ids}），多个用逗号分隔，都不属于则留空。",
        "practice 列：句子报告已经做了或计划做的对应机制属于哪些类别，填法同上。",
        "类别定义见 codebook 表；已经解决或被否定的问题不算 problem。",
        "note 列可写疑问；请不要改动 id 和 text 列，以便与其他编码员的结果按 id 对齐。",
    ]})


def write_sample(sample: pd.DataFrame, codebook: Codebook, out_dir: Path | str) -> dict[str, Path]:
    out_dir = Path(out_dir)
    coder = sample.assign(text=sample["source"], problem="", practice="", note="")[CODER_COLUMNS]
    paths = {"csv": out_dir / "sample.csv", "xlsx": out_dir / "sample.xlsx", "model": out_dir / "sample_model.jsonl"}
    write_csv(coder, paths["csv"])
    write_xlsx({"sample": coder, "codebook": codebook_sheet(codebook), "instructions": instructions(codebook)},
               paths["xlsx"], widths={"text": 80, "prev": 30, "section": 24, "definition": 80, "说明": 100,
                                      "problem": 14, "practice": 14, "note": 20, "file": 24})
    keys = ("id", "stratum", "margin", "problem", "practice", "p_problem", "p_practice")
    write_jsonl(paths["model"], ({k: r[k] for k in keys} for r in sample.to_dict("records")))
    return paths


def strata_counts(sample: pd.DataFrame) -> dict[str, int]:
    return {k: int(v) for k, v in sorted(sample["stratum"].value_counts().items())}


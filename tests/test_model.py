"""The sentence model's heads: what each part learns from, how the heads combine, and stance on
paired sentences (the same topic said as a problem and as a practice)."""
import glob
import json

import numpy as np
import pytest

from conftest import ROOT
from reportdiag.classify import Scorer, prepare
from reportdiag.codebook import load_codebook
from reportdiag.model import SentenceModel
from reportdiag.tokenize import Tokenizer
from reportdiag.training import label_matrix, load

CB = load_codebook(ROOT / "resources" / "codebook.yaml")
TOK = Tokenizer(str(ROOT / "resources" / "userdict.txt"))


def test_each_part_learns_from_its_rows():
    rows = [{"problem": ["goal"], "practice": []},
            {"problem": ["carrier", "goal"], "practice": []},
            {"problem": [], "practice": ["goal"]},
            {"problem": [], "practice": []},
            {"problem": [], "practice": ["evaluation"]}]
    t = SentenceModel(CB)._targets(label_matrix(rows, CB.label_names))
    idx, y = t["joint:problem:goal"]
    assert idx.tolist() == [0, 1, 2, 3, 4] and y.tolist() == [1, 1, 0, 0, 0]
    idx, y = t["stance:problem"]
    assert y.tolist() == [1, 1, 0, 0, 0]
    # which category, given that the sentence states a problem: only the problem sentences
    idx, y = t["given:problem:carrier"]
    assert idx.tolist() == [0, 1] and y.tolist() == [0, 1]
    # a category's topic, whichever the stance: only sentences with some label
    idx, y = t["topic:goal"]
    assert idx.tolist() == [0, 1, 2, 4] and y.tolist() == [1, 1, 1, 0]


@pytest.fixture(scope="module")
def fitted():
    rows = [json.loads(line) for f in sorted(glob.glob(str(ROOT / "data" / "training" / "*.jsonl")))
            for line in open(f, encoding="utf-8")][::4]
    rows = prepare(rows, TOK)
    return SentenceModel(CB, C=1.0).fit(rows, label_matrix(rows, CB.label_names)), rows[:300]


def test_heads_are_products_of_parts_and_combine_by_geometric_mean(fitted):
    model, rows = fitted
    X = model.transform(rows)
    heads = model.head_probabilities(X)
    assert set(heads) == {"joint", "stance-category", "stance-topic"}
    part = {name: m.predict_proba(X)[:, 1] for name, m in model.parts_.items()}
    j = CB.label_names.index("problem:carrier")
    np.testing.assert_allclose(heads["joint"][:, j], part["joint:problem:carrier"], rtol=1e-12)
    np.testing.assert_allclose(heads["stance-category"][:, j],
                               part["stance:problem"] * part["given:problem:carrier"], rtol=1e-12)
    np.testing.assert_allclose(heads["stance-topic"][:, j], part["stance:problem"] * part["topic:carrier"], rtol=1e-12)
    P = model.predict_proba(rows, X)
    np.testing.assert_allclose(P, np.cbrt(heads["joint"] * heads["stance-category"] * heads["stance-topic"]),
                               rtol=1e-9)
    # one head alone is that head
    joint_only = SentenceModel(CB, C=1.0, heads=("joint",))
    joint_only.features, joint_only.parts_ = model.features, {k: v for k, v in model.parts_.items()
                                                              if k.startswith("joint:")}
    np.testing.assert_allclose(joint_only.predict_proba(rows, X), heads["joint"], rtol=1e-12)
    # explanations weigh a feature as the heads do: its weights summed over a label's parts, averaged
    W = model.coefficients()
    coef = {name: m.coef.mean(axis=1) for name, m in model.parts_.items()}
    expect = (coef["joint:problem:carrier"] + 2 * coef["stance:problem"] + coef["given:problem:carrier"]
              + coef["topic:carrier"]) / 3
    # atol: weights that nearly cancel keep only rounding error, which no rtol bounds
    np.testing.assert_allclose(W[j], expect, rtol=1e-12, atol=1e-12 * np.abs(expect).max())


def test_row_weights_pull_the_fit_toward_the_weighted_rows():
    """A user's labels can be weighted (``model.user_weight``): rows weighing more move the fit toward
    their labels, and weights of one are the unweighted fit."""
    base = [json.loads(line) for f in sorted(glob.glob(str(ROOT / "data" / "training" / "*.jsonl")))
            for line in open(f, encoding="utf-8")][::4]
    # a user who reads these, against the codebook and the project's data, as no problem of the four
    user = [{"text": t, "problem": [], "practice": []} for t in
            ("党建考核与业务考核各搞一套。", "党建考核和业务考核仍是两套标准。", "考核党建和考核业务各管各的。")]
    rows = prepare(base + user, TOK)
    Y = label_matrix(rows, CB.label_names)
    j = CB.label_names.index("problem:evaluation")
    probe = prepare([{"text": "党建考核与业务考核仍然各搞一套。"}], TOK)

    def p(weights):
        return SentenceModel(CB, C=1.0).fit(rows, Y, weights).predict_proba(probe)[0, j]

    w = np.ones(len(rows))
    before = p(None)
    assert before == p(w)
    w[-len(user):] = 30.0
    after = p(w)
    assert before > 0.5 > after and before - after > 0.2


PAIRS = [  # (category, the problem said, the practice reported): the same topic, opposite stance
    ("goal", "一些支部仍有重业务、轻党建的倾向，党建目标与中心工作各定各的。",
     "我们把党建工作目标和年度经营目标放在一起谋划、一起部署，做到了同向发力。"),
    ("responsibility", "个别班子成员“一岗双责”意识不强，抓党建的责任没有压实到具体岗位。",
     "党委制定班子成员“一岗双责”责任清单，把抓党建责任逐项落实到每个分管领域。"),
    ("carrier", "主题党日活动内容单一，与业务工作结合不紧，党员参与的积极性不高。",
     "我们推行“党建+项目”工作法，在重点工程上设立党员先锋岗和党员突击队。"),
    ("evaluation", "党建考核与业务考核各搞一套，考核结果运用不充分。",
     "我们建立了党建与业务一体化考核评价机制，考核结果与绩效挂钩。"),
]


def test_stance_on_paired_sentences(model_dir):
    model, _ = load(model_dir)
    rows = [{"id": f"{c}-{k}", "text": t} for c, p, q in PAIRS for k, t in (("problem", p), ("practice", q))]
    got = {r["id"]: r for r in Scorer(model, CB).score(prepare(rows, TOK))}
    for cid, _, _ in PAIRS:
        said, done = got[f"{cid}-problem"], got[f"{cid}-practice"]
        assert cid in said["problem"] and cid not in said["practice"], (cid, said)
        assert cid in done["practice"] and cid not in done["problem"], (cid, done)


RESULT_HEADINGS = [  # (category, a result praised, the same area's shortfall): summaries open with the former
    ("goal", "五是党建与生产经营结合日益紧密。", "五是党建与生产经营结合不够紧密，党建计划和经营计划各定各的。"),
    ("responsibility", "一是抓党建的责任落实得更加到位。", "一是抓党建的责任落实不到位，压力传导层层递减。"),
    ("carrier", "三是支部活动质量明显提升。", "三是支部活动流于形式，与业务工作结合不紧。"),
    ("evaluation", "二是党建考核的导向作用更加凸显。", "二是党建考核重留痕轻实绩，考核结果运用不充分。"),
]


def test_result_headings_assert_no_problem(model_dir):
    model, _ = load(model_dir)
    rows = [{"id": f"{c}-{k}", "text": t} for c, a, b in RESULT_HEADINGS for k, t in (("result", a), ("shortfall", b))]
    got = {r["id"]: r for r in Scorer(model, CB).score(prepare(rows, TOK))}
    for cid, _, _ in RESULT_HEADINGS:
        assert got[f"{cid}-result"]["problem"] == [], got[f"{cid}-result"]
        assert cid in got[f"{cid}-shortfall"]["problem"], got[f"{cid}-shortfall"]


SCOPED_AREAS = {"goal": "党建与业务融合", "responsibility": "党建工作责任落实", "carrier": "党建活动载体",
                "evaluation": "党建考核评价"}
OUTSIDE_AREAS = ["党风廉政建设", "发展党员工作", "意识形态工作"]  # problems outside the four


def test_an_announced_shortfall_takes_the_category_of_the_area_it_names(model_dir):
    """"在……方面，我们还存在一些不足" asserts no particular failing; what it says depends on the area
    named. Named in a category's area, the category's problem probability is many times that of
    the same sentence in an area outside the four or with no area (round 15 of the training data);
    those never get a problem label."""
    model, _ = load(model_dir)
    texts = {a: f"在{a}方面，我们还存在一些不足。" for a in [*SCOPED_AREAS.values(), *OUTSIDE_AREAS]}
    texts["none"] = "工作中我们还存在一些不足。"
    got = {r["id"]: r for r in Scorer(model, CB).score(prepare([{"id": k, "text": t} for k, t in texts.items()], TOK))}
    controls = [got[k] for k in [*OUTSIDE_AREAS, "none"]]
    assert all(r["problem"] == [] for r in controls), controls
    for cid, area in SCOPED_AREAS.items():
        p = got[area]["p_problem"][cid]
        assert p >= 5 * max(r["p_problem"][cid] for r in controls) and p > 0.03, (cid, got[area], controls)
